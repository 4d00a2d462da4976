// The codec and key_slot against a real Redis 7 cluster of one node (the
// fixture of redis_server.h): CLUSTER KEYSLOT agrees with key_slot, CLUSTER
// SHARDS (maps in RESP3, flat arrays in RESP2) and CLUSTER SLOTS are walked
// into slot ranges and endpoints, and sharded pub/sub (SSUBSCRIBE,
// SPUBLISH) arrives as arrays in RESP2 and pushes in RESP3.
#include <cstdlib>
#include <string>
#include <vector>

#include "check.h"
#include "redis/resp.h"
#include "redis/slot.h"
#include "redis_server.h"
#include "resp_text.h"

using namespace wshub::redis;
using redis_test::Client;

namespace {

constexpr Limits kLimits{kMaxDepthCap, 1 << 20, 1 << 16, 1 << 22};

redis_test::Server* cluster_for(const char* test) {
    std::string why;
    bool installed = false;
    redis_test::Server* server = redis_test::shared_server(why, installed);
    const char* require = std::getenv("WSHUB_REQUIRE_REDIS");
    if (server == nullptr && (installed || (require != nullptr && std::string(require) == "1")))
        check::fail(__FILE__, __LINE__, std::string("no redis-server: ") + why);
    else if (server == nullptr)
        std::fprintf(stderr, "  %s: skipped: %s\n", test, why.c_str());
    else if (!server->cluster())
        std::fprintf(stderr, "  %s: skipped: Redis %d has no CLUSTER SHARDS or sharded pub/sub\n", test,
                     server->major_version());
    return server != nullptr && server->cluster() ? server : nullptr;
}

std::string value_of(const std::string& described) {
    if (described.rfind("complete ", 0) != 0) return described;
    return described.substr(described.find(' ', 9) + 1);
}

// The first prefix.size() bytes of s.
std::string starts(const std::string& s, std::string_view prefix) { return s.substr(0, prefix.size()); }

std::string command(Client& c, std::initializer_list<std::string_view> args) {
    return value_of(redis_test::round_trip(c, args));
}

// Keys of many shapes: plain, tagged, empty tags, binary.
std::vector<std::string> sample_keys() {
    std::vector<std::string> keys = {"", "a", "foo", "123456789", "{user1000}.following", "foo{}{bar}",
                                     "foo{{bar}}zap", "foo{bar}{zap}", "{", "}", "{}", "}{x}",
                                     std::string("\0\xff{\x80}", 5)};
    for (int i = 0; i < 200; ++i) {
        std::string key = "room:" + std::to_string(i * 7919);
        if (i % 3 == 0) key = "{" + std::to_string(i) + "}" + key;
        if (i % 5 == 0) key += std::string(1, static_cast<char>(i));
        keys.push_back(key);
    }
    return keys;
}

// A shard's fields in RESP3 (a map) or RESP2 (an array of name, value, ...):
// its slot ranges, and each master's endpoint and port.
std::string describe_shard(const Value& shard) {
    std::string out;
    Elements fields(shard);
    Value name, value;
    while (fields.next(name) && fields.next(value)) {
        if (name.text == "slots") {
            Elements bounds(value);
            Value lo, hi;
            while (bounds.next(lo) && bounds.next(hi))
                out += std::to_string(lo.integer) + "-" + std::to_string(hi.integer) + " ";
        }
        if (name.text != "nodes") continue;
        Elements nodes(value);
        Value node;
        while (nodes.next(node)) {
            std::string endpoint, port, role;
            Elements props(node);
            Value key, prop;
            while (props.next(key) && props.next(prop)) {
                if (key.text == "endpoint") endpoint = prop.text;
                if (key.text == "port") port = std::to_string(prop.integer);
                if (key.text == "role") role = prop.text;
            }
            out += role + " " + endpoint + ":" + port;
        }
    }
    return out;
}

std::string cluster_shards(Client& c) {
    CHECK(c.send({"CLUSTER", "SHARDS"}));
    const std::string wire = c.next_reply();
    const Reply r = parse_reply(wire, Limits{5, 1024, 64, 1 << 16});
    CHECK(r.status == Status::complete);
    std::string out;
    Elements shards(r.value);
    Value shard;
    while (shards.next(shard)) out += "[" + describe_shard(shard) + "]";
    return out;
}

}  // namespace

TEST(redis_cluster_keyslot_agrees) {
    redis_test::Server* server = cluster_for("redis_cluster_keyslot_agrees");
    Client c;
    if (server == nullptr || !c.connect(server->port())) return;
    for (const std::string& key : sample_keys()) {
        const std::string got = command(c, {"CLUSTER", "KEYSLOT", key});
        CHECK_EQ(got, ":" + std::to_string(key_slot(key)));
    }
}

TEST(redis_cluster_topology_walked) {
    redis_test::Server* server = cluster_for("redis_cluster_topology_walked");
    Client c;
    if (server == nullptr || !c.connect(server->port())) return;
    // A node that has never met another does not know its own address: its
    // endpoint is empty, which tells a client to use the host it connected to.
    const std::string master = "master :" + std::to_string(server->port());
    CHECK_EQ(cluster_shards(c), "[0-16383 " + master + "]");  // RESP2: flat arrays
    CHECK_EQ(starts(command(c, {"HELLO", "3"}), R"(%{$"server": $"redis")"), R"(%{$"server": $"redis")");
    CHECK_EQ(cluster_shards(c), "[0-16383 " + master + "]");  // RESP3: maps

    CHECK(c.send({"CLUSTER", "SLOTS"}));
    const std::string wire = c.next_reply();
    // [[start, end, [endpoint, port, id, metadata]]]: four levels.
    const Reply r = parse_reply(wire, Limits{4, 1024, 64, 1 << 16});
    CHECK_EQ(resp_text::describe(parse_reply(wire, Limits{3, 1024, 64, 1 << 16})), "error too_deep");
    Value range[3], node[2];
    CHECK_EQ(r.value.size, uint64_t{1});
    Elements ranges(r.value);
    Value first;
    CHECK(ranges.next(first));
    CHECK_EQ(take(first, range, 3), size_t{3});
    CHECK_EQ(range[0].integer, int64_t{0});
    CHECK_EQ(range[1].integer, int64_t{16383});
    CHECK_EQ(take(range[2], node, 2), size_t{2});
    CHECK_EQ(node[0].text, "");
    CHECK_EQ(node[1].integer, int64_t{server->port()});
}

TEST(redis_cluster_sharded_pubsub) {
    redis_test::Server* server = cluster_for("redis_cluster_sharded_pubsub");
    Client sub2, sub3, pub;
    if (server == nullptr || !sub2.connect(server->port()) || !sub3.connect(server->port()) ||
        !pub.connect(server->port()))
        return;
    CHECK_EQ(command(sub2, {"SSUBSCRIBE", "{room}7"}), R"(*[$"ssubscribe", $"{room}7", :1])");
    CHECK_EQ(starts(command(sub3, {"HELLO", "3"}), R"(%{$"server": $"redis")"), R"(%{$"server": $"redis")");
    CHECK_EQ(command(sub3, {"SSUBSCRIBE", "{room}7"}), R"(>[$"ssubscribe", $"{room}7", :1])");
    CHECK_EQ(command(pub, {"SPUBLISH", "{room}7", std::string_view("x\0y", 3)}), ":2");
    CHECK_EQ(value_of(redis_test::next_described(sub2)), R"(*[$"smessage", $"{room}7", $"x\x00y"])");
    CHECK_EQ(value_of(redis_test::next_described(sub3)), R"(>[$"smessage", $"{room}7", $"x\x00y"])");
    CHECK_EQ(command(sub3, {"SUNSUBSCRIBE", "{room}7"}), R"(>[$"sunsubscribe", $"{room}7", :0])");
    CHECK_EQ(command(pub, {"SPUBLISH", "{room}7", "again"}), ":1");
    CHECK_EQ(value_of(redis_test::next_described(sub2)), R"(*[$"smessage", $"{room}7", $"again"])");
}
