// What one worker knows of a room's members on other nodes: their ids and
// farewells, from the 'J', 'L' and 'R' envelopes of the room (bus/envelope.h).
// It counts them for the room's cluster-wide size, and when a node dies or
// one of its workers drains, hands out the farewells of its members still
// listed, once.
//
// Entries carry an epoch: after the worker's bus comes back from an outage
// it asks the room again (a new epoch), and entries of live nodes that no
// answer or join has renewed by the time the answers are in are dropped
// without a farewell (sweep): they left while this worker could not hear.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

#include "bus/envelope.h"
#include "hub/member.h"

namespace wshub::bus {

class Roster {
public:
    struct Entry {
        uint8_t opcode = 0;  // of the farewell; 0: none
        uint32_t epoch = 0;  // this worker's, when it was listed
        Generation gen = 0;  // its worker's, when it said so
        std::string farewell;
        std::string user;
    };
    static constexpr int kAllWorkers = -1;

    size_t size() const noexcept { return members_.size(); }
    const Entry* find(hub::MemberId id) const noexcept;
    // Calls more(id, entry) for each member listed while it returns true.
    template <class More>
    void each(More&& more) const {
        for (const auto& [id, entry] : members_)
            if (!more(id, entry)) return;
    }

    void joined(const Farewell& f, uint32_t epoch, Generation gen);
    void left(hub::MemberId id) noexcept { members_.erase(id); }
    // A part of an answer: the first (head.reset) forgets what was known of
    // that worker's members. False if its entries are malformed (those
    // before the bad bytes are kept).
    bool answer(const RosterHead& head, std::string_view entries, uint32_t epoch);
    // Worker `worker` of node `node` came back with generation `gen`: its
    // members listed before that are forgotten, silently.
    void forget(uint32_t node, unsigned worker, Generation gen) noexcept;

    // Removes the members of node `node` (of its worker `worker`, or of all
    // of them), calling each(opcode, farewell) for those that have one.
    template <class Each>
    void drop(uint32_t node, int worker, Each&& each) {
        for (auto it = members_.begin(); it != members_.end();) {
            const hub::MemberId id = it->first;
            if (hub::node_of(id) != node || (worker != kAllWorkers && hub::worker_of(id) != unsigned(worker))) {
                ++it;
                continue;
            }
            if (it->second.opcode != 0) each(it->second.opcode, std::string_view(it->second.farewell));
            it = members_.erase(it);
        }
    }
    // Removes, silently, entries from before `epoch` of the nodes for which
    // settled(node) is true.
    template <class Settled>
    void sweep(uint32_t epoch, Settled&& settled) {
        for (auto it = members_.begin(); it != members_.end();) {
            if (it->second.epoch < epoch && settled(hub::node_of(it->first))) it = members_.erase(it);
            else ++it;
        }
    }

private:
    std::unordered_map<hub::MemberId, Entry> members_;
};

}  // namespace wshub::bus
