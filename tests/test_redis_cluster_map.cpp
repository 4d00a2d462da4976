// read_shards on CLUSTER SHARDS replies written by hand: RESP3 maps and
// RESP2 flat arrays, replicas skipped, an empty or "?" endpoint taken as the
// answering node's host, IPv6; and every hostile shape refused with its
// reason, the map left empty.
#include <string>
#include <vector>

#include "check.h"
#include "net/address.h"
#include "redis/cluster_map.h"
#include "redis/resp.h"

using namespace wshub::redis;
namespace net = wshub::net;

namespace {

std::string bulk(std::string_view s) { return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n"; }

struct NodeText {
    std::string endpoint;
    std::string port = ":7000";  // as sent, so a test can send a string
    std::string role = "master";
};

// A node's fields: a map in RESP3, a flat array in RESP2.
std::string node_text(const NodeText& n, bool resp3) {
    return std::string(resp3 ? "%4\r\n" : "*8\r\n") + bulk("id") + bulk("abc") + bulk("endpoint") +
           bulk(n.endpoint) + bulk("port") + n.port + "\r\n" + bulk("role") + bulk(n.role);
}

std::string shard_text(const std::vector<int>& bounds, const std::vector<NodeText>& nodes, bool resp3 = true) {
    std::string out = std::string(resp3 ? "%2\r\n" : "*4\r\n") + bulk("slots") + "*" + std::to_string(bounds.size()) + "\r\n";
    for (int b : bounds) out += ":" + std::to_string(b) + "\r\n";
    out += bulk("nodes") + "*" + std::to_string(nodes.size()) + "\r\n";
    for (const NodeText& n : nodes) out += node_text(n, resp3);
    return out;
}

std::string shards_text(const std::vector<std::string>& shards) {
    std::string out = "*" + std::to_string(shards.size()) + "\r\n";
    for (const std::string& s : shards) out += s;
    return out;
}

const net::Address kAsked = *net::parse_address("10.1.2.3:6379");

// "ok <primaries> <owner of 0> <owner of 16383> <first address>" or "refused: <why>".
std::string read(const std::string& wire) {
    const Reply r = parse_reply(wire, Limits{kShardsDepth, 1024, kShardsElements, 1 << 20});
    if (r.status != Status::complete) return "not RESP";
    ShardMap map;
    std::string why;
    if (!read_shards(r.value, kAsked, map, why)) {
        if (!map.primaries.empty()) return "refused but kept primaries";
        return "refused: " + why;
    }
    return "ok " + std::to_string(map.primaries.size()) + " " + std::to_string(map.owner[0]) + " " +
           std::to_string(map.owner[16383]) + " " + map.primaries[0].to_string();
}

}  // namespace

TEST(redis_cluster_map_read) {
    const NodeText a{"127.0.0.1", ":7000"}, b{"127.0.0.1", ":7001"}, replica{"127.0.0.1", ":7002", "replica"};
    CHECK_EQ(read(shards_text({shard_text({0, 8000}, {replica, a}), shard_text({8001, 16383}, {b})})),
             "ok 2 0 1 127.0.0.1:7000");
    CHECK_EQ(read(shards_text({shard_text({0, 8000}, {a}, false), shard_text({8001, 16383}, {b}, false)})),
             "ok 2 0 1 127.0.0.1:7000");
    // A node that knows no address of its own: the host that answered.
    CHECK_EQ(read(shards_text({shard_text({0, 16383}, {{"", ":7005"}})})), "ok 1 0 0 10.1.2.3:7005");
    CHECK_EQ(read(shards_text({shard_text({0, 16383}, {{"?", ":7005"}})})), "ok 1 0 0 10.1.2.3:7005");
    CHECK_EQ(read(shards_text({shard_text({0, 16383}, {{"::1", ":7005"}})})), "ok 1 0 0 [::1]:7005");
    // Slots left without a primary (a shard with only a replica); a shard
    // without slots needs no link.
    CHECK_EQ(read(shards_text({shard_text({0, 100}, {replica}), shard_text({101, 16383}, {b}),
                               shard_text({}, {a})})),
             "ok 1 255 0 127.0.0.1:7001");
}

TEST(redis_cluster_map_refused) {
    const NodeText a{"127.0.0.1", ":7000"}, b{"127.0.0.1", ":7001"};
    struct Case {
        std::string wire;
        std::string want;
    };
    std::vector<std::string> seventeen;
    for (int i = 0; i < 17; ++i) seventeen.push_back(shard_text({i, i}, {{"127.0.0.1", ":" + std::to_string(7000 + i)}}));
    const Case cases[] = {
        {"-ERR This instance has cluster support disabled\r\n",
         "refused: an error: ERR This instance has cluster support disabled"},
        {":1\r\n", "refused: not an array of shards"},
        {"*0\r\n", "refused: no primary serves any slot"},
        {shards_text({shard_text({0, 16383}, {{"redis.example", ":7000"}})}),
         "refused: a primary's endpoint is not a numeric address"},
        {shards_text({shard_text({0, 16383}, {{"127.0.0.1", ":0"}})}), "refused: a primary's port is not 1-65535"},
        {shards_text({shard_text({0, 16383}, {{"127.0.0.1", ":65536"}})}), "refused: a primary's port is not 1-65535"},
        {shards_text({shard_text({0, 16383}, {{"127.0.0.1", "$4\r\n7000"}})}),
         "refused: a primary's port is not 1-65535"},
        {shards_text({shard_text({0, 16384}, {a})}), "refused: a slot range outside 0-16383"},
        {shards_text({shard_text({5, 4}, {a})}), "refused: a slot range outside 0-16383"},
        {shards_text({shard_text({-1, 4}, {a})}), "refused: a slot range outside 0-16383"},
        {shards_text({shard_text({0, 1, 2}, {a})}), "refused: a shard's slots are not pairs"},
        {shards_text({shard_text({0, 100}, {a}), shard_text({100, 200}, {b})}), "refused: a slot claimed twice"},
        {shards_text({shard_text({0, 100}, {a}), shard_text({101, 200}, {a})}),
         "refused: a primary named by two shards"},
        {shards_text({shard_text({0, 100}, {a, b})}), "refused: a shard with two primaries"},
        {shards_text(seventeen), "refused: more than 16 shards"},
        {shards_text({"%1\r\n" + bulk("slots") + "*0\r\n"}), "refused: a shard without slots or nodes"},
        {shards_text({":3\r\n"}), "refused: a shard is not a map of fields"},
        {shards_text({"%2\r\n" + bulk("slots") + "*0\r\n" + bulk("nodes") + ":1\r\n"}),
         "refused: a shard's nodes are not an array"},
        {shards_text({"%2\r\n" + bulk("slots") + "*0\r\n" + bulk("nodes") + "*1\r\n:1\r\n"}),
         "refused: a node is not a map of fields"},
    };
    for (const Case& c : cases) CHECK_EQ(read(c.wire), c.want);
    // Sixteen are fine.
    seventeen.pop_back();
    CHECK_EQ(read(shards_text(seventeen)).substr(0, 5), "ok 16");
}
