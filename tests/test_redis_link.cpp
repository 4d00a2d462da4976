// redis::Link against a real redis-server (the fixture of redis_server.h) and
// against fake servers made of a listening socket: the handshake, commands
// and pipelines, pub/sub and sharded pub/sub, passwords and databases, a
// restart with backoff, a stalled server and the bounded queue, garbage,
// silence and timeouts, and the owner's disconnect from inside a callback.
// Every wait is a loop driven until a condition or a deadline.
#include <algorithm>
#include <string>
#include <vector>

#include "check.h"
#include "link_host.h"
#include "redis/backoff.h"
#include "redis/command.h"
#include "redis/link.h"

using namespace wshub::redis;
using namespace link_test;

TEST(redis_link_backoff_doubles_to_its_cap) {
    Backoff b(100, 5000, 1);
    for (uint32_t ceiling : {100u, 200u, 400u, 800u, 1600u, 3200u, 5000u, 5000u}) {
        CHECK_EQ(b.ceiling(), ceiling);
        CHECK_LE(b.next(), ceiling);
    }
    CHECK_EQ(b.failures(), 8u);
    b.reset();
    CHECK_EQ(b.ceiling(), 100u);
    for (int i = 0; i < 100; ++i) CHECK_LE(b.next(), 5000u);
    CHECK_EQ(b.ceiling(), 5000u);  // past 32 doublings: still the cap
    CHECK_EQ(Backoff(100, 50, 1).ceiling(), 50u);
}

// Full jitter: draws cover the whole range under the ceiling; a seed gives
// its own sequence, the same every time.
TEST(redis_link_backoff_full_jitter) {
    Backoff b(1000, 1000, 7);
    uint32_t lowest = 1000, highest = 0;
    for (int i = 0; i < 2000; ++i) {
        const uint32_t d = b.next();
        CHECK_LE(d, 1000u);
        lowest = std::min(lowest, d), highest = std::max(highest, d);
    }
    CHECK_LT(lowest, 20u);
    CHECK_GT(highest, 980u);
    Backoff one(100, 5000, 7), again(100, 5000, 7), other(100, 5000, 8);
    std::vector<uint32_t> a, b2, c;
    for (int i = 0; i < 8; ++i) a.push_back(one.next()), b2.push_back(again.next()), c.push_back(other.next());
    CHECK(a == b2);
    CHECK(a != c);
}

// Up; PING, SET and GET of binary bytes, the client name, RESP3's map; a
// pipeline of 1,000 commands queued in one pass, written by one flush, answered in order.
TEST(redis_link_up_commands_and_pipeline) {
    redis_test::Server* server = shared_for("redis_link_up_commands_and_pipeline");
    if (server == nullptr) return;
    Host host;
    Endpoint e = endpoint_at(server->port());
    e.client_name = "wshub-link-test";
    Link link(host, 1, e, LinkOptions{});
    host.add(link);
    CHECK_EQ(std::string(state_name(link.state())), "idle");
    CHECK(!link.send({"PING"}));
    link.start();
    CHECK(!link.send({"PING"}));  // not up yet
    CHECK_EQ(link.queued_bytes(), 0u);
    CHECK(up(host, link));
    Record& r = host.of(link);
    CHECK_EQ(r.ups, 1);
    const std::string binary("v\r\n\0\xff", 5);
    CHECK(link.send({"PING"}));
    CHECK(link.send({"SET", "{link}k", binary}));
    CHECK(link.send({"GET", "{link}k"}));
    CHECK(link.send({"CLIENT", "GETNAME"}));
    CHECK(link.send({"CONFIG", "GET", "port"}));
    CHECK(link.send({"DEL", "{link}k"}));
    CHECK(host.run_until([&] { return r.replies.size() == 6; }));
    const std::string port = std::to_string(server->port());
    CHECK(r.replies == std::vector<std::string>({R"(+"PONG")", R"(+"OK")", R"($"v\x0d\x0a\x00\xff")",
                                                 R"($"wshub-link-test")", "%{$\"port\": $\"" + port + "\"}", ":1"}));
    r.replies.clear();
    std::vector<std::string> want;
    size_t bytes = 0;
    for (int i = 0; i < 1000; ++i) {
        const std::string n = std::to_string(i);
        const std::string_view args[] = {"ECHO", n};
        CHECK(link.send(args, 2));
        bytes += command_size(args, 2);
        want.push_back("$\"" + n + "\"");
    }
    CHECK_EQ(link.queued_bytes(), bytes);  // nothing written by send
    link.flush();
    CHECK_EQ(link.queued_bytes(), 0u);  // one flush took it all
    CHECK(host.run_until([&] { return r.replies.size() >= 1000; }));
    CHECK_EQ(first_difference(r.replies, want), -1);
    CHECK(r.downs.empty());
    CHECK_EQ(link.reconnects(), 0u);
}

// A 600 KB reply grows the read buffer, which shrinks back once it is read;
// one past max_reply is a loss (the stream cannot be framed), then a reconnect.
TEST(redis_link_large_reply_and_limit) {
    redis_test::Server* server = shared_for("redis_link_large_reply_and_limit");
    if (server == nullptr) return;
    Host host;
    LinkOptions o = quick_options();
    o.limits.max_string = 1 << 20;
    Link link(host, 1, endpoint_at(server->port()), o);
    o.limits.max_reply = 100000;
    Link small(host, 2, endpoint_at(server->port()), o);
    host.add(link), host.add(small);
    link.start(), small.start();
    CHECK(up(host, link) && up(host, small));
    size_t capacity_seen = 0;
    host.after_reply = [&](Link& l, const Value&) {
        capacity_seen = std::max(capacity_seen, l.read_buffer_capacity());
    };
    const std::string big(600000, 'b');
    CHECK(link.send({"SET", "{link}big", big}));
    CHECK(link.send({"GET", "{link}big"}));
    Record& r = host.of(link);
    CHECK(host.run_until([&] { return r.replies.size() == 2; }));
    CHECK(r.replies.size() == 2 && r.replies[1] == "$" + resp_text::quoted(big));
    CHECK_GE(capacity_seen, big.size());
    CHECK_LE(link.read_buffer_capacity(), size_t(64 * 1024));

    CHECK(small.send({"GET", "{link}big"}));
    Record& s = host.of(small);
    CHECK(host.run_until([&] { return s.ups == 2; }));
    CHECK(s.replies.empty());
    CHECK(!s.downs.empty() && s.downs[0].reason == "bad reply: reply_too_large" && s.downs[0].was_up);
    CHECK(link.send({"DEL", "{link}big"}));
    CHECK(host.run_until([&] { return r.replies.size() == 3; }));
}

// One link subscribes, another publishes 10,000 numbered messages with
// CR LF, NUL and 0xff in them: every one arrives, in order, as a push.
TEST(redis_link_pubsub_in_order) {
    redis_test::Server* server = shared_for("redis_link_pubsub_in_order");
    if (server == nullptr) return;
    Host host;
    Link sub(host, 1, endpoint_at(server->port()), LinkOptions{});
    Link pub(host, 2, endpoint_at(server->port()), LinkOptions{});
    host.add(sub), host.add(pub);
    sub.start(), pub.start();
    CHECK(up(host, sub) && up(host, pub));
    Record& s = host.of(sub);
    Record& p = host.of(pub);
    CHECK(sub.send({"SUBSCRIBE", "link:room"}));
    CHECK(host.run_until([&] { return !s.pushes.empty(); }));
    CHECK(s.pushes == std::vector<std::string>{R"(>[$"subscribe", $"link:room", :1])"});
    CHECK(s.replies.empty());  // in RESP3 the confirmation is a push, not a reply
    std::vector<std::string> want = s.pushes;
    for (int i = 0; i < 10000; ++i) {
        const std::string payload = std::to_string(i) + std::string("\r\n\0\xff", 4);
        CHECK(pub.send({"PUBLISH", "link:room", payload}));
        want.push_back(R"(>[$"message", $"link:room", $)" + resp_text::quoted(payload) + "]");
    }
    CHECK(host.run_until([&] { return s.pushes.size() >= want.size() && p.replies.size() >= 10000; }, 30000));
    CHECK_EQ(first_difference(s.pushes, want), -1);
    CHECK_EQ(first_difference(p.replies, std::vector<std::string>(10000, ":1")), -1);
    CHECK(s.downs.empty() && p.downs.empty());
}

// Sharded pub/sub on the fixture's cluster of one node.
TEST(redis_link_sharded_pubsub) {
    redis_test::Server* server = shared_for("redis_link_sharded_pubsub");
    if (server == nullptr) return;
    if (!server->cluster()) {
        std::fprintf(stderr, "  redis_link_sharded_pubsub: skipped: no cluster (Redis %d)\n", server->major_version());
        return;
    }
    Host host;
    Link sub(host, 1, endpoint_at(server->port()), LinkOptions{});
    Link pub(host, 2, endpoint_at(server->port()), LinkOptions{});
    host.add(sub), host.add(pub);
    sub.start(), pub.start();
    CHECK(up(host, sub) && up(host, pub));
    Record& s = host.of(sub);
    CHECK(sub.send({"SSUBSCRIBE", "{link}shard"}));
    CHECK(host.run_until([&] { return !s.pushes.empty(); }));
    std::vector<std::string> want = {R"(>[$"ssubscribe", $"{link}shard", :1])"};
    for (int i = 0; i < 100; ++i) {
        const std::string payload = "s" + std::to_string(i) + std::string("\0", 1);
        CHECK(pub.send({"SPUBLISH", "{link}shard", payload}));
        want.push_back(R"(>[$"smessage", $"{link}shard", $)" + resp_text::quoted(payload) + "]");
    }
    CHECK(host.run_until([&] { return s.pushes.size() >= want.size(); }));
    CHECK_EQ(first_difference(s.pushes, want), -1);
    CHECK_EQ(first_difference(host.of(pub).replies, std::vector<std::string>(100, ":1")), -1);
}
