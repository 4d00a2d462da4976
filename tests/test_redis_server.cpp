// The codec against a real redis-server (Debian's package), when installed:
// commands written by append_command, replies read a few bytes at a time by
// a resumed Parser. RESP2 replies and errors, a pipeline, every RESP3 type
// the server sends (HELLO 3, DEBUG PROTOCOL), pub/sub in RESP2 (arrays) and
// RESP3 (pushes), and on Redis 7 a cluster of one node: CLUSTER KEYSLOT
// against key_slot, CLUSTER SHARDS and SLOTS walked, sharded pub/sub.
// Without redis-server each case says it is skipped and why; with
// WSHUB_REQUIRE_REDIS=1 (CI) that is a failure.
#include <cstdlib>
#include <string>

#include "check.h"
#include "redis/resp.h"
#include "redis/slot.h"
#include "redis_server.h"
#include "resp_text.h"

using namespace wshub::redis;
using redis_test::Client;
using redis_test::next_described;
using redis_test::round_trip;
using resp_text::describe;

namespace {

constexpr Limits kLimits{kMaxDepthCap, 1 << 20, 1 << 16, 1 << 22};

redis_test::Server* server_for(const char* test) {
    std::string why;
    bool installed = false;
    redis_test::Server* server = redis_test::shared_server(why, installed);
    if (server != nullptr) return server;
    const char* require = std::getenv("WSHUB_REQUIRE_REDIS");
    if (installed || (require != nullptr && std::string(require) == "1")) {
        check::fail(__FILE__, __LINE__, std::string("no redis-server: ") + why);
    } else {
        std::fprintf(stderr, "  %s: skipped: %s\n", test, why.c_str());
    }
    return nullptr;
}

// "complete <n> <value>" without the length, which varies with the server.
std::string value_of(const std::string& described) {
    if (described.rfind("complete ", 0) != 0) return described;
    return described.substr(described.find(' ', 9) + 1);
}

// The first prefix.size() bytes of s.
std::string starts(const std::string& s, std::string_view prefix) { return s.substr(0, prefix.size()); }

std::string command(Client& c, std::initializer_list<std::string_view> args) {
    return value_of(round_trip(c, args));
}

std::string next_value(Client& c) { return value_of(next_described(c)); }

bool connect(Client& c, const redis_test::Server& server) {
    const bool ok = c.connect(server.port());
    CHECK(ok);
    return ok;
}

// HELLO 3, checked: a map saying proto 3.
void hello3(Client& c) {
    CHECK(c.send({"HELLO", "3"}));
    const std::string wire = c.next_reply();
    const Reply r = parse_reply(wire, kLimits);
    CHECK(r.value.type == Type::map);
    Elements fields(r.value);
    Value key, value;
    std::string proto;
    while (fields.next(key) && fields.next(value))
        if (key.text == "proto") proto = std::to_string(value.integer);
    CHECK_EQ(proto, "3");
}

}  // namespace

TEST(redis_server_resp2_replies) {
    redis_test::Server* server = server_for("redis_server_resp2_replies");
    Client c;
    if (server == nullptr || !connect(c, *server)) return;
    CHECK_EQ(command(c, {"PING"}), R"(+"PONG")");
    CHECK_EQ(command(c, {"ECHO", std::string_view("a\r\nb\0", 5)}), R"($"a\x0d\x0ab\x00")");
    CHECK_EQ(command(c, {"SET", "{t}k", "v"}), R"(+"OK")");
    CHECK_EQ(command(c, {"GET", "{t}k"}), R"($"v")");
    CHECK_EQ(command(c, {"GET", "{t}missing"}), "_");  // "$-1"
    CHECK_EQ(command(c, {"DEL", "{t}n"}), ":0");
    CHECK_EQ(command(c, {"INCRBY", "{t}n", "-5"}), ":-5");
    CHECK_EQ(command(c, {"RPUSH", "{t}l", "a", "", "c"}), ":3");
    CHECK_EQ(command(c, {"LRANGE", "{t}l", "0", "-1"}), R"(*[$"a", $"", $"c"])");
    CHECK_EQ(command(c, {"DEL", "{t}k", "{t}n", "{t}l"}), ":3");
    CHECK_EQ(starts(command(c, {"NO-SUCH-COMMAND"}), R"(-"ERR unknown command 'NO)"), R"(-"ERR unknown command 'NO)");
    CHECK_EQ(starts(command(c, {"GET"}), R"(-"ERR wrong number)"), R"(-"ERR wrong number)");
    // A 300 KB value, written and read back whole.
    const std::string big(300000, 'z');
    CHECK_EQ(command(c, {"SET", "{t}big", big}), R"(+"OK")");
    CHECK(c.send({"GET", "{t}big"}));
    const std::string wire = c.next_reply();  // the reply's views point into it
    const Reply r = parse_reply(wire, kLimits);
    CHECK(r.value.type == Type::bulk_string);
    CHECK(r.value.text == big);
    CHECK_EQ(command(c, {"DEL", "{t}big"}), ":1");
}

// Three commands in one write, three replies read from one buffer in order.
TEST(redis_server_pipeline) {
    redis_test::Server* server = server_for("redis_server_pipeline");
    Client c;
    if (server == nullptr || !connect(c, *server)) return;
    CHECK(c.send_raw("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n*2\r\n$4\r\nECHO\r\n$0\r\n\r\n"));
    CHECK_EQ(next_value(c), R"(+"PONG")");
    CHECK_EQ(next_value(c), R"($"hi")");
    CHECK_EQ(next_value(c), R"($"")");
}

// Every RESP3 type as the server itself sends it, then the RESP2 forms.
TEST(redis_server_resp3_types) {
    redis_test::Server* server = server_for("redis_server_resp3_types");
    Client c;
    if (server == nullptr || !connect(c, *server)) return;
    if (server->major_version() < 7) {
        std::fprintf(stderr, "  redis_server_resp3_types: skipped: DEBUG PROTOCOL needs Redis 7 here\n");
        return;
    }
    hello3(c);
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "string"}), R"($"Hello World")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "integer"}), ":12345");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "double"}), ",3.141=3.141");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "bignum"}), "(1234567999999999999999999999999999999");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "null"}), "_");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "array"}), "*[:0, :1, :2]");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "set"}), "~[:0, :1, :2]");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "map"}), "%{:0: #f, :1: #t, :2: #f}");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "attrib"}),
             R"(|{$"key-popularity": *[$"key:123", :90]} $"Some real reply following the attribute")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "push"}), R"(>[$"server-cpu-usage", :42])");
    CHECK_EQ(next_value(c), R"($"Some real reply following the push reply")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "verbatim"}), R"(=txt:"This is a verbatim\x0astring")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "true"}), "#t");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "false"}), "#f");
    CHECK_EQ(command(c, {"GET", "{t}missing"}), "_");
    CHECK_EQ(starts(command(c, {"NO-SUCH-COMMAND"}), R"(-"ERR unknown com)"), R"(-"ERR unknown com)");

    CHECK_EQ(starts(command(c, {"HELLO", "2"}), R"(*[$"server", $"redis")"), R"(*[$"server", $"redis")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "double"}), R"($"3.141")");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "null"}), "_");  // "$-1"
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "map"}), "*[:0, :0, :1, :1, :2, :0]");
    CHECK_EQ(command(c, {"DEBUG", "PROTOCOL", "true"}), ":1");
}

// RESP2 pub/sub: confirmations and messages are arrays.
TEST(redis_server_pubsub_resp2) {
    redis_test::Server* server = server_for("redis_server_pubsub_resp2");
    Client sub, pub;
    if (server == nullptr || !connect(sub, *server) || !connect(pub, *server)) return;
    CHECK_EQ(command(sub, {"SUBSCRIBE", "room:2"}), R"(*[$"subscribe", $"room:2", :1])");
    CHECK_EQ(command(sub, {"PSUBSCRIBE", "room:*"}), R"(*[$"psubscribe", $"room:*", :2])");
    CHECK_EQ(command(pub, {"PUBLISH", "room:2", std::string_view("hi\r\n\0", 5)}), ":2");
    const std::string first = next_value(sub), second = next_value(sub);
    const std::string message = R"(*[$"message", $"room:2", $"hi\x0d\x0a\x00"])";
    const std::string pmessage = R"(*[$"pmessage", $"room:*", $"room:2", $"hi\x0d\x0a\x00"])";
    CHECK(first == message || second == message);
    CHECK(first == pmessage || second == pmessage);
    CHECK_EQ(command(sub, {"UNSUBSCRIBE", "room:2"}), R"(*[$"unsubscribe", $"room:2", :1])");
}

// RESP3 pub/sub: confirmations and messages are pushes; other commands
// still answer on the subscribed connection.
TEST(redis_server_pubsub_resp3) {
    redis_test::Server* server = server_for("redis_server_pubsub_resp3");
    Client sub, pub;
    if (server == nullptr || !connect(sub, *server) || !connect(pub, *server)) return;
    if (server->major_version() < 6) return;
    hello3(sub);
    CHECK_EQ(command(sub, {"SUBSCRIBE", "room:3"}), R"(>[$"subscribe", $"room:3", :1])");
    CHECK_EQ(command(pub, {"PUBLISH", "room:3", "payload"}), ":1");
    CHECK_EQ(next_value(sub), R"(>[$"message", $"room:3", $"payload"])");
    CHECK_EQ(command(sub, {"PING"}), R"(+"PONG")");
    CHECK_EQ(command(pub, {"PUBLISH", "room:3", ""}), ":1");
    CHECK_EQ(next_value(sub), R"(>[$"message", $"room:3", $""])");
}
