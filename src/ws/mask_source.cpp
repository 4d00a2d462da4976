// Keys from the ChaCha20 keystream; seeding is the only part that touches
// the system (see mask_source.h).
#include "ws/mask_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>

#include "crypto/chacha20.h"

#if defined(__linux__)
#include <sys/random.h>
#endif

namespace wshub::ws {
namespace {

// Fills out[0, n) from /dev/urandom; false if it cannot be read.
bool read_urandom(uint8_t* out, size_t n) noexcept {
    const int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    while (n > 0) {
        const ssize_t got = ::read(fd, out, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        out += got;
        n -= size_t(got);
    }
    ::close(fd);
    return n == 0;
}

#if defined(__linux__)
// getrandom(2) without blocking: a pool not yet initialised (early boot) or a
// kernel or sandbox without the call falls back to /dev/urandom.
bool kernel_random(uint8_t* out, size_t n) noexcept {
    while (n > 0) {
        const ssize_t got = ::getrandom(out, n, GRND_NONBLOCK);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) return read_urandom(out, n);
        out += got;
        n -= size_t(got);
    }
    return true;
}
#else
bool kernel_random(uint8_t* out, size_t n) noexcept { return read_urandom(out, n); }
#endif

// splitmix64's output function: spreads the fallback's few varying bits over
// a whole word.
uint64_t mix64(uint64_t z) noexcept {
    z += 0x9E3779B97F4A7C15u;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

// The last resort when the kernel gives nothing: the time, the process id and
// addresses (which ASLR varies), mixed. Guessable by someone on the machine,
// but different per process and per instance.
void fallback_seed(uint32_t (&s)[11], const void* self) noexcept {
    timespec real{}, mono{};
    ::clock_gettime(CLOCK_REALTIME, &real);
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    const uint64_t real_ns = uint64_t(real.tv_sec) * 1000000000u + uint64_t(real.tv_nsec);
    const uint64_t mono_ns = uint64_t(mono.tv_sec) * 1000000000u + uint64_t(mono.tv_nsec);
    const uint64_t here = reinterpret_cast<uintptr_t>(self), stack = reinterpret_cast<uintptr_t>(&real);
    const uint64_t where = here ^ (stack << 17);
    uint64_t z = mix64(real_ns ^ where) ^ mono_ns ^ (uint64_t(::getpid()) << 32);
    for (uint32_t& word : s) {
        z = mix64(z);
        word = uint32_t(z >> 16);
    }
}

}  // namespace

MaskSource::MaskSource() noexcept {
    // The key, then the nonce, in one read.
    uint32_t seed[11];
    if (!kernel_random(reinterpret_cast<uint8_t*>(seed), sizeof seed)) fallback_seed(seed, this);
    std::memcpy(key_, seed, sizeof key_);
    std::memcpy(nonce_, seed + 8, sizeof nonce_);
}

MaskSource::MaskSource(const uint32_t (&key)[8]) noexcept { std::memcpy(key_, key, sizeof key_); }

void MaskSource::refill() noexcept {
    crypto::chacha20_block(key_, counter_, nonce_, block_);
    // After 2^32 blocks (2^36 keys) the stream goes on under another nonce.
    if (++counter_ == 0) ++nonce_[0];
    used_ = 0;
}

void MaskSource::fill(uint8_t* out, size_t len) noexcept {
    for (size_t i = 0; i < len; i += 4) {
        const uint32_t word = next();
        std::memcpy(out + i, &word, len - i < 4 ? len - i : 4);
    }
}

}  // namespace wshub::ws
