// Redis Cluster key slots (the cluster specification's "Keys distribution
// model"): a key belongs to slot CRC16(key) mod 16384, where CRC16 is the
// XMODEM variant and only the key's hash tag is hashed when it has one.
#pragma once

#include <cstdint>
#include <string_view>

namespace wshub::redis {

constexpr uint16_t kSlotCount = 16384;

// CRC-16/XMODEM: polynomial 0x1021, initial value 0, bits not reflected, no
// final xor. crc16_xmodem("123456789") is 0x31C3.
uint16_t crc16_xmodem(std::string_view bytes) noexcept;

// The part of a key that decides its slot: between the first '{' and the
// first '}' after it, when that is not empty; otherwise the whole key.
// "{user1000}.following" and "{user1000}.followers" share "user1000";
// "foo{}{bar}" is hashed whole (the first tag is empty), "foo{{bar}}zap"
// by "{bar", "foo{bar}{zap}" by "bar".
std::string_view hashed_part(std::string_view key) noexcept;

// The slot, 0 to 16383, that a cluster serves `key` from. Sharded pub/sub
// channels (SPUBLISH, SSUBSCRIBE) are placed the same way.
uint16_t key_slot(std::string_view key) noexcept;

}  // namespace wshub::redis
