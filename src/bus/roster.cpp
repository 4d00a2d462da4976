#include "bus/roster.h"

namespace wshub::bus {

const Roster::Entry* Roster::find(hub::MemberId id) const noexcept {
    const auto it = members_.find(id);
    return it == members_.end() ? nullptr : &it->second;
}

void Roster::joined(const Farewell& f, uint32_t epoch) {
    Entry& e = members_[f.member];
    e.opcode = f.opcode;
    e.epoch = epoch;
    e.farewell.assign(f.payload);
}

bool Roster::answer(Origin from, bool reset, std::string_view entries, uint32_t epoch) {
    if (reset) drop(from.node, from.worker, [](uint8_t, std::string_view) {});
    RosterEntries walk(entries);
    Farewell f;
    while (walk.next(f)) {
        // An answer speaks for its own worker's members only.
        if (hub::node_of(f.member) != from.node || hub::worker_of(f.member) != from.worker) return false;
        joined(f, epoch);
    }
    return !walk.bad();
}

}  // namespace wshub::bus
