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

#include "hub/delivery.h"
#include "hub/member.h"
#include "hub/registry.h"
#include "hub/sink.h"

namespace wshub::hub {

struct LocalRoom {
    struct Entry {
        Member* member;
        uint64_t joined_at;  // Room::seq when it joined: earlier publishes are not for it
        uint64_t walked;     // the last walk (Delivery::walk) that gave it a message
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
    uint64_t walks_ = 0;
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
