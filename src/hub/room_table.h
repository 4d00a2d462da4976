// A worker's own view of the rooms: for each room with members here, its
// local members. Only that worker touches it; the shared Room counts these
// members for the other workers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/bus.h"
#include "hub/delivery.h"
#include "hub/member.h"
#include "hub/registry.h"
#include "hub/sink.h"

namespace wshub::hub {

struct LocalRoom {
    // 16 bytes per member of a room, so both numbers are kept in 32 bits
    // (see RoomTable::deliver for why they never wrap into each other).
    struct Entry {
        Member* member;
        uint32_t joined_at;  // Room::seq's low bits when it joined: earlier publishes are not for it
        uint32_t walked;     // the last walk (Delivery::walk) that gave it a message; 0: none
    };
    Room* room;  // holds one reference while the LocalRoom exists
    std::vector<Entry> members;
    // Walks over `members` right now: the LocalRoom outlives them even if
    // every member leaves meanwhile.
    uint32_t pins = 0;
};

class RoomTable {
public:
    RoomTable(Registry& registry, unsigned worker, unsigned namespaces)
        : registry_(registry), worker_(worker), rooms_(namespaces) {}
    ~RoomTable();
    RoomTable(const RoomTable&) = delete;
    RoomTable& operator=(const RoomTable&) = delete;

    LocalRoom* find(uint16_t ns, std::string_view name) const noexcept;

    // Told when a room gets its first member here and loses its last.
    void set_bus(Bus* bus) noexcept { bus_ = bus; }

    enum class Joined : uint8_t { joined, full };
    // Adds the member to room `name` of namespace `ns` (not already in it;
    // the name is valid) if the room has fewer than `cap` members on all
    // workers (0: no cap). A member's rooms are all of one namespace.
    Joined join(Member& m, uint16_t ns, std::string_view name, uint32_t cap);
    bool leave(Member& m, std::string_view name);
    void leave_all(Member& m) noexcept;

    // Gives room delivery `d` to the members of `local` still to have it:
    // joined before it, not given it yet, not d.exclude. Visits entries
    // below d.cursor downwards, leaving the cursor where it stops; returns
    // the entries visited, at most `budget`. A member may leave any room
    // (or close) while it is given the message: the walk still gives every
    // other member the message exactly once.
    uint32_t deliver(LocalRoom* local, Delivery& d, Sink& sink, uint32_t budget);

private:
    // A member that joined more than this many publishes ago has its
    // joined_at moved up to this far behind, so that comparisons in 32 bits
    // hold whatever the room's age (publishes reach a worker out of order by
    // far fewer: what its lanes hold).
    static constexpr uint32_t kJoinHorizon = uint32_t(1) << 29;

    Bus* bus_ = nullptr;
    uint32_t walks_ = 0;
    // The next walk's number, never 0. When the count wraps, every entry's
    // mark is cleared first: no walk is in progress then (a worker walks one
    // room delivery at a time, see Hub::can_deliver_now).
    uint32_t next_walk() noexcept;
    void leave_at(Member& m, uint32_t i) noexcept;
    // Frees a LocalRoom nobody is in or walking.
    void release_if_unused(LocalRoom* local) noexcept;

    struct NameHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    Registry& registry_;
    unsigned worker_;
    std::vector<std::unordered_map<std::string, std::unique_ptr<LocalRoom>, NameHash, std::equal_to<>>> rooms_;
};

}  // namespace wshub::hub
