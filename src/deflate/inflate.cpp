// The Inflater's public side: its heap block, the call loop over the state
// machine's steps, errors and their descriptions.
#include "deflate/inflate.h"

#include <cstdlib>
#include <iterator>
#include <new>
#include <utility>

#include "deflate/inflate_state.h"

namespace wshub::deflate {
namespace {

struct ErrorText {
    InflateError error;
    std::string_view text;
};

constexpr ErrorText kErrorTexts[] = {
    {InflateError::none, ""},
    {InflateError::bad_block_type, "invalid block type"},
    {InflateError::stored_length_mismatch, "stored block length does not match its complement"},
    {InflateError::too_many_codes, "too many length or distance codes"},
    {InflateError::bad_code_length_code, "invalid code-length code"},
    {InflateError::repeat_without_length, "code-length repeat with no length before it"},
    {InflateError::repeat_past_end, "code-length repeat past the last code"},
    {InflateError::no_end_of_block, "no code for end of block"},
    {InflateError::bad_literal_length_code, "invalid literal/length code lengths"},
    {InflateError::bad_distance_code, "invalid distance code lengths"},
    {InflateError::invalid_code, "bits that are no code"},
    {InflateError::bad_length_symbol, "invalid literal/length symbol"},
    {InflateError::bad_distance_symbol, "invalid distance symbol"},
    {InflateError::distance_too_far, "distance too far back"},
    {InflateError::data_after_final_block, "data after the final block"},
    {InflateError::truncated, "message ends inside a block"},
    {InflateError::too_big, "message inflates past the limit"},
    {InflateError::out_of_memory, "out of memory"},
};
static_assert(std::size(kErrorTexts) == size_t(InflateError::out_of_memory) + 1);

// 8 is taken as 9 (see InflateOptions::window_bits); out of range is clamped.
unsigned window_size(unsigned window_bits) noexcept {
    const unsigned bits = window_bits < 9 ? 9 : window_bits > 15 ? 15 : window_bits;
    return 1u << bits;
}

InflateResult result(InflateResult::Status status, InflateError error, size_t consumed,
                     size_t produced) noexcept {
    InflateResult r;
    r.status = status;
    r.error = error;
    r.consumed = consumed;
    r.produced = produced;
    return r;
}

}  // namespace

std::string_view describe(InflateError error) noexcept {
    const size_t i = size_t(error);
    return i < std::size(kErrorTexts) ? kErrorTexts[i].text : "unknown";
}

Inflater::Inflater(const InflateOptions& options) noexcept : options_(options) {}

Inflater::~Inflater() {
    if (state_) {
        state_->~State();
        std::free(state_);
    }
}

Inflater::Inflater(Inflater&& other) noexcept
    : options_(other.options_), state_(std::exchange(other.state_, nullptr)), error_(other.error_) {}

Inflater& Inflater::operator=(Inflater&& other) noexcept {
    if (this != &other) {
        if (state_) {
            state_->~State();
            std::free(state_);
        }
        options_ = other.options_;
        state_ = std::exchange(other.state_, nullptr);
        error_ = other.error_;
    }
    return *this;
}

size_t Inflater::heap_bytes_for(unsigned window_bits) noexcept {
    return sizeof(State) + window_size(window_bits);
}

size_t Inflater::heap_bytes() const noexcept { return state_ ? heap_bytes_for(options_.window_bits) : 0; }

bool Inflater::mid_message() const noexcept { return state_ && state_->in_message; }

void Inflater::shrink() noexcept {
    if (!state_) return;
    if (error_ == InflateError::none && (state_->in_message || options_.context_takeover)) return;
    state_->~State();
    std::free(state_);
    state_ = nullptr;
}

InflateResult Inflater::inflate(const uint8_t* in, size_t len, uint8_t* out, size_t cap,
                                bool message_end) noexcept {
    using Status = InflateResult::Status;
    if (error_ != InflateError::none) return result(Status::error, error_, len, 0);
    if (!mid_message() && len == 0) {
        // Nothing of this message yet: an empty payload is an empty message.
        return result(message_end ? Status::message_end : Status::need_input, InflateError::none, 0, 0);
    }
    if (!state_) {
        const size_t wsize = window_size(options_.window_bits);
        void* block = std::malloc(sizeof(State) + wsize);
        if (!block) {
            error_ = InflateError::out_of_memory;
            return result(Status::error, error_, 0, 0);
        }
        state_ = new (block) State;
        state_->window = static_cast<uint8_t*>(block) + sizeof(State);
        state_->window_mask = uint32_t(wsize - 1);
    }
    State& s = *state_;
    if (!s.in_message) {
        s.max_message = options_.max_message;
        if (!options_.context_takeover) s.history = 0;
        s.begin_message();
    }
    s.in = in;
    s.in_len = len;
    s.in_pos = 0;
    s.message_end = message_end;
    s.out = out;
    s.out_cap = cap;
    s.out_pos = 0;
    Step step;
    do {
        step = s.step();
    } while (step == Step::next);

    const size_t consumed = s.in_pos, produced = s.out_pos;
    switch (step) {
        case Step::need_input: return result(Status::need_input, InflateError::none, consumed, produced);
        case Step::output_full: return result(Status::output_full, InflateError::none, consumed, produced);
        case Step::message_end:
            s.end_message();
            return result(Status::message_end, InflateError::none, consumed, produced);
        default: break;
    }
    error_ = s.error;
    return result(Status::error, error_, consumed, produced);
}

}  // namespace wshub::deflate
