// The hub's deliveries without sockets: rooms on several workers, the order
// members see, members leaving while a message is being given out, the
// per-pass budget and the backlog behind it.
#include <string>
#include <vector>

#include "check.h"
#include "hub_fixture.h"

using namespace wshub;
using hubtest::Cluster;
using hubtest::TestMember;

namespace {

std::vector<std::string> numbered(const std::string& prefix, int n) {
    std::vector<std::string> v;
    for (int i = 0; i < n; ++i) v.push_back(prefix + std::to_string(i));
    return v;
}

}  // namespace

TEST(hub_publish_reaches_members_on_every_worker_once) {
    Cluster c(3);
    TestMember& a = c[0].add_member();
    TestMember& b = c[1].add_member();
    TestMember& d = c[2].add_member();
    TestMember& outsider = c[2].add_member();
    c[0].join(a, "r");
    c[1].join(b, "r");
    c[2].join(d, "r");
    c[0].publish("r", "hello", &a);  // the sender is left out
    c.settle();
    CHECK(a.got.empty());
    CHECK_EQ(b.got.size(), 1u);
    CHECK_EQ(d.got.size(), 1u);
    CHECK(outsider.got.empty());
    CHECK_EQ(b.got[0], std::string("hello"));
}

TEST(hub_each_publishers_messages_arrive_in_order_on_every_worker) {
    Cluster c(2);
    TestMember& p0 = c[0].add_member();
    TestMember& p1 = c[1].add_member();
    std::vector<TestMember*> members;
    for (int i = 0; i < 3; ++i) members.push_back(&c[0].add_member());
    for (int i = 0; i < 3; ++i) members.push_back(&c[1].add_member());
    for (TestMember* m : members) (m->id & 0xFF ? c[1] : c[0]).join(*m, "r");
    // Both publishers interleave, with passes in between at odd moments.
    for (int i = 0; i < 50; ++i) {
        c[0].publish("r", "a" + std::to_string(i), &p0);
        c[1].publish("r", "b" + std::to_string(i), &p1);
        if (i % 7 == 0) c[0].pass();
        if (i % 5 == 0) c[1].pass();
    }
    c.settle();
    for (TestMember* m : members) {
        std::vector<std::string> from_a, from_b;
        for (const std::string& s : m->got) (s[0] == 'a' ? from_a : from_b).push_back(s);
        CHECK(from_a == numbered("a", 50));
        CHECK(from_b == numbered("b", 50));
    }
}

// What another worker handed over before a local publish is delivered here
// before it, even when this worker is behind (its backlog is not empty) and
// a new pass has budget to spare.
TEST(hub_handed_over_messages_stay_ahead_of_later_local_ones) {
    Cluster c(2);
    TestMember& remote = c[0].add_member();
    TestMember& local = c[1].add_member();
    std::vector<TestMember*> crowd;
    for (int i = 0; i < int(hub::kPassBudget) + 10; ++i) {
        crowd.push_back(&c[1].add_member());
        c[1].join(*crowd.back(), "big");
    }
    TestMember& listener = c[1].add_member();
    c[1].join(listener, "small");
    c[0].publish("big", "crowded", &remote);
    c[0].publish("small", "first", &remote);
    c[0].pass();  // hands both over
    c[1].hub->begin_pass();
    c[1].hub->take_inbox();
    c[1].hub->run_backlog();  // a budget's worth of "crowded": "first" still waits
    CHECK(listener.got.empty());
    c[1].hub->begin_pass();   // budget again, backlog not empty
    c[1].publish("small", "second", &local);
    c.settle();
    CHECK_EQ(listener.got.size(), 2u);
    if (listener.got.size() == 2) {
        CHECK_EQ(listener.got[0], std::string("first"));
        CHECK_EQ(listener.got[1], std::string("second"));
    }
    for (TestMember* m : crowd) CHECK_EQ(m->got.size(), 1u);
}

TEST(hub_a_pass_delivers_at_most_its_budget) {
    Cluster c(1);
    TestMember& sender = c[0].add_member();
    const int n = int(hub::kPassBudget) * 2 + 100;
    std::vector<TestMember*> members;
    for (int i = 0; i < n; ++i) {
        members.push_back(&c[0].add_member());
        c[0].join(*members.back(), "r");
    }
    c[0].hub->begin_pass();
    c[0].publish("r", "m", &sender);  // over the budget: it waits for the loop
    auto delivered = [&] {
        size_t k = 0;
        for (TestMember* m : members) k += m->got.size();
        return k;
    };
    CHECK_EQ(delivered(), 0u);
    c[0].hub->run_backlog();
    CHECK_EQ(delivered(), size_t(hub::kPassBudget));
    c[0].pass();
    CHECK_EQ(delivered(), 2 * size_t(hub::kPassBudget));
    c[0].pass();
    CHECK_EQ(delivered(), size_t(n));
    CHECK(!c[0].hub->busy());
    for (TestMember* m : members) CHECK_EQ(m->got.size(), 1u);
}

// A member that leaves (or makes others leave) while it is being given a
// message: everyone still in the room gets it exactly once, and a room
// whose members all left is freed once the walk is over.
TEST(hub_members_leaving_during_a_delivery_get_it_at_most_once) {
    for (int victim_step : {1, 2, 5}) {
        Cluster c(1);
        std::vector<TestMember*> members;
        for (int i = 0; i < 40; ++i) {
            members.push_back(&c[0].add_member());
            c[0].join(*members.back(), "r");
        }
        int count = 0;
        c[0].sink.on_deliver = [&](TestMember& m) {
            // Every few deliveries: this member leaves, and so does one
            // still waiting for the message (further down the list).
            if (++count % victim_step != 0) return;
            c[0].hub->rooms().leave(m, "r");
            for (TestMember* other : members)
                if (other->is_member("r") && other->got.empty()) {
                    c[0].hub->rooms().leave(*other, "r");
                    break;
                }
        };
        c[0].publish("r", "m");
        for (TestMember* m : members) CHECK_LE(m->got.size(), 1u);
        for (TestMember* m : members)
            if (m->is_member("r")) CHECK_EQ(m->got.size(), 1u);
        c[0].sink.on_deliver = nullptr;
        for (TestMember* m : members) c[0].hub->rooms().leave(*m, "r");
        CHECK(c[0].hub->rooms().find(0, "r") == nullptr);
        CHECK_EQ(c.registry.room_count(), 0u);
    }
}

// A publish made while a message is being given out (a member closing says
// so to its room) waits its turn: nobody gets it before the first message.
TEST(hub_a_publish_during_a_delivery_goes_behind_it) {
    Cluster c(1);
    std::vector<TestMember*> members;
    for (int i = 0; i < 10; ++i) {
        members.push_back(&c[0].add_member());
        c[0].join(*members.back(), "r");
    }
    bool said = false;
    c[0].sink.on_deliver = [&](TestMember&) {
        if (!said) {
            said = true;
            c[0].publish("r", "second");
        }
    };
    c[0].publish("r", "first");
    c[0].sink.on_deliver = nullptr;
    c.settle();
    for (TestMember* m : members) {
        CHECK_EQ(m->got.size(), 2u);
        if (m->got.size() == 2) CHECK_EQ(m->got[0], std::string("first"));
    }
}

TEST(hub_joining_after_a_publish_does_not_receive_it) {
    Cluster c(2);
    TestMember& early = c[1].add_member();
    TestMember& late = c[1].add_member();
    c[1].join(early, "r");
    c[0].publish("r", "before");  // on its way to worker 1
    c[1].join(late, "r");
    c.settle();
    CHECK_EQ(early.got.size(), 1u);
    CHECK(late.got.empty());
}

TEST(hub_direct_messages_reach_open_members_only) {
    Cluster c(2);
    TestMember& target = c[1].add_member();
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "psst");
    CHECK(c[0].hub->send_to(target.id, 0, f, nullptr));
    CHECK(!c[0].hub->send_to(target.id + (uint64_t(1) << 30), 0, f, nullptr));  // another generation
    CHECK(!c[0].hub->send_to(hub::member_id(0, 5, 1, 1), 0, f, nullptr));          // no such worker
    CHECK(!c[0].hub->send_to(target.id, 1, f, nullptr));                       // another namespace
    c.settle();
    CHECK_EQ(target.got.size(), 1u);
    c[1].hub->directory().set_closed(hub::slot_of(target.id));
    CHECK(!c[0].hub->send_to(target.id, 0, f, nullptr));
    hub::release(f);
}

// The drain: once closed, a hub's publishes reach nobody.
TEST(hub_closed_hub_publishes_nothing) {
    Cluster c(1);
    TestMember& m = c[0].add_member();
    c[0].join(m, "r");
    c[0].hub->close();
    c[0].publish("r", "late");
    c.settle();
    CHECK(m.got.empty());
}

// Rooms of the same name in two namespaces are two rooms: a publish in one
// never reaches the other's members, on any worker.
TEST(hub_namespaces_keep_rooms_of_one_name_apart) {
    Cluster c(2);
    std::vector<TestMember*> first, second;
    for (unsigned w = 0; w < 2; ++w)
        for (uint16_t ns = 0; ns < 2; ++ns) {
            TestMember& m = c[w].add_member(ns);
            c[w].join(m, "chess");
            (ns == 0 ? first : second).push_back(&m);
        }
    CHECK_EQ(c.registry.room_count(), 2u);
    c[0].publish("chess", "for the first", nullptr, nullptr, 0);
    c[1].publish("chess", "for the second", nullptr, nullptr, 1);
    c.settle();
    for (TestMember* m : first) {
        CHECK_EQ(m->got.size(), 1u);
        if (!m->got.empty()) CHECK_EQ(m->got[0], std::string("for the first"));
    }
    for (TestMember* m : second) {
        CHECK_EQ(m->got.size(), 1u);
        if (!m->got.empty()) CHECK_EQ(m->got[0], std::string("for the second"));
    }
}

// A broadcast reaches every member of its scope on every worker, but the
// sender, and nobody outside the scope; a scope larger than a pass's budget
// is walked over several passes.
TEST(hub_broadcast_reaches_its_scope_on_every_worker) {
    Cluster c(2);
    std::vector<TestMember*> in, out;
    for (unsigned w = 0; w < 2; ++w)
        for (uint32_t i = 0; i < hub::kPassBudget + 5; ++i) {
            TestMember& m = c[w].add_member();
            m.scope = i % 3 == 0 ? 7 : 1;
            (m.scope == 7 ? in : out).push_back(&m);
        }
    TestMember& sender = *in.front();
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "all");
    c[0].hub->begin_pass();
    c[0].hub->broadcast(7, f, &sender, nullptr);
    hub::release(f);
    c.settle();
    CHECK(sender.got.empty());
    for (TestMember* m : in)
        if (m != &sender) CHECK_EQ(m->got.size(), 1u);
    for (TestMember* m : out) CHECK(m->got.empty());
}

// A member's join and a publish are compared by their numbers in 32 bits:
// members that joined 1.5 × 2^32 publishes ago still get every message.
TEST(hub_members_of_long_standing_get_every_message) {
    Cluster c(2);
    TestMember& publisher = c[0].add_member();
    TestMember& near = c[0].add_member();
    TestMember& far = c[1].add_member();
    c[0].join(near, "r");
    c[1].join(far, "r");
    hub::Room* room = c.registry.acquire(0, "r");
    for (int i = 0; i < 24; ++i) {
        room->seq.fetch_add(uint64_t(1) << 28);  // as if 2^28 publishes had gone by
        c[0].publish("r", "m" + std::to_string(i), &publisher);
        c.settle();
    }
    CHECK(near.got == numbered("m", 24));
    CHECK(far.got == numbered("m", 24));
    c.registry.release(room);
}

// Across the wrap of the numbers' low 32 bits, a member that joins after a
// publish (before its worker has taken it) gets only what follows its join.
TEST(hub_a_join_as_publish_numbers_wrap) {
    Cluster c(2);
    TestMember& publisher = c[0].add_member();
    hub::Room* room = c.registry.acquire(0, "r");
    room->seq.store((uint64_t(3) << 32) - 3);
    TestMember& early = c[1].add_member();
    c[1].join(early, "r");
    for (const char* m : {"a", "b", "before"}) c[0].publish("r", m, &publisher);  // "before": low bits 0
    TestMember& late = c[1].add_member();
    c[1].join(late, "r");  // before worker 1 has taken any of them
    c.settle();
    c[0].publish("r", "after", &publisher);
    c.settle();
    CHECK(early.got == (std::vector<std::string>{"a", "b", "before", "after"}));
    CHECK(late.got == std::vector<std::string>{"after"});
    c.registry.release(room);
}
