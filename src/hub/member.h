// A member of rooms as the hub sees it: an id that names it on every worker,
// and the rooms it is in. A connection is one; the hub never sees its socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "hub/membership_list.h"

namespace wshub::hub {

// worker (8 bits) | slot (22 bits) | generation (23 bits): 53 bits, which a
// JavaScript number holds exactly. Unique among open members; a slot's ids
// differ from one connection to the next by their generation.
using MemberId = uint64_t;

inline constexpr unsigned kMaxWorkers = 256;
inline constexpr uint32_t kSlotBits = 22;
inline constexpr uint32_t kMaxSlots = 1u << kSlotBits;
inline constexpr uint32_t kGenerationMask = (1u << 23) - 1;

constexpr MemberId member_id(unsigned worker, uint32_t slot, uint32_t generation) noexcept {
    return uint64_t(generation & kGenerationMask) << 30 | uint64_t(slot) << 8 | worker;
}
constexpr unsigned worker_of(MemberId id) noexcept { return unsigned(id & 0xFF); }
constexpr uint32_t slot_of(MemberId id) noexcept { return uint32_t(id >> 8) & (kMaxSlots - 1); }

struct Member {
    MembershipList rooms;

    bool is_member(std::string_view room) const noexcept;
    // The name of the i-th room joined ("" past the last).
    std::string_view room_name(size_t i) const noexcept;
    // Members of a room this member is in, across every worker (0 if not in it).
    size_t room_members(std::string_view room) const noexcept;
};

}  // namespace wshub::hub
