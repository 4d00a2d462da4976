// redis::SinglePubSub against a real redis-server: channels subscribed
// before and after the connection comes up get their messages, unsubscribed
// ones stop; a server restarted gets every subscription back without the
// owner asking; a subscribe refused by a full queue (server stalled) is
// held back and sent once there is room. Skipped without redis-server
// (failed with WSHUB_REQUIRE_REDIS=1).
#include <string>
#include <vector>

#include "check.h"
#include "link_host.h"
#include "pubsub_host.h"
#include "redis/single_pubsub.h"
#include "redis_server.h"

using namespace wshub::redis;
using pubsub_test::Host;

namespace {

LinkOptions options_with_queue(size_t queue_bytes) {
    LinkOptions o = link_test::quick_options();
    o.queue_bytes = queue_bytes;
    return o;
}

// Publishes `payload` on `channel` from a plain client, again each pass,
// until the client under test has it (a subscription takes a round trip).
bool arrives(Host& host, int port, const std::string& channel, const std::string& payload) {
    redis_test::Client c;
    if (!c.connect(port)) return false;
    return host.run_until([&] {
        if (c.send({"PUBLISH", channel, payload})) c.next_reply();
        return host.received(channel, payload);
    });
}

// PUBSUB NUMSUB channel, as seen by the server.
std::string subscribers(int port, const std::string& channel) {
    redis_test::Client c;
    if (!c.connect(port)) return "no connection";
    const std::string described = redis_test::round_trip(c, {"PUBSUB", "NUMSUB", channel});
    return described.rfind("complete ", 0) == 0 ? described.substr(described.find(' ', 9) + 1) : described;
}

// What subscribers() says for `n` subscribers of `channel`.
std::string numsub(const std::string& channel, int n) {
    return "*[$\"" + channel + "\", :" + std::to_string(n) + "]";
}

}  // namespace

TEST(redis_pubsub_single_subscribe_publish_unsubscribe) {
    redis_test::Server* server = link_test::shared_for("redis_pubsub_single_subscribe_publish_unsubscribe");
    if (server == nullptr) return;
    Host host;
    SinglePubSub client(host, host, link_test::endpoint_at(server->port()), link_test::quick_options());
    host.client = &client;
    CHECK_EQ(client.max_links(), 1u);
    CHECK(client.publish("single:a", "too early") == Publish::down);
    client.subscribe("single:a");
    client.subscribe("single:a");  // once in the set
    client.subscribe("single:b");
    CHECK_EQ(client.subscriptions(), 2u);
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));
    CHECK_EQ(host.ups, 1);
    client.subscribe("single:c");
    CHECK(arrives(host, server->port(), "single:a", "from outside"));
    CHECK(arrives(host, server->port(), "single:c", "to c"));
    CHECK(client.publish("single:b", std::string("own\0bytes", 9)) == Publish::sent);
    CHECK(host.run_until([&] { return host.received("single:b", std::string("own\0bytes", 9)); }));
    // Other commands' replies come to on_command_reply; PUBLISH's never do.
    CHECK(client.command("single:key", {"SET", "single:key", "value"}));
    CHECK(client.command("single:key", {"GET", "single:key"}));
    CHECK(host.run_until([&] { return host.command_replies.size() == 2; }));
    if (host.command_replies.size() == 2) CHECK_EQ(host.command_replies[1], std::string("value"));

    // Unsubscribed: the server forgets it, and nothing more of it comes.
    client.unsubscribe("single:b");
    client.unsubscribe("single:never");
    CHECK_EQ(client.subscriptions(), 2u);
    CHECK(host.run_until([&] { return subscribers(server->port(), "single:b") == numsub("single:b", 0); }));
    CHECK(client.publish("single:b", "after") == Publish::sent);
    CHECK(client.publish("single:a", "marker") == Publish::sent);
    CHECK(host.run_until([&] { return host.received("single:a", "marker"); }));
    CHECK(!host.received("single:b", "after"));
    CHECK(host.payloads_on("single:b") == std::vector<std::string>{std::string("own\0bytes", 9)});
    CHECK(host.downs.empty() && host.errors.empty());
}

// Stopped and started again: one loss of the up client, publishes dropped
// as down meanwhile, and every channel of the set subscribed again (more
// than one SUBSCRIBE's worth) without the owner doing anything.
TEST(redis_pubsub_single_restart_restores_subscriptions) {
    auto server = link_test::private_for("redis_pubsub_single_restart_restores_subscriptions");
    if (server == nullptr) return;
    Host host;
    SinglePubSub client(host, host, link_test::endpoint_at(server->port()), link_test::quick_options());
    host.client = &client;
    const size_t count = 2 * kChannelsPerSubscribe + 7;
    for (size_t i = 0; i < count; ++i) client.subscribe("many:" + std::to_string(i));
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));
    CHECK(arrives(host, server->port(), "many:0", "before"));

    server->terminate();
    CHECK(host.run_until([&] { return !host.downs.empty(); }));
    CHECK(!client.up());
    CHECK(host.downs[0].was_up && host.downs[0].client_was_up);
    CHECK_EQ(host.downs[0].link, 0u);
    CHECK(client.publish("many:1", "while down") == Publish::down);

    std::string why;
    CHECK(server->restart(why));
    CHECK(host.run_until([&] { return host.ups == 2; }));
    for (size_t i : {size_t{0}, kChannelsPerSubscribe, count - 1}) {
        const std::string channel = "many:" + std::to_string(i);
        CHECK(host.run_until([&] { return subscribers(server->port(), channel) == numsub(channel, 1); }));
        CHECK(arrives(host, server->port(), channel, "after"));
    }
    for (size_t i = 1; i < host.downs.size(); ++i) CHECK(!host.downs[i].client_was_up);
}

// A stalled server (SIGSTOP) fills the queue: publishes are refused as
// queue_full and a subscribe is held back, not lost; once the server reads
// again the held subscribe goes out and its messages arrive.
TEST(redis_pubsub_single_full_queue_holds_subscribes_back) {
    auto server = link_test::private_for("redis_pubsub_single_full_queue_holds_subscribes_back");
    if (server == nullptr) return;
    Host host;
    SinglePubSub client(host, host, link_test::endpoint_at(server->port()), options_with_queue(64 * 1024));
    host.client = &client;
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));

    server->pause();
    const std::string payload(4000, 'p');
    size_t unchanged = 0, last = SIZE_MAX;
    CHECK(host.run_until([&] {
        while (client.publish("stall:pub", payload) == Publish::sent) {}
        while (client.publish("stall:pub", "") == Publish::sent) {}  // to the last bytes
        unchanged = client.link().queued_bytes() == last ? unchanged + 1 : 0;
        last = client.link().queued_bytes();
        return unchanged >= 5;
    }, 20000));
    CHECK(client.publish("stall:pub", "") == Publish::queue_full);
    // Longer than a PUBLISH the queue just refused.
    const std::string held = "stall:held:" + std::string(40, 'h'), held2 = held + "2";
    client.subscribe(held);
    client.subscribe(held2);
    CHECK_EQ(client.held_back(), 2u);
    client.unsubscribe(held2);  // gone from the set: skipped when its turn comes
    host.pass(0);
    CHECK_EQ(client.held_back(), 2u);  // still no room

    server->resume();
    CHECK(host.run_until([&] { return client.held_back() == 0; }, 30000));
    CHECK(arrives(host, server->port(), held, "room again"));
    CHECK_EQ(subscribers(server->port(), held2), numsub(held2, 0));
    CHECK(host.downs.empty());
}
