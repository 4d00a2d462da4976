// What a worker knows of a room's members on other nodes (bus/roster.h) and
// of the nodes themselves (bus/node_table.h).
#include <algorithm>
#include <string>
#include <vector>

#include "bus/envelope.h"
#include "bus/node_table.h"
#include "bus/roster.h"
#include "check.h"

using namespace wshub;
using bus::Farewell;
using bus::Roster;

namespace {

hub::MemberId id(uint32_t node, unsigned worker, uint32_t slot) { return hub::member_id(node, worker, slot, 1); }

bus::RosterHead head(bus::Origin from, bool reset, bus::Generation gen = 1) {
    return {.ns = 0, .room = "r", .from = from, .gen = gen, .to = {bus::kEveryNode, 0}, .reset = reset};
}

std::string entries(std::initializer_list<Farewell> fs) {
    std::string out;
    for (const Farewell& f : fs) bus::add_roster_entry(out, f);
    return out;
}

// The farewells handed out, joined by ' '.
std::string dropped(Roster& r, uint32_t node, int worker) {
    std::string said;
    r.drop(node, worker, [&](uint8_t, std::string_view farewell) {
        said += said.empty() ? "" : " ";
        said += farewell;
    });
    return said;
}

std::string numbers(const std::vector<uint32_t>& v) {
    std::string s;
    for (const uint32_t n : v) s += (s.empty() ? "" : " ") + std::to_string(n);
    return s;
}

}  // namespace

TEST(bus_roster_follows_joins_leaves_and_answers) {
    Roster r;
    r.joined({id(2, 0, 1), 1, "bye 1", {}}, 1, 1);
    r.joined({id(2, 0, 2), 0, {}, {}}, 1, 1);
    r.joined({id(3, 1, 1), 1, "bye 3", {}}, 1, 1);
    CHECK_EQ(r.size(), 3u);
    r.left(id(2, 0, 2));
    r.left(id(9, 0, 9));  // unknown: nothing
    CHECK_EQ(r.size(), 2u);
    // An answer from node 2's worker 0 replaces what was known of it.
    CHECK(r.answer(head({2, 0}, true), entries({{id(2, 0, 7), 1, "bye 7", {}}, {id(2, 0, 8), 0, {}, {}}}), 1));
    CHECK(r.find(id(2, 0, 1)) == nullptr);
    CHECK(r.find(id(2, 0, 7)) != nullptr);
    CHECK_EQ(r.size(), 3u);
    // A later part adds.
    CHECK(r.answer(head({2, 0}, false), entries({{id(2, 0, 9), 0, {}, {}}}), 1));
    CHECK_EQ(r.size(), 4u);
    // An answer may only speak for its own worker's members.
    CHECK(!r.answer(head({2, 1}, false), entries({{id(2, 0, 10), 0, {}, {}}}), 1));
    CHECK(r.find(id(2, 0, 10)) == nullptr);
}

TEST(bus_roster_hands_out_farewells_of_a_gone_node_once) {
    Roster r;
    r.joined({id(2, 0, 1), 1, "a", {}}, 1, 1);
    r.joined({id(2, 1, 1), 1, "b", {}}, 1, 1);
    r.joined({id(2, 1, 2), 0, {}, {}}, 1, 1);  // no farewell: dropped in silence
    r.joined({id(3, 0, 1), 1, "c", {}}, 1, 1);
    CHECK_EQ(dropped(r, 2, 1), std::string("b"));  // one worker's goodbye
    CHECK_EQ(r.size(), 2u);
    CHECK_EQ(dropped(r, 2, Roster::kAllWorkers), std::string("a"));
    CHECK_EQ(dropped(r, 2, Roster::kAllWorkers), std::string());
    CHECK_EQ(r.size(), 1u);
    CHECK(r.find(id(3, 0, 1)) != nullptr);
}

TEST(bus_roster_sweeps_what_an_outage_left_unconfirmed) {
    Roster r;
    r.joined({id(2, 0, 1), 1, "a", {}}, 1, 1);
    r.joined({id(2, 0, 2), 1, "b", {}}, 1, 1);
    r.joined({id(4, 0, 1), 1, "c", {}}, 1, 1);
    r.joined({id(5, 0, 1), 1, "d", {}}, 1, 1);
    // Back from an outage: epoch 2; node 2 answers with one member, node 4
    // (whose members all left meanwhile) is heard but does not answer, node 5
    // is not heard at all (it may be dead: its expiry, with farewells, decides).
    CHECK(r.answer(head({2, 0}, true), entries({{id(2, 0, 2), 1, "b", {}}}), 2));
    r.sweep(2, [](uint32_t node) { return node != 5; });
    CHECK_EQ(r.size(), 2u);
    CHECK(r.find(id(2, 0, 2)) != nullptr);
    CHECK(r.find(id(5, 0, 1)) != nullptr);
}

TEST(bus_node_table_drops_nodes_unheard_for_the_timeout) {
    bus::NodeTable t;
    t.heard(5, 1000);
    t.heard(6, 1500);
    CHECK(t.expire(2000, 1000).empty());
    t.heard(5, 2100);
    CHECK_EQ(numbers(t.expire(2600, 1000)), std::string("6"));
    CHECK(!t.known(6));
    // While this worker hears nobody, nobody's clock runs out.
    t.restart_clocks(9000);
    CHECK(t.expire(9500, 1000).empty());
    CHECK_EQ(numbers(t.expire(10001, 1000)), std::string("5"));
    CHECK_EQ(t.size(), 0u);
}

TEST(bus_roster_forgets_a_returning_worker_in_either_order) {
    // Its "back" first, then its answer: the answer stands.
    Roster r;
    r.joined({id(2, 1, 1), 1, "stale", {}}, 1, 3);
    r.joined({id(2, 0, 1), 1, "other worker", {}}, 1, 3);
    r.forget(2, 1, 4);
    CHECK(r.answer(head({2, 1}, true, 4), entries({{id(2, 1, 2), 1, "fresh", {}}}), 1));
    CHECK_EQ(r.size(), 2u);
    // The answer first (another shard was quicker), then the "back": the
    // answer of the new generation still stands.
    Roster q;
    q.joined({id(2, 1, 1), 1, "stale", {}}, 1, 3);
    CHECK(q.answer(head({2, 1}, false, 4), entries({{id(2, 1, 2), 1, "fresh", {}}}), 1));
    q.forget(2, 1, 4);
    CHECK(q.find(id(2, 1, 1)) == nullptr);
    CHECK(q.find(id(2, 1, 2)) != nullptr);
}

TEST(bus_roster_keeps_each_members_user) {
    Roster r;
    r.joined({id(2, 0, 1), 1, "bye", "alice"}, 1, 1);
    CHECK(r.answer(head({3, 0}, true), entries({{id(3, 0, 4), 0, {}, "bob"}, {id(3, 0, 5), 0, {}, {}}}), 1));
    std::vector<std::string> users;
    r.each([&](uint64_t member, const Roster::Entry& e) {
        users.push_back(std::to_string(member == id(2, 0, 1) ? 1 : member == id(3, 0, 4) ? 4 : 5) + "=" + e.user);
        return true;
    });
    std::sort(users.begin(), users.end());
    CHECK_EQ(users.size(), 3u);
    if (users.size() == 3) {
        CHECK_EQ(users[0], "1=alice");
        CHECK_EQ(users[1], "4=bob");
        CHECK_EQ(users[2], "5=");
    }
    size_t seen = 0;
    r.each([&](uint64_t, const Roster::Entry&) { return ++seen < 2; });
    CHECK_EQ(seen, 2u);  // stops when told
}
