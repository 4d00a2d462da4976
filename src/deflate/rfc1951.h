// The fixed vocabulary of RFC 1951 (DEFLATE) shared by the inflater and the
// deflater: symbol ranges, the length and distance tables of section 3.2.5, the
// code-length alphabet's order (3.2.7), the fixed Huffman code lengths (3.2.6),
// and the tail that RFC 7692 section 7.2.1 strips from every message.
#pragma once

#include <array>
#include <cstdint>

namespace wshub::deflate {

constexpr unsigned kMaxCodeBits = 15;        // longest literal/length or distance code
constexpr unsigned kMaxCodeLengthBits = 7;   // longest code of the code-length alphabet
constexpr unsigned kLitLenSymbols = 288;     // the alphabet, 286 and 287 never valid
constexpr unsigned kMaxLitLenCodes = 286;    // HLIT + 257 at most
constexpr unsigned kDistSymbols = 32;        // the alphabet, 30 and 31 never valid
constexpr unsigned kMaxDistCodes = 30;       // HDIST + 1 at most
constexpr unsigned kCodeLengthSymbols = 19;
constexpr unsigned kEndOfBlock = 256;
constexpr unsigned kFirstLengthSymbol = 257;
constexpr unsigned kMinMatch = 3;
constexpr unsigned kMaxMatch = 258;
constexpr unsigned kMaxDistance = 32768;
constexpr unsigned kMaxStored = 65535;       // LEN of one stored block

// Block types (BTYPE, section 3.2.3).
constexpr unsigned kStoredBlock = 0;
constexpr unsigned kFixedBlock = 1;
constexpr unsigned kDynamicBlock = 2;

// Length symbols 257..285: base length and extra bits.
constexpr std::array<uint16_t, 29> kLengthBase = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr std::array<uint8_t, 29> kLengthExtra = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

// Distance symbols 0..29: base distance and extra bits.
constexpr std::array<uint16_t, 30> kDistBase = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr std::array<uint8_t, 30> kDistExtra = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

// The order in which a dynamic block header lists the code-length code's lengths.
constexpr std::array<uint8_t, kCodeLengthSymbols> kCodeLengthOrder = {
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};

// Section 3.2.6: the fixed literal/length code lengths by symbol.
constexpr uint8_t fixed_litlen_length(unsigned symbol) {
    return symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8;
}
constexpr uint8_t kFixedDistLength = 5;

// RFC 7692 7.2.1: a sender removes these from the end of each message; a
// receiver appends them before inflating (7.2.2).
constexpr std::array<uint8_t, 4> kSyncFlushTail = {0x00, 0x00, 0xff, 0xff};

}  // namespace wshub::deflate

namespace wshub::deflate {

// Huffman codes travel most significant bit first while everything else is
// packed first bit lowest: codes are stored reversed. kReverseByte[b] is b
// with its 8 bits in the opposite order.
inline constexpr std::array<uint8_t, 256> kReverseByte = [] {
    std::array<uint8_t, 256> t{};
    for (unsigned b = 0; b < 256; ++b)
        for (unsigned i = 0; i < 8; ++i) t[b] |= uint8_t(((b >> i) & 1u) << (7 - i));
    return t;
}();

// The low len bits of code (len at most 16), reversed.
constexpr unsigned reverse_code(unsigned code, unsigned len) {
    return (unsigned(kReverseByte[code & 0xff]) << 8 | kReverseByte[(code >> 8) & 0xff]) >> (16 - len);
}

}  // namespace wshub::deflate
