// Masking keys for the frames a client sends (RFC 6455 5.3 and 10.3).
//
// The RFC asks for a fresh key per frame, "derived from a strong source of
// entropy", that whoever supplies the payload cannot predict: the key keeps
// nothing secret (it travels in the clear beside the payload), but it stops
// a payload's author from choosing the bytes on the wire, which could
// otherwise pass for an HTTP request to an intermediary and poison its
// cache. So keys are the ChaCha20 keystream (crypto/chacha20.h) under a key
// and nonce from the kernel (getrandom(2) where present, else /dev/urandom;
// if both fail, from the clock and addresses: weaker, but never a fixed
// sequence): seeing any number of keys tells nothing of the next. One block
// gives 16 keys, so a key costs about a sixteenth of a block function.
//
// Not thread-safe: one per worker thread (or per connection).
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::ws {

class MaskSource {
public:
    // Keyed from the kernel as described above.
    MaskSource() noexcept;
    // A known key and a zero nonce, for reproducible tests: the keys are the
    // words of blocks 0, 1, 2 ... of that keystream.
    explicit MaskSource(const uint32_t (&key)[8]) noexcept;

    // The next key: its bytes in memory order are the key's (as
    // write_masked_header and mask_copy take it).
    uint32_t next() noexcept {
        if (used_ == kBlockWords) refill();
        return block_[used_++];
    }
    // `len` bytes of the same keystream (a Sec-WebSocket-Key's 16).
    void fill(uint8_t* out, size_t len) noexcept;

private:
    static constexpr uint32_t kBlockWords = 16;
    void refill() noexcept;

    uint32_t key_[8];
    uint32_t nonce_[3] = {};
    uint32_t counter_ = 0;
    uint32_t used_ = kBlockWords;
    uint32_t block_[kBlockWords];
};

}  // namespace wshub::ws
