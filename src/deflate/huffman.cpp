// Code lengths by Huffman's construction with two queues (leaves sorted by
// frequency, then the merged nodes, which come out in order), limited to
// max_bits by the adjustment of ISO/IEC 10918-1 (JPEG) Annex K.3: two leaves at
// a level past the limit are replaced by their parent, and a shallower leaf
// gains two children, which keeps the code complete. The lengths per level are
// then handed out, shortest first, to the symbols in decreasing frequency.
#include "deflate/huffman.h"

#include <algorithm>
#include <cstring>

#include "deflate/rfc1951.h"

namespace wshub::deflate {
namespace {

constexpr unsigned kMaxSymbols = kLitLenSymbols;
// A tree d deep needs frequencies summing to at least Fibonacci(d + 2): over
// 2^32 for d = 46, and the deflater's sums stay far below 2^32.
constexpr unsigned kMaxDepth = 46;

// Number of leaves at each depth (count[d]) of a Huffman tree over the used
// symbols `order` (ascending frequency, m of them, m >= 2). Returns the depth.
unsigned tree_depths(const uint32_t* freq, const uint16_t* order, unsigned m, uint16_t* count) noexcept {
    uint32_t weight[2 * kMaxSymbols];
    uint16_t parent[2 * kMaxSymbols];
    uint16_t depth[2 * kMaxSymbols];
    for (unsigned i = 0; i < m; ++i) weight[i] = freq[order[i]];
    unsigned leaf = 0, inner = m, next = m;
    auto take = [&]() noexcept {
        if (leaf < m && (inner >= next || weight[leaf] <= weight[inner])) return leaf++;
        return inner++;
    };
    for (; next < 2 * m - 1; ++next) {
        const unsigned a = take(), b = take();
        weight[next] = weight[a] + weight[b];
        parent[a] = parent[b] = uint16_t(next);
    }
    depth[2 * m - 2] = 0;
    unsigned deepest = 0;
    for (int i = int(2 * m) - 3; i >= 0; --i) {
        depth[i] = uint16_t(depth[parent[i]] + 1);
        if (i < int(m)) {
            count[depth[i]]++;
            deepest = std::max<unsigned>(deepest, depth[i]);
        }
    }
    return deepest;
}

// Moves leaves from levels past max_bits up, keeping the code complete.
void limit_depths(uint16_t* count, unsigned deepest, unsigned max_bits) noexcept {
    for (unsigned level = deepest; level > max_bits; --level) {
        while (count[level] > 0) {
            unsigned shallow = level - 2;
            while (count[shallow] == 0) --shallow;
            count[level] -= 2;
            count[level - 1] += 1;
            count[shallow + 1] += 2;
            count[shallow] -= 1;
        }
    }
}

}  // namespace

void build_code_lengths(const uint32_t* freq, unsigned n, unsigned max_bits, uint8_t* lens) noexcept {
    std::memset(lens, 0, n);
    uint16_t order[kMaxSymbols];
    unsigned m = 0;
    for (unsigned s = 0; s < n; ++s)
        if (freq[s] != 0) order[m++] = uint16_t(s);
    if (m == 0) return;
    if (m == 1) {
        lens[order[0]] = 1;
        lens[order[0] == 0 ? 1 : 0] = 1;
        return;
    }
    std::sort(order, order + m, [freq](uint16_t a, uint16_t b) noexcept {
        return freq[a] != freq[b] ? freq[a] < freq[b] : a < b;
    });
    uint16_t count[kMaxDepth + 1] = {};
    const unsigned deepest = tree_depths(freq, order, m, count);
    limit_depths(count, deepest, max_bits);
    // The least frequent symbols (first in `order`) take the longest codes.
    unsigned i = 0;
    for (unsigned level = max_bits; level >= 1; --level)
        for (unsigned k = 0; k < count[level]; ++k) lens[order[i++]] = uint8_t(level);
}

void build_codes(const uint8_t* lens, unsigned n, uint16_t* codes) noexcept {
    unsigned count[kMaxCodeBits + 1] = {};
    for (unsigned s = 0; s < n; ++s) count[lens[s]]++;
    count[0] = 0;
    unsigned next[kMaxCodeBits + 2] = {};
    for (unsigned len = 1; len <= kMaxCodeBits; ++len) next[len + 1] = (next[len] + count[len]) << 1;
    for (unsigned s = 0; s < n; ++s) {
        const unsigned len = lens[s];
        if (len == 0) {
            codes[s] = 0;
            continue;
        }
        codes[s] = uint16_t(reverse_code(next[len]++, len));
    }
}

}  // namespace wshub::deflate
