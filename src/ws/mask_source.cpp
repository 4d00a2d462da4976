// xoshiro128** written from its published description (Blackman and Vigna,
// "Scrambled linear pseudorandom number generators", 2018): a 128-bit
// xorshift-rotate state, output scrambled as rotl(s1 * 5, 7) * 9. Seeding
// (see mask_source.h for why this generator) is the only part that touches
// the system.
#include "ws/mask_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ctime>

#if defined(__linux__)
#include <sys/random.h>
#endif

namespace wshub::ws {
namespace {

uint32_t rotl(uint32_t x, int k) noexcept { return (x << k) | (x >> (32 - k)); }

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
void fallback_seed(uint32_t (&s)[4], const void* self) noexcept {
    timespec real{}, mono{};
    ::clock_gettime(CLOCK_REALTIME, &real);
    ::clock_gettime(CLOCK_MONOTONIC, &mono);
    const uint64_t real_ns = uint64_t(real.tv_sec) * 1000000000u + uint64_t(real.tv_nsec);
    const uint64_t mono_ns = uint64_t(mono.tv_sec) * 1000000000u + uint64_t(mono.tv_nsec);
    const uint64_t here = reinterpret_cast<uintptr_t>(self), stack = reinterpret_cast<uintptr_t>(&real);
    const uint64_t where = here ^ (stack << 17);
    const uint64_t a = mix64(real_ns ^ where);
    const uint64_t b = mix64(a ^ mono_ns ^ (uint64_t(::getpid()) << 32));
    s[0] = uint32_t(a);
    s[1] = uint32_t(a >> 32);
    s[2] = uint32_t(b);
    s[3] = uint32_t(b >> 32);
}

bool all_zero(const uint32_t (&s)[4]) noexcept { return (s[0] | s[1] | s[2] | s[3]) == 0; }

}  // namespace

MaskSource::MaskSource() noexcept {
    uint8_t seed[sizeof s_];
    if (kernel_random(seed, sizeof seed)) {
        std::memcpy(s_, seed, sizeof s_);
    } else {
        fallback_seed(s_, this);
    }
    if (all_zero(s_)) s_[0] = 1;
}

MaskSource::MaskSource(const uint32_t (&state)[4]) noexcept {
    std::memcpy(s_, state, sizeof s_);
    if (all_zero(s_)) s_[0] = 1;
}

uint32_t MaskSource::next() noexcept {
    const uint32_t result = rotl(s_[1] * 5, 7) * 9;
    const uint32_t t = s_[1] << 9;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 11);
    return result;
}

}  // namespace wshub::ws
