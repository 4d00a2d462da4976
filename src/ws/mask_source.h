// Masking keys for the frames a client sends (RFC 6455 5.3 and 10.3).
//
// The RFC asks for a fresh key per frame that the page (whoever supplies the
// payload) cannot predict. The key keeps nothing secret: the payload is the
// sender's own and the key travels in the clear beside it. It exists so that
// whoever chooses a payload cannot choose the bytes on the wire, which could
// otherwise pass for an HTTP request to a transparent proxy and poison its
// cache. That takes keys the payload's author cannot know in advance, not
// keys that resist cryptanalysis; so the trade-off is xoshiro128** (Blackman
// and Vigna), fast and not cryptographic, seeded per instance from the kernel
// (getrandom(2) where present, else /dev/urandom; if both fail, from the clock
// and addresses: weaker, but never a fixed sequence). A key costs a few
// instructions rather than a system call or a cipher block per frame.
// Known weakness: a key is an invertible function of one state word, so a
// few keys in a row give away the state; someone who both watches the wire
// and supplies payloads (a proxied client of wshub on the same path, say)
// could predict later keys. A cryptographic generator would close that, at
// that cost per frame.
//
// Not thread-safe: one per connection or per worker thread.
#pragma once

#include <cstdint>

namespace wshub::ws {

class MaskSource {
public:
    // Seeded from the kernel as described above.
    MaskSource() noexcept;
    // Seeded with a known state, for reproducible tests; an all-zero state
    // (from which xoshiro never leaves) is replaced by a fixed non-zero one.
    explicit MaskSource(const uint32_t (&state)[4]) noexcept;

    // The next key: its bytes in memory order are the key's (as
    // write_masked_header and mask_copy take it).
    uint32_t next() noexcept;

private:
    uint32_t s_[4];
};

}  // namespace wshub::ws
