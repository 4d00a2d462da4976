// One stream of frames as either side would send it: what lets the tests and
// the fuzz target hold a client's Decoder to the same events as a server's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace frame_sides {

// The frames of `in` as the other side would send them: each frame's MASK bit
// flipped, a masked frame's key dropped and its payload unmasked, an unmasked
// one given the all-zero key (its payload unchanged). A truncated last frame
// stays truncated where it was, except that it stops before a masking key cut
// short (whose frame could not be cut at the same point without the key).
// `mirrored`, if given, gets how many bytes of `in` the result stands for. A
// server Decoder reports on `in` what a client Decoder reports on the result:
// the same events and the same error codes.
inline std::vector<uint8_t> flip_masking(const uint8_t* in, size_t size, size_t* mirrored = nullptr) {
    std::vector<uint8_t> out;
    size_t i = 0;
    while (i < size) {
        const size_t start = i;
        out.push_back(in[i++]);
        if (i == size) break;
        const uint8_t b1 = in[i++];
        out.push_back(static_cast<uint8_t>(b1 ^ 0x80));
        const uint8_t len7 = b1 & 0x7F;
        const size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
        uint64_t len = ext != 0 ? 0 : len7;
        for (size_t k = 0; k < ext && i < size; ++k) {
            len = len << 8 | in[i];
            out.push_back(in[i++]);
        }
        uint8_t key[4] = {0, 0, 0, 0};
        if (b1 & 0x80) {
            if (size - i < 4) {
                out.resize(out.size() - (i - start));
                i = start;
                break;
            }
            for (uint8_t& k : key) k = in[i++];
        } else if (i - start == 2 + ext) {
            out.insert(out.end(), key, key + 4);
        }
        const size_t n = static_cast<size_t>(std::min<uint64_t>(len, size - i));
        for (size_t k = 0; k < n; ++k) out.push_back(in[i + k] ^ key[k % 4]);
        i += n;
    }
    if (mirrored) *mirrored = i;
    return out;
}

inline std::vector<uint8_t> flip_masking(const std::vector<uint8_t>& in, size_t* mirrored = nullptr) {
    return flip_masking(in.data(), in.size(), mirrored);
}

}  // namespace frame_sides
