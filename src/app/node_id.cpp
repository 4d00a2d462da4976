// A node's name when --node-id gives none. It only has to differ between the
// nodes on one Redis (a node ignores envelopes carrying its own name), so the
// wall clock in nanoseconds and the process id, mixed, are enough; no
// randomness source the static build might lack.
#include <time.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "app/shared.h"

namespace wshub::app {
namespace {

// SplitMix64's finalizer: every input bit moves every output bit.
uint64_t mix(uint64_t x) noexcept {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

}  // namespace

std::string Shared::make_node_id() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = mix(uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec));
    x = mix(x ^ uint64_t(getpid()));
    static const char* hex = "0123456789abcdef";
    std::string id(12, '0');
    for (char& ch : id) {
        ch = hex[x & 15];
        x >>= 4;
    }
    return id;
}

}  // namespace wshub::app
