// The Redis bus on a real Worker (connection_rig.h) and a real redis-server:
// a worker subscribes to a room's channel once it has a member there, a
// message another node published reaches that member, and an envelope that
// is malformed, or this node's own, is not delivered. Skipped without
// redis-server (failed with WSHUB_REQUIRE_REDIS=1).
#include <chrono>
#include <string>
#include <thread>

#include "check.h"
#include "connection_rig.h"
#include "link_host.h"
#include "redis_server.h"

using namespace wshub;
using namespace connection_test;

namespace {

// Steps the worker until `done` or 5 s.
template <typename F>
bool pump_until(Rig& rig, F done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        rig.worker->step(5);
    }
    return true;
}

std::string envelope(std::string_view node, std::string_view payload, char opcode = 1) {
    std::string e = "W1";
    e += opcode;
    e += char(node.size());
    e += node;
    e += char(0);
    e += std::string(16, '\1');  // sequence number, time
    e += payload;
    return e;
}

// Publishes from a plain client, as another node would.
void publish(int port, const std::string& channel, const std::string& message) {
    redis_test::Client c;
    CHECK(c.connect(port));
    CHECK(c.send({"PUBLISH", channel, message}));
    CHECK(!c.next_reply().empty());
}

}  // namespace

TEST(redis_bus_brings_other_nodes_messages_to_this_workers_members) {
    redis_test::Server* server = link_test::shared_for("redis_bus_brings_other_nodes_messages_to_this_workers_members");
    if (!server) return;
    const std::string url = "redis://127.0.0.1:" + std::to_string(server->port());
    Rig rig({"--redis", url.c_str(), "--redis-prefix", "bus-test", "--node-id", "here"});
    CHECK(pump_until(rig, [&] { return rig.counters().redis_up.get() == 1; }));
    const int member = rig.connect();
    CHECK(open_ws(rig, member, "/raw?room=r"));
    CHECK_EQ(rig.counters().redis_subscriptions.get(), 1u);
    rig.pump();  // the SUBSCRIBE goes out at the end of the pass
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const std::string channel = "bus-test:room:4:/raw:r";
    publish(server->port(), channel, envelope("there", "hello from there"));
    publish(server->port(), channel, "not an envelope");
    publish(server->port(), channel, envelope("here", "my own, back from Redis"));
    publish(server->port(), channel, envelope("there", "second"));
    std::string got;
    CHECK(pump_until(rig, [&] {
        got += read_all(member);
        return frames_of(got).size() >= 2 && rig.counters().redis_received.get() >= 2;
    }));
    const auto frames = frames_of(got);
    CHECK_EQ(frames.size(), 2u);
    if (frames.size() == 2) {
        CHECK_EQ(frames[0].payload, std::string("hello from there"));
        CHECK_EQ(frames[1].payload, std::string("second"));
    }
    CHECK_EQ(rig.counters().redis_dropped[size_t(metrics::RedisDrop::malformed)].get(), 1u);
}

TEST(redis_bus_publishes_this_nodes_room_messages_once) {
    redis_test::Server* server = link_test::shared_for("redis_bus_publishes_this_nodes_room_messages_once");
    if (!server) return;
    redis_test::Client listener;
    CHECK(listener.connect(server->port()));
    CHECK(listener.send({"SUBSCRIBE", "bus-test2:room:4:/raw:r"}));
    CHECK(!listener.next_reply().empty());
    const std::string url = "redis://127.0.0.1:" + std::to_string(server->port());
    Rig rig({"--redis", url.c_str(), "--redis-prefix", "bus-test2", "--node-id", "n1"});
    CHECK(pump_until(rig, [&] { return rig.counters().redis_up.get() == 1; }));
    const int a = rig.connect(), b = rig.connect();
    CHECK(open_ws(rig, a, "/raw?room=r"));
    CHECK(open_ws(rig, b, "/raw?room=r"));
    write_all(a, masked(0x1, "one") + masked(0x2, "two"));
    rig.pump();
    CHECK_EQ(frames_of(read_all(b)).size(), 2u);  // the local member, directly
    CHECK_EQ(rig.counters().redis_published.get(), 2u);
    // The room's channel also carries who joins ('J') and who asks ('Q').
    const auto next_message = [&] {
        std::string reply;
        for (int i = 0; i < 8 && reply.find("\r\nW1") == std::string::npos; ++i) reply = listener.next_reply();
        return reply;
    };
    const std::string first = next_message(), second = next_message();
    // ">3 $7 message $<channel> $<envelope>": the envelope names the node and ends with the payload.
    CHECK(first.find("n1") != std::string::npos && first.size() > 3 && first.substr(first.size() - 5) == "one\r\n");
    CHECK(second.find("n1") != std::string::npos && second.substr(second.size() - 5) == "two\r\n");
    // Both came back to this node too (its worker is subscribed): not delivered
    // again, but timed.
    const auto observed = [&] {
        const auto& trip = rig.counters().redis_round_trip;
        uint64_t n = 0;  // the buckets are not cumulative
        for (size_t i = 0; i <= trip.kBounds; ++i) n += trip.bucket(i);
        return n;
    };
    CHECK(pump_until(rig, [&] { return observed() == 2; }));
    CHECK(read_all(b).empty());
}

namespace {

std::string readyz(Rig& rig) {
    const int fd = rig.connect();
    write_all(fd, "GET /readyz HTTP/1.1\r\nHost: t\r\n\r\n");
    rig.pump();
    const std::string got = read_all(fd);
    return got.substr(0, 12) + " " + got.substr(got.find("\r\n\r\n") + 4);
}

}  // namespace

TEST(redis_bus_required_makes_readyz_wait_for_redis) {
    redis_test::Server* server = link_test::shared_for("redis_bus_required_makes_readyz_wait_for_redis");
    if (!server) return;
    // Nothing listens on port 1 of loopback.
    Rig away({"--redis", "redis://127.0.0.1:1", "--redis-required", "true"});
    CHECK_EQ(readyz(away), std::string("HTTP/1.1 503 redis unreachable\n"));
    Rig optional({"--redis", "redis://127.0.0.1:1"});
    CHECK_EQ(readyz(optional), std::string("HTTP/1.1 200 ready\n"));
    const std::string url = "redis://127.0.0.1:" + std::to_string(server->port());
    Rig there({"--redis", url.c_str(), "--redis-required", "true"});
    CHECK(pump_until(there, [&] { return there.counters().redis_up.get() == 1; }));
    CHECK_EQ(readyz(there), std::string("HTTP/1.1 200 ready\n"));
}
