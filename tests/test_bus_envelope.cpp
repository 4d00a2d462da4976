// The envelopes nodes send each other (bus/envelope.h): each kind read back
// as written; every proper prefix, and the same with a byte more where the
// length is fixed, refused; kinds never taken for one another.
#include <string>
#include <vector>

#include "bus/envelope.h"
#include "check.h"

using namespace wshub::bus;

namespace {

// Every envelope kind, once, as the nodes write them.
std::vector<std::string> samples() {
    std::vector<std::string> all(10);
    put_message(all[0], {.opcode = 1, .node_id = "node-a", .worker = 3, .seq = 7, .sent_us = 99, .payload = "hi"});
    put_direct(all[1], {.opcode = 2, .ns = 258, .target = 0x1234567890ull, .payload = std::string("\0\1", 2)});
    put_joined(all[2], {.member = 42, .opcode = 1, .payload = "{\"bye\":1}", .user = "alice"}, 3);
    put_left(all[3], 42);
    put_query(all[4], {513, 7});
    put_roster_head(all[5], {.ns = 1, .room = "chess", .from = {9, 1}, .gen = 4, .to = {kEveryNode, 0}, .reset = true});
    add_roster_entry(all[5], {.member = 5, .opcode = 0, .payload = {}, .user = {}});
    add_roster_entry(all[5], {.member = 6, .opcode = 1, .payload = "farewell", .user = "bob"});
    put_heartbeat(all[6], {.node = 300, .worker = 0, .node_id = "n"});
    put_bye(all[7], {.node = 300, .worker = 2, .node_id = "n"});
    put_back(all[8], {.node = 301, .worker = 1, .gen = 77, .node_id = "n"});
    put_ping(all[9], {.node = 302, .worker = 0, .node_id = "n#1"});
    return all;
}

bool reads(const std::string& e) {
    Message m;
    Direct d;
    Farewell f;
    Generation g = 0;
    uint64_t id = 0;
    Origin o;
    RosterHead h;
    std::string_view entries;
    NodeNews n;
    switch (Kind(kind_of(e))) {
    case Kind::message: return read_message(e, m);
    case Kind::direct: return read_direct(e, d);
    case Kind::joined: return read_joined(e, f, g);
    case Kind::left: return read_left(e, id);
    case Kind::query: return read_query(e, o);
    case Kind::roster: return read_roster(e, h, entries);
    case Kind::heartbeat:
    case Kind::bye:
    case Kind::back:
    case Kind::ping: return read_node_news(e, n);
    }
    return false;
}

}  // namespace

TEST(bus_envelopes_read_back_as_written) {
    const auto all = samples();
    Message m;
    CHECK(read_message(all[0], m));
    CHECK_EQ(std::string(m.node_id), std::string("node-a"));
    CHECK_EQ(int(m.worker), 3);
    CHECK_EQ(m.seq, 7u);
    CHECK_EQ(m.sent_us, 99u);
    CHECK_EQ(std::string(m.payload), std::string("hi"));
    Direct d;
    CHECK(read_direct(all[1], d));
    CHECK_EQ(int(d.ns), 258);
    CHECK_EQ(d.target, 0x1234567890ull);
    CHECK_EQ(std::string(d.payload), std::string("\0\1", 2));
    Farewell f;
    Generation g = 0;
    CHECK(read_joined(all[2], f, g));
    CHECK_EQ(f.member, 42u);
    CHECK_EQ(g, 3u);
    CHECK_EQ(std::string(f.payload), std::string("{\"bye\":1}"));
    CHECK_EQ(std::string(f.user), std::string("alice"));
    uint64_t id = 0;
    CHECK(read_left(all[3], id));
    CHECK_EQ(id, 42u);
    Origin o;
    CHECK(read_query(all[4], o));
    CHECK_EQ(int(o.node), 513);
    CHECK_EQ(int(o.worker), 7);
    RosterHead h;
    std::string_view entries;
    CHECK(read_roster(all[5], h, entries));
    CHECK_EQ(std::string(h.room), std::string("chess"));
    CHECK(h.reset);
    CHECK_EQ(int(h.from.node), 9);
    CHECK_EQ(h.gen, 4u);
    CHECK_EQ(int(h.to.node), int(kEveryNode));
    RosterEntries walk(entries);
    std::vector<std::string> seen;
    while (walk.next(f))
        seen.push_back(std::to_string(f.member) + ":" + std::string(f.user) + ":" + std::string(f.payload));
    CHECK(!walk.bad());
    CHECK_EQ(seen.size(), 2u);
    if (seen.size() == 2) CHECK_EQ(seen[0], std::string("5::"));
    if (seen.size() == 2) CHECK_EQ(seen[1], std::string("6:bob:farewell"));
    NodeNews n;
    CHECK(read_node_news(all[7], n));
    CHECK_EQ(kind_of(all[7]), 'B');
    CHECK_EQ(int(n.worker), 2);
    CHECK_EQ(int(n.node), 300);
    CHECK(read_node_news(all[8], n));
    CHECK_EQ(n.gen, 77u);
}

TEST(bus_envelopes_cut_short_are_refused) {
    const auto all = samples();
    // Messages, direct messages and joins end with their payload (2, 2 and
    // 9 bytes in the samples): cut inside it, one is a shorter one.
    const size_t payload[10] = {2, 2, 9, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < all.size(); ++i) {
        const std::string& e = all[i];
        CHECK(reads(e));
        for (size_t n = 0; n < e.size() - payload[i]; ++n) {
            const std::string cut = e.substr(0, n);
            // A roster cut between entries is a roster with fewer.
            if (kind_of(cut) == 'R') continue;
            if (reads(cut)) CHECK_EQ("read a prefix of " + std::to_string(n) + " bytes of kind " + e[1], "");
        }
    }
    // Fixed-length kinds refuse a byte more.
    for (const size_t i : {3, 4, 6, 7, 8, 9}) CHECK(!reads(all[i] + "x"));
}

TEST(bus_roster_entries_cut_short_stop_the_walk) {
    std::string e;
    put_roster_head(e, {.ns = 0, .room = "r", .from = {1, 0}, .gen = 1, .to = {2, 0}, .reset = false});
    add_roster_entry(e, {.member = 5, .opcode = 1, .payload = "abc", .user = {}});
    RosterHead h;
    std::string_view entries;
    for (size_t cut = 1; cut < 14; ++cut) {  // into the entry (14 bytes), never the head
        const std::string short_of = e.substr(0, e.size() - cut);  // the views point into it
        CHECK(read_roster(short_of, h, entries));
        RosterEntries walk(entries);
        Farewell f;
        CHECK(!walk.next(f));
        CHECK(walk.bad() || entries.empty());
    }
}

TEST(bus_envelopes_of_other_shapes_are_not_ours) {
    CHECK_EQ(kind_of(""), 0);
    CHECK_EQ(kind_of("W"), 0);
    CHECK_EQ(kind_of("WZ123"), 0);
    CHECK_EQ(kind_of("X1abc"), 0);
    Farewell f;
    Generation g = 0;
    std::string bad;
    put_joined(bad, {.member = 1, .opcode = 9, .payload = "x", .user = {}}, 1);  // not a data opcode
    CHECK(!read_joined(bad, f, g));
    bad.clear();
    put_joined(bad, {.member = 1, .opcode = 0, .payload = "x", .user = {}}, 1);  // no farewell, yet bytes
    CHECK(!read_joined(bad, f, g));
    bad.clear();
    put_joined(bad, {.member = 1, .opcode = 1, .payload = std::string(kMaxFarewell + 1, 'x'), .user = {}}, 1);
    CHECK(!read_joined(bad, f, g));
    bad.clear();
    put_joined(bad, {.member = 1, .opcode = 1, .payload = "x", .user = std::string(kMaxUser + 1, 'u')}, 1);
    CHECK(!read_joined(bad, f, g));
    Message m;
    std::string heartbeat;
    put_heartbeat(heartbeat, {.node = 1, .worker = 0, .node_id = "n"});
    CHECK(!read_message(heartbeat, m));
}
