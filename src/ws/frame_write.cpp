// RFC 6455 section 5.2 frame headers as each side writes them (a server's
// unmasked, a client's masked), and section 5.5.1 close payloads. Masking the
// payload itself is mask_copy, in frame.cpp beside the decoder's unmasking.
#include <algorithm>
#include <cstring>

#include "ws/frame.h"

namespace wshub::ws {
namespace {

constexpr uint8_t kFinBit = 0x80;
constexpr uint8_t kMaskBit = 0x80;

}  // namespace

size_t write_header(uint8_t* out, Opcode op, uint64_t payload_len, bool fin) noexcept {
    out[0] = static_cast<uint8_t>((fin ? kFinBit : 0) | static_cast<uint8_t>(op));
    if (payload_len < 126) {
        out[1] = static_cast<uint8_t>(payload_len);
        return 2;
    }
    if (payload_len <= 0xFFFF) {
        out[1] = 126;
        out[2] = static_cast<uint8_t>(payload_len >> 8);
        out[3] = static_cast<uint8_t>(payload_len);
        return 4;
    }
    out[1] = 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_len >> (56 - 8 * i));
    return 10;
}

size_t write_masked_header(uint8_t* out, Opcode op, uint64_t payload_len, bool fin, uint32_t mask) noexcept {
    const size_t n = write_header(out, op, payload_len, fin);
    out[1] |= kMaskBit;
    std::memcpy(out + n, &mask, 4);
    return n + 4;
}

size_t write_close_payload(uint8_t* out, uint16_t code, std::string_view reason) noexcept {
    out[0] = static_cast<uint8_t>(code >> 8);
    out[1] = static_cast<uint8_t>(code);
    size_t n = std::min<size_t>(reason.size(), 125 - 2);
    if (n < reason.size()) {
        // reason[n] is the first byte left out: if it continues a sequence, leave
        // out that sequence's first bytes too (at most 3 of them in UTF-8).
        for (int i = 0; i < 3 && n > 0 && (static_cast<uint8_t>(reason[n]) & 0xC0) == 0x80; ++i) --n;
    }
    if (n != 0) std::memcpy(out + 2, reason.data(), n);
    return 2 + n;
}

}  // namespace wshub::ws
