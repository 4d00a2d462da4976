// Base64 per RFC 4648 section 4 and base64url per section 5: table-driven
// encode, strict decode. The two differ only in the last two symbols and in
// padding, so they share the per-quad work.
#include "crypto/base64.h"

#include <array>

namespace wshub::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr int8_t kInvalid = -1;

using DecodeTable = std::array<int8_t, 256>;

// Symbol value per byte, kInvalid for everything outside the alphabet
// (including '=', which the decoder handles by position, not by lookup).
constexpr DecodeTable make_decode_table(const char* alphabet) {
    DecodeTable table{};
    table.fill(kInvalid);
    for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
    return table;
}

constexpr DecodeTable kDecodeTable = make_decode_table(kAlphabet);
constexpr DecodeTable kUrlDecodeTable = make_decode_table(kUrlAlphabet);

inline int symbol_value(const DecodeTable& table, char c) noexcept { return table[static_cast<uint8_t>(c)]; }

// Every whole group of 3 bytes as 4 symbols; returns the characters written.
size_t encode_groups(const char* alphabet, const uint8_t* in, size_t groups, char* o) noexcept {
    for (size_t g = 0; g < groups; ++g, in += 3, o += 4) {
        uint32_t v = (uint32_t{in[0]} << 16) | (uint32_t{in[1]} << 8) | in[2];
        o[0] = alphabet[v >> 18];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = alphabet[(v >> 6) & 63];
        o[3] = alphabet[v & 63];
    }
    return groups * 4;
}

// Decodes `quads` groups of 4 symbols into 3 bytes each; false on any
// character outside the table's alphabet.
bool decode_quads(const DecodeTable& table, const char* s, size_t quads, uint8_t* out) noexcept {
    for (size_t q = 0; q < quads; ++q, s += 4, out += 3) {
        int a = symbol_value(table, s[0]), b = symbol_value(table, s[1]);
        int c = symbol_value(table, s[2]), d = symbol_value(table, s[3]);
        // Any kInvalid is negative, so one OR tells whether all four are good.
        if ((a | b | c | d) < 0) return false;
        uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6) | uint32_t(d);
        out[0] = static_cast<uint8_t>(v >> 16);
        out[1] = static_cast<uint8_t>(v >> 8);
        out[2] = static_cast<uint8_t>(v);
    }
    return true;
}

// The 1 or 2 bytes carried by a final group of 2 or 3 symbols (`symbols`),
// written to out; returns the byte count, or 0 if a symbol is outside the
// alphabet or leaves non-zero bits past the last whole byte (else two inputs,
// "Zh" and "Zg", would decode to the same "f").
size_t decode_tail(const DecodeTable& table, const char* s, size_t symbols, uint8_t* out) noexcept {
    int a = symbol_value(table, s[0]), b = symbol_value(table, s[1]);
    int c = symbols == 3 ? symbol_value(table, s[2]) : 0;
    if ((a | b | c) < 0) return 0;
    if (symbols == 2 ? (b & 0x0f) != 0 : (c & 0x03) != 0) return 0;
    uint32_t v = (uint32_t(a) << 18) | (uint32_t(b) << 12) | (uint32_t(c) << 6);
    out[0] = static_cast<uint8_t>(v >> 16);
    if (symbols == 3) out[1] = static_cast<uint8_t>(v >> 8);
    return symbols - 1;
}

}  // namespace

size_t base64_encode(const uint8_t* in, size_t len, char* out) noexcept {
    const size_t groups = len / 3;
    char* o = out + encode_groups(kAlphabet, in, groups, out);
    const size_t i = groups * 3;
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
    if (!decode_quads(kDecodeTable, in.data(), full_quads, out)) return std::nullopt;
    size_t o = full_quads * 3;
    if (pad == 0) return o;

    // "xx==" carries one byte, "xxx=" two: the symbols before the padding.
    const size_t n = decode_tail(kDecodeTable, in.data() + in.size() - 4, 4 - pad, out + o);
    if (n == 0) return std::nullopt;
    return o + n;
}

std::optional<std::string> base64_decode(std::string_view in) {
    std::string out(in.size() / 4 * 3, '\0');
    auto n = base64_decode(in, reinterpret_cast<uint8_t*>(out.data()), out.size());
    if (!n) return std::nullopt;
    out.resize(*n);
    return out;
}

size_t base64url_encode(const uint8_t* in, size_t len, char* out) noexcept {
    const size_t groups = len / 3;
    char* o = out + encode_groups(kUrlAlphabet, in, groups, out);
    const size_t i = groups * 3;
    const size_t rest = len - i;
    if (rest > 0) {
        uint32_t v = uint32_t{in[i]} << 16;
        if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
        *o++ = kUrlAlphabet[v >> 18];
        *o++ = kUrlAlphabet[(v >> 12) & 63];
        if (rest == 2) *o++ = kUrlAlphabet[(v >> 6) & 63];
    }
    return static_cast<size_t>(o - out);
}

std::string base64url_encode(std::string_view in) {
    std::string out(base64url_encoded_size(in.size()), '\0');
    base64url_encode(reinterpret_cast<const uint8_t*>(in.data()), in.size(), out.data());
    return out;
}

std::optional<size_t> base64url_decode(std::string_view in, uint8_t* out, size_t cap) noexcept {
    // A lone final symbol carries 6 bits: not even one byte.
    const size_t tail = in.size() % 4;
    if (tail == 1) return std::nullopt;
    const size_t full_quads = in.size() / 4;
    const size_t out_len = full_quads * 3 + (tail == 0 ? 0 : tail - 1);
    if (out_len > cap) return std::nullopt;

    if (!decode_quads(kUrlDecodeTable, in.data(), full_quads, out)) return std::nullopt;
    if (tail == 0) return out_len;
    if (decode_tail(kUrlDecodeTable, in.data() + full_quads * 4, tail, out + full_quads * 3) == 0)
        return std::nullopt;
    return out_len;
}

std::optional<std::string> base64url_decode(std::string_view in) {
    std::string out(in.size() / 4 * 3 + 2, '\0');
    auto n = base64url_decode(in, reinterpret_cast<uint8_t*>(out.data()), out.size());
    if (!n) return std::nullopt;
    out.resize(*n);
    return out;
}

}  // namespace wshub::crypto
