// LZ77 matching for the deflater: hash chains over 4-byte prefixes, searched
// up to the level's chain length, and two ways to parse: greedy (levels 1-3:
// take the match found, and skip hashing inside long ones) and lazy (4-9: a
// match waits one byte in case the next position starts a longer one).
#include <cstring>

#include "deflate/deflate_state.h"

namespace wshub::deflate {
namespace {

uint32_t load32(const uint8_t* p) noexcept {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

uint64_t load64(const uint8_t* p) noexcept {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

uint32_t hash4(const uint8_t* p, unsigned bits) noexcept { return (load32(p) * 0x9E3779B1u) >> (32 - bits); }

// How many of a[0, max) and b[0, max) are equal from the start.
unsigned common_length(const uint8_t* a, const uint8_t* b, unsigned max) noexcept {
    unsigned n = 0;
    if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
        for (; n + 8 <= max; n += 8) {
            const uint64_t diff = load64(a + n) ^ load64(b + n);
            if (diff != 0) return n + unsigned(__builtin_ctzll(diff) >> 3);
        }
    }
    while (n < max && a[n] == b[n]) ++n;
    return n;
}

}  // namespace

// Enters position i into its hash chain; returns the previous head of that
// chain (the latest earlier position with the same hash, or a stale one).
uint32_t Deflater::State::insert(const Pass& p, size_t i) noexcept {
    const uint32_t pos = p.base + uint32_t(i);
    const uint32_t h = hash4(p.buf + i, hash_bits);
    const uint32_t before = head[h];
    const uint32_t back = pos - before;
    prev[pos & window_mask] = uint16_t(before >= p.low && back < window_size ? back : 0);
    head[h] = pos;
    return before;
}

// The longest match for position i longer than at_least, following the chain
// from `candidate`; 0 if none. Sets distance for a match found.
unsigned Deflater::State::longest_match(const Pass& p, size_t i, uint32_t candidate, unsigned at_least,
                                        unsigned chain, uint32_t& distance) const noexcept {
    const uint32_t pos = p.base + uint32_t(i);
    const uint32_t reach = window_size - 1;
    const uint32_t oldest = pos - p.low > reach ? pos - reach : p.low;
    const size_t left = p.end - i;
    const unsigned max_len = left < kMaxMatch ? unsigned(left) : kMaxMatch;
    if (max_len <= at_least) return 0;
    const uint8_t* here = p.buf + i;
    unsigned best = at_least;
    for (; candidate >= oldest && candidate < pos && chain > 0; --chain) {
        const uint8_t* there = p.buf + (candidate - p.base);
        if (there[best] == here[best]) {
            const unsigned len = common_length(there, here, max_len);
            if (len > best) {
                best = len;
                distance = pos - candidate;
                if (len >= level.nice || len == max_len) break;
            }
        }
        const uint16_t back = prev[candidate & window_mask];
        if (back == 0) break;
        candidate -= back;
    }
    return best > at_least ? best : 0;
}

void Deflater::State::parse(Pass& p) noexcept {
    if (level.lazy_matching) {
        parse_lazy(p);
    } else {
        parse_greedy(p);
    }
}

void Deflater::State::parse_greedy(Pass& p) noexcept {
    size_t i = p.begin;
    while (i + kHashBytes <= p.end) {
        const uint32_t candidate = insert(p, i);
        uint32_t distance = 0;
        const unsigned len = longest_match(p, i, candidate, kHashBytes - 1, level.chain, distance);
        if (len == 0) {
            emit_literal(p, p.buf[i++]);
            continue;
        }
        emit_match(p, len, distance);
        if (len <= level.lazy) {
            for (size_t k = i + 1; k < i + len && k + kHashBytes <= p.end; ++k) insert(p, k);
        }
        i += len;
    }
    while (i < p.end) emit_literal(p, p.buf[i++]);
}

// `pending` is the match found at i - 1 (0: a literal there, if has_pending).
void Deflater::State::parse_lazy(Pass& p) noexcept {
    size_t i = p.begin;
    bool has_pending = false;
    unsigned pending = 0;
    uint32_t pending_distance = 0;
    while (i < p.end) {
        unsigned len = 0;
        uint32_t distance = 0;
        if (i + kHashBytes <= p.end) {
            const uint32_t candidate = insert(p, i);
            if (pending < level.lazy) {
                const unsigned chain = pending >= level.good ? level.chain / 4u + 1 : level.chain;
                const unsigned at_least = pending > kHashBytes - 1 ? pending : kHashBytes - 1;
                len = longest_match(p, i, candidate, at_least, chain, distance);
            }
        }
        if (pending != 0 && len == 0) {
            // The match at i - 1 stands; hash its bytes after i.
            emit_match(p, pending, pending_distance);
            const size_t stop = i - 1 + pending;
            for (size_t k = i + 1; k < stop && k + kHashBytes <= p.end; ++k) insert(p, k);
            i = stop;
            has_pending = false;
            pending = 0;
            continue;
        }
        if (has_pending) emit_literal(p, p.buf[i - 1]);
        has_pending = true;
        pending = len;
        pending_distance = distance;
        ++i;
    }
    if (has_pending) {
        // A match at end - 1 would be shorter than 4, so this is a literal.
        emit_literal(p, p.buf[p.end - 1]);
    }
}

}  // namespace wshub::deflate
