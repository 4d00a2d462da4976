// Test fixture: a Redis Cluster of three primaries, each a private
// redis-server (redis_server.h) on free loopback ports, its slots split in
// three, joined with CLUSTER MEET; every wait bounded. A slot can be moved
// to another node (CLUSTER SETSLOT <slot> NODE <id> on every node: enough
// for a slot with no keys) and a node restarted on its port, where it comes
// back with its id and slots (nodes.conf is kept).
#pragma once

#include <array>
#include <memory>
#include <string>

#include "redis_server.h"

namespace redis_test {

class Trio {
public:
    // nullptr, with the reason in `why_not`, when the cluster could not be
    // made (`installed` as private_server says).
    static std::unique_ptr<Trio> start(std::string& why_not, bool& installed);

    Server& node(size_t i) { return *nodes_[i]; }
    int port(size_t i) const { return nodes_[i]->port(); }
    // Which node serves `slot` by the split made at start.
    static size_t first_owner(uint16_t slot) { return slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2; }

    // Every node says the slot is served by node `to`; false if a node refused.
    bool move_slot(uint16_t slot, size_t to, std::string& why);
    // Waits until every node reports cluster_state:ok and knows all three.
    bool wait_ok(std::string& why);

private:
    std::array<std::unique_ptr<Server>, 3> nodes_;
    std::array<std::string, 3> ids_;
};

}  // namespace redis_test
