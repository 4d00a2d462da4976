#include "hub/room_table.h"

#include <mutex>

namespace wshub::hub {

RoomTable::~RoomTable() {
    for (auto& map : rooms_)
        for (auto& [name, local] : map) {
            Room::PerWorker& mine = local->room->workers[worker_];
            std::lock_guard hold(mine.list_lock);
            mine.local = nullptr;
            registry_.release(local->room);
        }
}

LocalRoom* RoomTable::find(uint16_t ns, std::string_view name) const noexcept {
    auto it = rooms_[ns].find(name);
    return it == rooms_[ns].end() ? nullptr : it->second.get();
}

RoomTable::Joined RoomTable::join(Member& m, uint16_t ns, std::string_view name, uint32_t cap) {
    LocalRoom* local = find(ns, name);
    if (!local) {
        auto made = std::make_unique<LocalRoom>();
        made->room = registry_.acquire(ns, name);
        local = made.get();
        rooms_[ns].emplace(std::string(name), std::move(made));
        std::lock_guard hold(local->room->workers[worker_].list_lock);
        local->room->workers[worker_].local = local;
    }
    if (!Registry::reserve_member(local->room, cap)) {
        release_if_unused(local);  // frees it if this join created it
        return Joined::full;
    }
    Room::PerWorker& mine = local->room->workers[worker_];
    mine.members.fetch_add(1, std::memory_order_relaxed);
    m.rooms.push_back(local, uint32_t(local->members.size()));
    {
        std::lock_guard hold(mine.list_lock);
        local->members.push_back({&m, uint32_t(local->room->seq.load(std::memory_order_acquire)), 0});
    }
    if (bus_ && local->members.size() == 1) bus_->watch(ns, name);
    return Joined::joined;
}

bool RoomTable::leave(Member& m, std::string_view name) {
    for (uint32_t i = 0; i < m.rooms.size(); ++i) {
        if (m.rooms.local(i)->room->name != name) continue;
        leave_at(m, i);
        return true;
    }
    return false;
}

void RoomTable::leave_all(Member& m) noexcept {
    while (!m.rooms.empty()) leave_at(m, m.rooms.size() - 1);
}

void RoomTable::leave_at(Member& m, uint32_t i) noexcept {
    LocalRoom* local = m.rooms.local(i);
    const uint32_t index = m.rooms.index(i);
    // Swap-remove from the room's list, keeping the moved member's own
    // record of where it sits right; then from the member's list.
    const LocalRoom::Entry moved = local->members.back();
    {
        std::lock_guard hold(local->room->workers[worker_].list_lock);
        local->members[index] = moved;
        local->members.pop_back();
    }
    if (moved.member != &m) {
        MembershipList& theirs = moved.member->rooms;
        for (uint32_t j = 0; j < theirs.size(); ++j)
            if (theirs.local(j) == local) theirs.set_index(j, index);
    }
    m.rooms.remove(i);
    local->room->workers[worker_].members.fetch_sub(1, std::memory_order_relaxed);
    Registry::unreserve_member(local->room);
    if (bus_ && local->members.empty()) bus_->unwatch(local->room->ns, local->room->name);
    release_if_unused(local);
}

void RoomTable::release_if_unused(LocalRoom* local) noexcept {
    if (local->pins != 0 || !local->members.empty()) return;
    Room* room = local->room;
    {
        std::lock_guard hold(room->workers[worker_].list_lock);
        room->workers[worker_].local = nullptr;
    }
    rooms_[room->ns].erase(room->name);  // frees local
    registry_.release(room);
}

uint32_t RoomTable::deliver(LocalRoom* local, Delivery& d, Sink& sink, uint32_t budget) {
    // Walked from the back: a member that leaves during its delivery is
    // swap-removed by one from the part already walked. Any other move
    // (a nested delivery closing a member further down) is caught by
    // `delivered`, so nobody gets the message twice, and members that join
    // meanwhile by `joined_at`. (Publishes from several workers may reach
    // the members here in any order; the walk number, unlike the publish's,
    // tells walks apart whatever their order.)
    // joined_at and the publish's number are compared by their difference
    // in 32 bits, which stays in range because a walk moves a long-standing
    // member's joined_at up to kJoinHorizon behind.
    if (d.walk == 0) d.walk = next_walk();
    const uint32_t seq = uint32_t(d.seq);
    ++local->pins;
    uint32_t visited = 0;
    while (visited < budget) {
        if (d.cursor > local->members.size()) d.cursor = uint32_t(local->members.size());
        if (d.cursor == 0) break;
        LocalRoom::Entry& e = local->members[--d.cursor];
        ++visited;
        const int32_t age = int32_t(seq - e.joined_at);  // publishes between its join and this one
        if (age <= 0 || e.walked == d.walk) continue;
        if (uint32_t(age) > kJoinHorizon) e.joined_at = seq - kJoinHorizon;
        if (e.member == d.exclude) continue;
        e.walked = d.walk;
        sink.deliver(*e.member, d.frame, d.gate);  // e may be gone after this
    }
    --local->pins;
    release_if_unused(local);
    return visited;
}

uint32_t RoomTable::next_walk() noexcept {
    if (++walks_ == 0) {
        for (auto& names : rooms_)
            for (auto& [name, local] : names)
                for (LocalRoom::Entry& e : local->members) e.walked = 0;
        ++walks_;
    }
    return walks_;
}

// Member's queries: its rooms are LocalRooms of its own worker.

bool Member::is_member(std::string_view name) const noexcept {
    for (uint32_t i = 0; i < rooms.size(); ++i)
        if (rooms.local(i)->room->name == name) return true;
    return false;
}

std::string_view Member::room_name(size_t i) const noexcept {
    return i < rooms.size() ? std::string_view(rooms.local(uint32_t(i))->room->name) : std::string_view{};
}

Room* Member::shared_room(std::string_view name) const noexcept {
    for (uint32_t i = 0; i < rooms.size(); ++i)
        if (Room* room = rooms.local(i)->room; room->name == name) return room;
    return nullptr;
}

size_t Member::room_members(std::string_view name) const noexcept {
    for (uint32_t i = 0; i < rooms.size(); ++i)
        if (const Room* room = rooms.local(i)->room; room->name == name)
            return room->members.load(std::memory_order_relaxed);
    return 0;
}

}  // namespace wshub::hub
