#include "redis/slot.h"

#include <array>

namespace wshub::redis {
namespace {

// The CRC of each possible top byte, computed bit by bit at compile time.
constexpr std::array<uint16_t, 256> make_crc_table() {
    std::array<uint16_t, 256> table{};
    for (unsigned byte = 0; byte < 256; ++byte) {
        uint16_t crc = static_cast<uint16_t>(byte << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        table[byte] = crc;
    }
    return table;
}

constexpr std::array<uint16_t, 256> kCrcTable = make_crc_table();

}  // namespace

uint16_t crc16_xmodem(std::string_view bytes) noexcept {
    uint16_t crc = 0;
    for (const char c : bytes) {
        const uint8_t top = static_cast<uint8_t>((crc >> 8) ^ static_cast<uint8_t>(c));
        crc = static_cast<uint16_t>((crc << 8) ^ kCrcTable[top]);
    }
    return crc;
}

std::string_view hashed_part(std::string_view key) noexcept {
    const size_t open = key.find('{');
    if (open == std::string_view::npos) return key;
    const size_t close = key.find('}', open + 1);
    if (close == std::string_view::npos || close == open + 1) return key;
    return key.substr(open + 1, close - open - 1);
}

uint16_t key_slot(std::string_view key) noexcept {
    // kSlotCount is a power of two: the modulo is a mask.
    return static_cast<uint16_t>(crc16_xmodem(hashed_part(key)) & (kSlotCount - 1));
}

}  // namespace wshub::redis
