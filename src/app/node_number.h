// A node's number: the top bits of its connection ids (hub/member.h), so
// that an id names one connection across every node on a Redis and says
// which node to route a direct message to. The numbers are claimed in Redis
// (key PREFIX:node:N, holding the node's id, expiring after --node-timeout
// unless the node's heartbeat renews it), before the node takes its first
// connection, so that nodes starting while Redis is up never share one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::app {

struct NodeNumber {
    uint32_t number = 0;  // 1 to hub::kMaxNodes - 1
    bool claimed = false;  // false: Redis did not answer; `number` is the node id's hash
    std::string why;       // not claimed: the reason, for the log
};

// The number a node starts from: its id's hash, in range. A node that
// cannot reach Redis at start keeps it (ids stay unique unless two such
// nodes hash alike; the heartbeat says so if another node holds it).
uint32_t preferred_node_number(std::string_view node_id) noexcept;

// The key that holds number `n` for its node: PREFIX:node:N, or on a Redis
// Cluster {PREFIX}:node:N (every number's in one slot).
std::string node_number_key(const config::Config& cfg, uint32_t n);

// Blocks for at most `budget_ms`: connects to cfg.redis, authenticates and
// takes the first free number from preferred_node_number(node_id) on (or the
// one this node id already holds: a restart within --node-timeout).
NodeNumber claim_node_number(const config::Config& cfg, std::string_view node_id, uint32_t budget_ms);

}  // namespace wshub::app
