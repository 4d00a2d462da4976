#include "bus/roster.h"

namespace wshub::bus {

const Roster::Entry* Roster::find(hub::MemberId id) const noexcept {
    const auto it = members_.find(id);
    return it == members_.end() ? nullptr : &it->second;
}

void Roster::joined(const Farewell& f, uint32_t epoch, Generation gen) {
    Entry& e = members_[f.member];
    e.opcode = f.opcode;
    e.epoch = epoch;
    e.gen = gen;
    e.farewell.assign(f.payload);
    e.user.assign(f.user);
}

bool Roster::answer(const RosterHead& head, std::string_view entries, uint32_t epoch) {
    const Origin from = head.from;
    if (head.reset) drop(from.node, from.worker, [](uint8_t, std::string_view) {});
    RosterEntries walk(entries);
    Farewell f;
    while (walk.next(f)) {
        // An answer speaks for its own worker's members only.
        if (hub::node_of(f.member) != from.node || hub::worker_of(f.member) != from.worker) return false;
        joined(f, epoch, head.gen);
    }
    return !walk.bad();
}

void Roster::forget(uint32_t node, unsigned worker, Generation gen) noexcept {
    for (auto it = members_.begin(); it != members_.end();) {
        const hub::MemberId id = it->first;
        const bool theirs = hub::node_of(id) == node && hub::worker_of(id) == worker;
        if (theirs && it->second.gen < gen) it = members_.erase(it);
        else ++it;
    }
}

}  // namespace wshub::bus
