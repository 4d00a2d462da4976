// redis::ClusterPubSub against a real Redis Cluster of three primaries
// (redis_trio.h): the map learned past a seed that does not answer, channels
// on every shard published and received; a slot moved to another node
// followed (a sunsubscribe push or a MOVED, then a new map) until its
// messages arrive again from the new owner; one node restarted: its
// channels down then back, the other two never stopping. Skipped without
// redis-server (failed with WSHUB_REQUIRE_REDIS=1).
#include <array>
#include <algorithm>
#include <string>
#include <vector>

#include "check.h"
#include "link_host.h"
#include "pubsub_host.h"
#include "redis/cluster_pubsub.h"
#include "redis/slot.h"
#include "redis_trio.h"

using namespace wshub::redis;
using pubsub_test::Host;
using redis_test::Trio;

namespace {

std::unique_ptr<Trio> trio_for(const char* test) {
    std::string why;
    bool installed = false;
    auto trio = Trio::start(why, installed);
    if (trio == nullptr && link_test::redis_required(installed))
        check::fail(__FILE__, __LINE__, std::string("no Redis cluster: ") + why);
    else if (trio == nullptr)
        std::fprintf(stderr, "  %s: skipped: %s\n", test, why.c_str());
    return trio;
}

// One channel served by each node, by the split the trio starts with.
std::array<std::string, 3> channel_per_node(const std::string& prefix) {
    std::array<std::string, 3> out;
    for (int i = 0, found = 0; found < 3; ++i) {
        const std::string channel = prefix + std::to_string(i);
        std::string& slot = out[Trio::first_owner(key_slot(channel))];
        if (slot.empty()) slot = channel, ++found;
    }
    return out;
}

// A seed that refuses (a port nothing listens on), then the trio's nodes.
std::vector<Endpoint> seeds_of(Trio& trio) {
    std::vector<Endpoint> seeds = {link_test::endpoint_at(1)};
    for (size_t i = 0; i < 3; ++i) seeds.push_back(link_test::endpoint_at(trio.port(i)));
    return seeds;
}

ClusterOptions quick_cluster() {
    ClusterOptions o;
    o.link = link_test::quick_options();
    o.refresh_min_ms = 50;
    return o;
}

// Publishes through the client, again each pass, until it comes back to
// the same client on its subscription.
bool round_trip(Host& host, ClusterPubSub& client, const std::string& channel, const std::string& payload) {
    return host.run_until([&] {
        client.publish(channel, payload);
        return host.received(channel, payload);
    });
}

// SPUBLISH from a plain client on node `i`, again each pass, until received.
bool arrives_from(Host& host, Trio& trio, size_t i, const std::string& channel, const std::string& payload) {
    redis_test::Client c;
    if (!c.connect(trio.port(i))) return false;
    return host.run_until([&] {
        if (c.send({"SPUBLISH", channel, payload})) c.next_reply();
        return host.received(channel, payload);
    });
}

}  // namespace

TEST(redis_pubsub_cluster_every_shard) {
    auto trio = trio_for("redis_pubsub_cluster_every_shard");
    if (trio == nullptr) return;
    Host host;
    ClusterPubSub client(host, host, seeds_of(*trio), quick_cluster());
    host.client = &client;
    const auto channels = channel_per_node("every:");
    client.subscribe(channels[0]);
    client.subscribe(channels[1]);
    CHECK(client.publish(channels[0], "before start") == Publish::down);
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));
    CHECK_EQ(host.ups, 1);
    CHECK_EQ(client.primaries(), 3u);
    CHECK_GE(client.maps_taken(), 1u);
    // The refusing seed was tried first, and told as a seed link's loss.
    CHECK(!host.downs.empty() && host.downs[0].link == ClusterPubSub::kSeedLink && !host.downs[0].client_was_up);
    client.subscribe(channels[2]);
    CHECK_EQ(client.subscriptions(), 3u);
    std::vector<size_t> links;
    for (size_t i = 0; i < 3; ++i) {
        CHECK(round_trip(host, client, channels[i], "own " + std::to_string(i)));
        CHECK(arrives_from(host, *trio, i, channels[i], "from node " + std::to_string(i)));
        links.push_back(client.link_of(channels[i]));
        CHECK_GE(links.back(), ClusterPubSub::kFirstPrimary);
        CHECK_LT(links.back(), ClusterPubSub::kLinks);
    }
    CHECK(links[0] != links[1] && links[1] != links[2] && links[0] != links[2]);
    // A keyed command goes to its key's shard (no MOVED), its reply back.
    for (size_t i = 0; i < 3; ++i) CHECK(client.command(channels[i], {"SET", channels[i], "v" + std::to_string(i)}));
    for (size_t i = 0; i < 3; ++i) CHECK(client.command(channels[i], {"GET", channels[i]}));
    CHECK(host.run_until([&] { return host.command_replies.size() == 6; }));
    // In order per shard; the shards' replies interleave as they come.
    std::vector<std::string> replies = host.command_replies;
    std::sort(replies.begin(), replies.end());
    std::string all;
    for (const std::string& r : replies) all += r + " ";
    CHECK_EQ(all, std::string("OK OK OK v0 v1 v2 "));

    // Unsubscribed: nothing more of it, the others go on.
    client.unsubscribe(channels[1]);
    CHECK(client.publish(channels[1], "after") == Publish::sent);
    CHECK(round_trip(host, client, channels[0], "marker"));
    CHECK(host.run_until([&] { return host.received(channels[0], "marker"); }));
    CHECK(!host.received(channels[1], "after"));
    CHECK(host.failed_publishes.empty());
    CHECK(host.errors.empty());
}

// A slot moved from its node to the next: the client follows (the old
// owner's sunsubscribe push, or MOVED to a publish), subscribes on the new
// owner, and the channel's messages arrive again, from the new owner too.
TEST(redis_pubsub_cluster_follows_a_moved_slot) {
    auto trio = trio_for("redis_pubsub_cluster_follows_a_moved_slot");
    if (trio == nullptr) return;
    Host host;
    ClusterPubSub client(host, host, seeds_of(*trio), quick_cluster());
    host.client = &client;
    const auto channels = channel_per_node("moving:");
    for (const std::string& c : channels) client.subscribe(c);
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));
    CHECK(round_trip(host, client, channels[0], "before"));
    const size_t maps = client.maps_taken();
    // A client that only publishes: nothing tells it of the move but MOVED.
    Host publisher_host;
    ClusterPubSub publisher(publisher_host, publisher_host, seeds_of(*trio), quick_cluster());
    publisher_host.client = &publisher;
    publisher.start();
    CHECK(publisher_host.run_until([&] { return publisher.up(); }));

    std::string why;
    CHECK(trio->move_slot(key_slot(channels[0]), 1, why));
    if (!why.empty()) std::fprintf(stderr, "  %s\n", why.c_str());
    int n = 0;
    CHECK(host.run_until([&] {
        client.publish(channels[0], "after " + std::to_string(n++));
        return client.link_of(channels[0]) == client.link_of(channels[1]) && host.payloads_on(channels[0]).size() > 1;
    }));
    CHECK_GT(client.maps_taken(), maps);
    CHECK(arrives_from(host, *trio, 1, channels[0], "from its new owner"));
    CHECK(round_trip(host, client, channels[2], "the others unmoved"));
    // Publishes sent to the old owner may have come back MOVED: lost, said so.
    for (const std::string& e : host.failed_publishes) CHECK_EQ(e.substr(0, 6), "MOVED ");
    CHECK(host.errors.empty());
    CHECK(client.up());

    // The publisher's first publish there is answered MOVED: lost, said
    // so, and the map taken again; its next ones reach the subscriber.
    CHECK(publisher.publish(channels[0], "to the old owner") == Publish::sent);
    CHECK(publisher_host.run_until([&] { return !publisher_host.failed_publishes.empty(); }));
    if (!publisher_host.failed_publishes.empty())
        CHECK_EQ(publisher_host.failed_publishes[0].substr(0, 6), "MOVED ");
    CHECK(publisher_host.run_until([&] { return publisher.link_of(channels[0]) == publisher.link_of(channels[1]); }));
    CHECK_GE(publisher.maps_taken(), 2u);
    CHECK(publisher.publish(channels[0], "via the new owner") == Publish::sent);
    CHECK(host.run_until([&] {
        publisher_host.pass(0);
        return host.received(channels[0], "via the new owner");
    }));
    CHECK(!host.received(channels[0], "to the old owner"));
}

// One node stopped: its channels' publishes are down and the client is not
// up, while the other two nodes' channels go on; started again, its
// channels are subscribed again without the owner asking.
TEST(redis_pubsub_cluster_one_shard_restarted) {
    auto trio = trio_for("redis_pubsub_cluster_one_shard_restarted");
    if (trio == nullptr) return;
    Host host;
    ClusterPubSub client(host, host, seeds_of(*trio), quick_cluster());
    host.client = &client;
    const auto channels = channel_per_node("restart:");
    for (const std::string& c : channels) client.subscribe(c);
    client.start();
    CHECK(host.run_until([&] { return client.up(); }));
    for (size_t i = 0; i < 3; ++i) CHECK(round_trip(host, client, channels[i], "before " + std::to_string(i)));
    const size_t lost_link = client.link_of(channels[2]);
    const size_t downs = host.downs.size();

    trio->node(2).terminate();
    CHECK(host.run_until([&] { return host.downs.size() > downs; }));
    CHECK_EQ(host.downs[downs].link, lost_link);
    CHECK(host.downs[downs].was_up && host.downs[downs].client_was_up);
    CHECK(!client.up());
    CHECK(client.publish(channels[2], "while down") == Publish::down);
    for (size_t i = 0; i < 2; ++i) CHECK(round_trip(host, client, channels[i], "during " + std::to_string(i)));

    std::string why;
    CHECK(trio->node(2).restart(why));
    CHECK(host.run_until([&] { return client.up(); }, 20000));
    CHECK_EQ(host.ups, 2);
    CHECK_EQ(client.link_of(channels[2]), lost_link);
    CHECK(arrives_from(host, *trio, 2, channels[2], "back"));
    for (size_t i = 0; i < 3; ++i) CHECK(round_trip(host, client, channels[i], "after " + std::to_string(i)));
    for (size_t i = downs + 1; i < host.downs.size(); ++i) CHECK(!host.downs[i].client_was_up);
}
