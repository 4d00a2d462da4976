// The Inflater's input (the bit buffer, the caller's bytes then the tail) and
// output (the caller's buffer and the window), and a message's start and end.
#include <cstring>

#include "deflate/inflate_state.h"

namespace wshub::deflate {

bool Inflater::State::exhausted() const noexcept {
    return in_pos == in_len && (!message_end || tail_fed == kSyncFlushTail.size());
}

Step Inflater::State::out_of_bits() noexcept {
    // Called after refill(): nothing more can come in this call.
    return message_end ? fail(InflateError::truncated) : Step::need_input;
}

Step Inflater::State::fail(InflateError e) noexcept {
    error = e;
    return Step::error;
}

void Inflater::State::put_bytes(const uint8_t* p, size_t n) noexcept {
    std::memcpy(out + out_pos, p, n);
    out_pos += n;
    message_out += n;
    history += n;
    const size_t wsize = size_t(window_mask) + 1;
    if (n >= wsize) {  // only the last window's worth matters
        p += n - wsize;
        n = wsize;
    }
    const size_t first = n < wsize - wpos ? n : wsize - wpos;
    std::memcpy(window + wpos, p, first);
    std::memcpy(window, p + first, n - first);
    wpos = uint32_t((wpos + n) & window_mask);
}

void Inflater::State::begin_message() noexcept {
    in_message = true;
    mode = InflateMode::block_header;
    bits = 0;
    bitcnt = 0;
    tail_fed = 0;
    message_out = 0;
}

void Inflater::State::end_message() noexcept {
    in_message = false;
    bits = 0;
    bitcnt = 0;
}

}  // namespace wshub::deflate
