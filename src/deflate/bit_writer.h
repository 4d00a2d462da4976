// Writes bits first-lowest into a Buffer (RFC 1951 3.1.1), whole 32-bit words
// at a time. The room is reserved ahead (reserve), so put() never checks or
// allocates; finish() sets the buffer's size to what was written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "deflate/buffer.h"

namespace wshub::deflate {

class BitWriter {
public:
    explicit BitWriter(Buffer& out) noexcept : out_(out), pos_(out.size()) {}

    // Room for `bytes` more bytes (and the slack of a word store).
    bool reserve(size_t bytes) noexcept { return out_.reserve(pos_ + bytes + 8); }

    // Appends the low n bits of `bits` (n at most 32; higher bits zero).
    void put(uint32_t bits, unsigned n) noexcept {
        acc_ |= uint64_t(bits) << count_;
        count_ += n;
        if (count_ >= 32) {
            const uint32_t word = uint32_t(acc_);
            uint8_t bytes[4] = {uint8_t(word), uint8_t(word >> 8), uint8_t(word >> 16), uint8_t(word >> 24)};
            std::memcpy(out_.data() + pos_, bytes, 4);
            pos_ += 4;
            acc_ >>= 32;
            count_ -= 32;
        }
    }

    // Pads with zero bits to a byte boundary and writes every pending byte.
    void align() noexcept {
        while (count_ > 0) {
            out_.data()[pos_++] = uint8_t(acc_);
            acc_ >>= 8;
            count_ = count_ > 8 ? count_ - 8 : 0;
        }
        acc_ = 0;
    }

    // Whole bytes after align().
    void put_bytes(const uint8_t* p, size_t n) noexcept {
        std::memcpy(out_.data() + pos_, p, n);
        pos_ += n;
    }

    unsigned pending_bits() const noexcept { return count_; }
    void finish() noexcept { out_.resize(pos_); }

private:
    Buffer& out_;
    size_t pos_;
    uint64_t acc_ = 0;
    unsigned count_ = 0;
};

}  // namespace wshub::deflate
