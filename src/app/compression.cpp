#include "app/compression.h"

#include <algorithm>
#include <new>

#include "hub/deflated.h"
#include "ws/frame.h"
#include "ws/utf8.h"

namespace wshub::app {
namespace {

constexpr uint8_t kFullWindow = 15;
// The buffers of an inflated and of a compressed message are kept between
// messages up to this size.
constexpr size_t kKeptBuffer = 64 * 1024;
// The first room an inflated message gets, and the least it grows by.
constexpr size_t kInflateStep = 4096;

deflate::InflateOptions inflate_options(const config::Config& cfg) {
    // Messages are inflated alone (client_no_context_takeover is asked of
    // every client); the full window decodes any smaller one.
    return {.window_bits = kFullWindow, .context_takeover = false, .max_message = cfg.max_message};
}

uint16_t close_code_of(deflate::InflateError e) noexcept {
    if (e == deflate::InflateError::too_big) return ws::close_code::too_big;
    if (e == deflate::InflateError::out_of_memory) return ws::close_code::internal_error;
    return ws::close_code::invalid_payload;
}

}  // namespace

Compression::Compression(const config::Config& cfg, metrics::WorkerCounters& counters)
    : counters_(counters),
      min_size_(cfg.compression_min_size),
      level_(cfg.compression_level),
      inflater_(inflate_options(cfg)) {}

http::DeflatePolicy Compression::policy() noexcept {
    return {.server_no_context_takeover = true,
            .client_no_context_takeover = true,
            .server_max_window_bits = kFullWindow,
            .client_max_window_bits = kFullWindow};
}

Compression::Inflated Compression::inflate(std::string_view payload, bool text) noexcept {
    const auto* in = reinterpret_cast<const uint8_t*>(payload.data());
    size_t used = 0;
    // One byte of room past --max-message, so that a message over it is
    // found too big rather than filling the buffer exactly.
    const size_t most = size_t(std::min<uint64_t>(inflater_.options().max_message + 1, SIZE_MAX));
    inflated_.clear();
    for (;;) {
        if (inflated_.capacity() == inflated_.size()) {
            const size_t want = std::max(inflated_.capacity() * 2, kInflateStep);
            if (!inflated_.reserve(std::min(want, most))) return {ws::close_code::internal_error, "out of memory", {}};
        }
        const size_t have = inflated_.size();
        const deflate::InflateResult r = inflater_.inflate(in + used, payload.size() - used, inflated_.data() + have,
                                                           inflated_.capacity() - have, true);
        used += r.consumed;
        inflated_.resize(have + r.produced);
        if (r.status == deflate::InflateResult::Status::error) {
            // An inflater's errors are sticky: the next connection's message
            // starts with a fresh one.
            inflater_ = deflate::Inflater(inflater_.options());
            return {close_code_of(r.error),
                    r.error == deflate::InflateError::too_big ? "message too big" : deflate::describe(r.error), {}};
        }
        if (r.status == deflate::InflateResult::Status::message_end) break;
    }
    const std::string_view message(reinterpret_cast<const char*>(inflated_.data()), inflated_.size());
    if (text && !ws::utf8_valid(inflated_.data(), inflated_.size()))
        return {ws::close_code::invalid_payload, "text is not valid UTF-8", {}};
    counters_.deflate_received[size_t(metrics::DeflateForm::compressed)].add(payload.size());
    counters_.deflate_received[size_t(metrics::DeflateForm::uncompressed)].add(message.size());
    return {0, {}, message};
}

void Compression::trim() noexcept {
    if (inflated_.capacity() > kKeptBuffer) inflated_.release();
}

deflate::Deflater* Compression::deflater(uint8_t window_bits) noexcept {
    window_bits = std::clamp<uint8_t>(window_bits, 8, kFullWindow);
    std::unique_ptr<deflate::Deflater>& d = window_bits == kFullWindow ? full_window_ : narrow_[window_bits - 8];
    if (!d)
        d.reset(new (std::nothrow) deflate::Deflater(
            deflate::DeflateOptions{.level = level_, .window_bits = window_bits, .context_takeover = false}));
    return d.get();
}

hub::Frame* Compression::form_for(hub::Frame* f, uint8_t window_bits) noexcept {
    deflate::Deflater* const d = f->payload_len < min_size_ ? nullptr : deflater(window_bits);
    hub::Frame* form = nullptr;
    if (d && window_bits >= kFullWindow) {
        form = hub::shared_deflated(f, *d, scratch_);
    } else if (d) {
        bool out_of_memory = false;
        form = hub::compress_frame(*f, *d, scratch_, out_of_memory);
    }
    if (!form) {
        form = f;
        hub::retain(f);
    }
    if (scratch_.capacity() > kKeptBuffer) scratch_.release();
    if (form != f) {
        counters_.deflate_sent[size_t(metrics::DeflateForm::compressed)].add(form->payload_len);
        counters_.deflate_sent[size_t(metrics::DeflateForm::uncompressed)].add(f->payload_len);
    }
    return form;
}

}  // namespace wshub::app
