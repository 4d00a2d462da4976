// A small, fast generator (splitmix64) for handshake nonces and mask keys,
// seeded once from the kernel. Not for secrets: nothing here is one.
#pragma once

#include <sys/random.h>

#include <cstdint>
#include <cstring>

namespace wsbench {

class Rng {
public:
    Rng() noexcept {
        if (getrandom(&state_, sizeof state_, 0) != sizeof state_) state_ = 0x9E3779B97F4A7C15u;
    }

    uint64_t next() noexcept {
        uint64_t z = (state_ += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        return z ^ (z >> 31);
    }

    void fill(uint8_t* out, size_t n) noexcept {
        while (n > 0) {
            uint64_t v = next();
            size_t k = n < 8 ? n : 8;
            std::memcpy(out, &v, k);
            out += k;
            n -= k;
        }
    }

private:
    uint64_t state_ = 0;
};

}  // namespace wsbench
