#include "redis/cluster_map.h"

#include <arpa/inet.h>

#include <cstring>
#include <string_view>

namespace wshub::redis {
namespace {

// One primary's fields, as read.
struct Node {
    std::string_view endpoint;
    std::string_view role;
    int64_t port = -1;
};

// `host` (numeric, no brackets) and `port` as an address; false for
// anything else (a hostname above all).
bool numeric_address(std::string_view host, uint16_t port, net::Address& out) {
    char text[INET6_ADDRSTRLEN + 1] = {};
    if (host.empty() || host.size() >= sizeof text) return false;
    std::memcpy(text, host.data(), host.size());
    out = net::Address{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (::inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
        return true;
    }
    if (::inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        out.length = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

// `base`'s host with another port.
net::Address with_port(const net::Address& base, uint16_t port) {
    net::Address out = base;
    if (out.family() == AF_INET6)
        reinterpret_cast<sockaddr_in6*>(&out.storage)->sin6_port = htons(port);
    else
        reinterpret_cast<sockaddr_in*>(&out.storage)->sin_port = htons(port);
    return out;
}

bool same_address(const net::Address& a, const net::Address& b) {
    return a.length == b.length && std::memcmp(&a.storage, &b.storage, a.length) == 0;
}

bool is_fields(const Value& v) { return v.type == Type::map || v.type == Type::array; }

// A node's fields into `node`; false if they are not name/value pairs.
bool read_node(const Value& fields, Node& node) {
    if (!is_fields(fields) || fields.size % 2 != 0) return false;
    Elements e(fields);
    Value name, value;
    while (e.next(name) && e.next(value)) {
        if (!name.is_string()) return false;
        if (name.text == "endpoint" && value.is_string()) node.endpoint = value.text;
        if (name.text == "role" && value.is_string()) node.role = value.text;
        if (name.text == "port" && value.type == Type::integer) node.port = value.integer;
    }
    return e.left() == 0;
}

// Where a primary is: its endpoint, or the answering node's host.
bool address_of(const Node& node, const net::Address& answered_by, net::Address& out, std::string& why) {
    if (node.port < 1 || node.port > 65535) {
        why = "a primary's port is not 1-65535";
        return false;
    }
    const uint16_t port = uint16_t(node.port);
    if (node.endpoint.empty() || node.endpoint == "?") {
        out = with_port(answered_by, port);
        return true;
    }
    if (numeric_address(node.endpoint, port, out)) return true;
    why = "a primary's endpoint is not a numeric address";
    return false;
}

// The shard's one primary, if any, into `out` (`found` says).
bool read_primary(const Value& nodes, const net::Address& answered_by, net::Address& out, bool& found,
                  std::string& why) {
    found = false;
    if (nodes.type != Type::array) return why = "a shard's nodes are not an array", false;
    Elements e(nodes);
    Value fields;
    while (e.next(fields)) {
        Node node;
        if (!read_node(fields, node)) return why = "a node is not a map of fields", false;
        if (node.role != "master") continue;
        if (found) return why = "a shard with two primaries", false;
        if (!address_of(node, answered_by, out, why)) return false;
        found = true;
    }
    return e.left() == 0 || (why = "a shard's nodes are cut short", false);
}

// The shard's slot ranges, given to `shard`.
bool claim_slots(const Value& slots, uint8_t shard, ShardMap& out, std::string& why) {
    if (slots.type != Type::array || slots.size % 2 != 0) return why = "a shard's slots are not pairs", false;
    Elements e(slots);
    Value lo, hi;
    while (e.next(lo) && e.next(hi)) {
        if (lo.type != Type::integer || hi.type != Type::integer || lo.integer < 0 || hi.integer >= kSlotCount ||
            lo.integer > hi.integer)
            return why = "a slot range outside 0-16383", false;
        for (int64_t s = lo.integer; s <= hi.integer; ++s) {
            if (out.owner[size_t(s)] != kNoShard) return why = "a slot claimed twice", false;
            out.owner[size_t(s)] = shard;
        }
    }
    return e.left() == 0 || (why = "a shard's slots are cut short", false);
}

// One shard: its primary, which takes its slots.
bool read_shard(const Value& shard, const net::Address& answered_by, ShardMap& out, std::string& why) {
    if (!is_fields(shard) || shard.size % 2 != 0) return why = "a shard is not a map of fields", false;
    Value slots, nodes;
    bool has_slots = false, has_nodes = false;
    Elements e(shard);
    Value name, value;
    while (e.next(name) && e.next(value)) {
        if (name.text == "slots") slots = value, has_slots = true;
        if (name.text == "nodes") nodes = value, has_nodes = true;
    }
    if (!has_slots || !has_nodes) return why = "a shard without slots or nodes", false;
    net::Address primary;
    bool found = false;
    if (!read_primary(nodes, answered_by, primary, found, why)) return false;
    if (!found || slots.size == 0) return true;  // nothing it serves, or no one to serve it
    for (const net::Address& a : out.primaries)
        if (same_address(a, primary)) return why = "a primary named by two shards", false;
    if (out.primaries.size() == kMaxShards) return why = "more than 16 shards", false;
    out.primaries.push_back(primary);
    return claim_slots(slots, uint8_t(out.primaries.size() - 1), out, why);
}

}  // namespace

namespace {

bool read_all(const Value& reply, const net::Address& answered_by, ShardMap& out, std::string& why) {
    if (reply.type != Type::array) {
        why = reply.is_error() ? "an error: " + std::string(reply.text.substr(0, 200)) : "not an array of shards";
        return false;
    }
    Elements e(reply);
    Value shard;
    while (e.next(shard))
        if (!read_shard(shard, answered_by, out, why)) return false;
    if (e.left() != 0) return why = "the shards are cut short", false;
    if (out.primaries.empty()) return why = "no primary serves any slot", false;
    return true;
}

}  // namespace

bool read_shards(const Value& reply, const net::Address& answered_by, ShardMap& out, std::string& why) {
    out.primaries.clear();
    out.owner.fill(kNoShard);
    if (read_all(reply, answered_by, out, why)) return true;
    out.primaries.clear();  // a map refused is no map at all
    out.owner.fill(kNoShard);
    return false;
}

}  // namespace wshub::redis
