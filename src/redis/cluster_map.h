// A Redis Cluster's slot map as CLUSTER SHARDS (Redis 7) tells it: which
// primary serves each of the 16384 slots, and where to reach it. The reply
// comes from a server, so it is read as hostile: anything malformed, more
// primaries than kMaxShards, ports outside 1-65535, a slot claimed twice,
// or an endpoint that is a hostname (we take numeric IPv4/IPv6 only, or an
// empty or "?" endpoint, which means the host of the node that answered)
// refuses the whole map, with a reason.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "net/address.h"
#include "redis/resp.h"
#include "redis/slot.h"

namespace wshub::redis {

// Primaries (shards with slots) one map may name.
constexpr size_t kMaxShards = 16;
// A slot no primary serves.
constexpr uint8_t kNoShard = 0xff;

// The depth and element counts a CLUSTER SHARDS reply needs: shards, a
// shard's fields, its nodes, a node's fields; a shard's "slots" may hold a
// bound per slot.
constexpr unsigned kShardsDepth = 4;
constexpr uint64_t kShardsElements = 2 * kSlotCount;

struct ShardMap {
    std::vector<net::Address> primaries;  // at most kMaxShards, each once
    std::array<uint8_t, kSlotCount> owner{};  // index into primaries, or kNoShard
};

// Reads a CLUSTER SHARDS reply, RESP3 (maps) or RESP2 (flat arrays of
// name, value). `answered_by` is the node the reply came from: its host
// stands in for an empty or "?" endpoint. Replicas are skipped; a shard
// with slots and no primary leaves its slots without one. False, with the
// reason in `why` and `out` empty, for a map refused.
bool read_shards(const Value& reply, const net::Address& answered_by, ShardMap& out, std::string& why);

}  // namespace wshub::redis
