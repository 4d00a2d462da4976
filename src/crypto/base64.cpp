// Base64 per RFC 4648 section 4: table-driven encode, strict decode.
#include "crypto/base64.h"

#include <array>

namespace wshub::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr int8_t kInvalid = -1;

// Symbol value per byte, kInvalid for everything outside the alphabet
// (including '=', which the decoder handles by position, not by lookup).
constexpr std::array<int8_t, 256> kDecodeTable = [] {
    std::array<int8_t, 256> table{};
    table.fill(kInvalid);
    for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
    return table;
}();

inline int symbol_value(char c) noexcept { return kDecodeTable[static_cast<uint8_t>(c)]; }

}  // namespace

size_t base64_encode(const uint8_t* in, size_t len, char* out) noexcept {
    char* o = out;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
        o[0] = kAlphabet[v >> 18];
        o[1] = kAlphabet[(v >> 12) & 63];
        o[2] = kAlphabet[(v >> 6) & 63];
        o[3] = kAlphabet[v & 63];
        o += 4;
    }
    size_t rest = len - i;
    if (rest > 0) {
        uint32_t v = uint32_t{in[i]} << 16;
        if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
        o[0] = kAlphabet[v >> 18];
        o[1] = kAlphabet[(v >> 12) & 63];
        o[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    return static_cast<size_t>(o - out);
}

std::string base64_encode(std::string_view in) {
    std::string out(base64_encoded_size(in.size()), '\0');
    base64_encode(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data());
    return out;
}

std::optional<size_t> base64_decode(std::string_view in, uint8_t* out, size_t cap) noexcept {
    if (in.size() % 4 != 0) return std::nullopt;
    if (in.empty()) return size_t{0};

    // Padding may only appear as the last one or two characters.
    size_t pad = 0;
    if (in[in.size() - 1] == '=') pad = in[in.size() - 2] == '=' ? 2 : 1;
    const size_t out_len = in.size() / 4 * 3 - pad;
    if (out_len > cap) return std::nullopt;

    const size_t full_quads = in.size() / 4 - (pad > 0 ? 1 : 0);
    size_t o = 0;
    for (size_t q = 0; q < full_quads; ++q) {
        const char* s = in.data() + 4 * q;
        int a = symbol_value(s[0]), b = symbol_value(s[1]), c = symbol_value(s[2]), d = symbol_value(s[3]);
        // Any kInvalid is negative, so one OR tells whether all four are good.
        if ((a | b | c | d) < 0) return std::nullopt;
        uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
        out[o++] = static_cast<uint8_t>(v >> 16);
        out[o++] = static_cast<uint8_t>(v >> 8);
        out[o++] = static_cast<uint8_t>(v);
    }
    if (pad == 0) return o;

    const char* s = in.data() + in.size() - 4;
    int a = symbol_value(s[0]), b = symbol_value(s[1]);
    int c = pad == 1 ? symbol_value(s[2]) : 0;
    if ((a | b | c) < 0) return std::nullopt;
    // Bits past the last whole byte must be zero, else two inputs would decode
    // to the same bytes ("Zh==" and "Zg==" both to "f").
    if (pad == 2 ? (b & 0x0f) != 0 : (c & 0x03) != 0) return std::nullopt;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
    out[o++] = static_cast<uint8_t>(v >> 16);
    if (pad == 1) out[o++] = static_cast<uint8_t>(v >> 8);
    return o;
}

std::optional<std::string> base64_decode(std::string_view in) {
    std::string out(in.size() / 4 * 3, '\0');
    auto n = base64_decode(in, reinterpret_cast<uint8_t*>(out.data()), out.size());
    if (!n) return std::nullopt;
    out.resize(*n);
    return out;
}

}  // namespace wshub::crypto
