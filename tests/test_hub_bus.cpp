// The hub's side of a bus between nodes (hub/bus.h): each worker says which
// rooms it has members in, publishes go to the bus once whatever the workers
// and members, and what another node published reaches this worker's
// members only, in order, framed once.
#include <string>
#include <vector>

#include "check.h"
#include "hub_fixture.h"

using namespace hubtest;

namespace {

struct RecordingBus final : hub::Bus {
    std::vector<std::string> events;  // "watch 0 r", "unwatch 0 r", "publish 0 r: payload"
    void watch(uint16_t ns, std::string_view name) override {
        events.push_back("watch " + std::to_string(ns) + " " + std::string(name));
    }
    void unwatch(uint16_t ns, std::string_view name) override {
        events.push_back("unwatch " + std::to_string(ns) + " " + std::string(name));
    }
    void publish(uint16_t ns, std::string_view name, const hub::Frame& frame) override {
        events.push_back("publish " + std::to_string(ns) + " " + std::string(name) + ": " +
                         std::string(hub::payload_of(frame)));
    }
    bool send_direct(hub::MemberId target, uint16_t ns, const hub::Frame& frame) override {
        events.push_back("direct " + std::to_string(hub::node_of(target)) + " " + std::to_string(ns) + ": " +
                         std::string(hub::payload_of(frame)));
        return hub::node_of(target) != 9;  // a node this bus does not know
    }
};

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : " | ") + e;
    return s;
}

}  // namespace

TEST(hub_bus_is_told_of_a_workers_first_and_last_member) {
    RecordingBus bus0, bus1;  // outlive the cluster, whose members leave as it ends
    Cluster c(2);
    c[0].hub->set_bus(&bus0, 0);
    c[1].hub->set_bus(&bus1, 0);
    TestMember& a = c[0].add_member();
    TestMember& b = c[0].add_member();
    TestMember& other = c[1].add_member(1);
    c[0].join(a, "r");
    c[0].join(b, "r");
    c[1].join(other, "r");  // namespace 1: another room of the same name
    c[0].hub->rooms().leave(a, "r");
    c[0].hub->rooms().leave_all(b);
    CHECK_EQ(joined(bus0.events), std::string("watch 0 r | unwatch 0 r"));
    CHECK_EQ(joined(bus1.events), std::string("watch 1 r"));
}

TEST(hub_bus_gets_each_publish_once) {
    RecordingBus bus0, bus1;  // outlive the cluster, whose members leave as it ends
    Cluster c(2);
    c[0].hub->set_bus(&bus0, 0);
    c[1].hub->set_bus(&bus1, 0);
    TestMember& here = c[0].add_member();
    TestMember& there = c[1].add_member();
    c[0].join(here, "r");
    c[1].join(there, "r");
    bus0.events.clear();
    bus1.events.clear();
    c[0].publish("r", "m1");
    c[0].publish("empty", "m2");  // no member anywhere: other nodes may have some
    c.settle();
    CHECK_EQ(joined(bus0.events), std::string("publish 0 r: m1 | publish 0 empty: m2"));
    CHECK(bus1.events.empty());  // the publishing worker's bus only
    CHECK_EQ(there.got.size(), 1u);
}

TEST(hub_bus_remote_messages_reach_this_workers_members_in_order) {
    Cluster c(2);
    TestMember& a = c[0].add_member();
    TestMember& b = c[0].add_member();
    TestMember& other_worker = c[1].add_member();
    c[0].join(a, "r");
    c[0].join(b, "r");
    c[1].join(other_worker, "r");
    for (int i = 0; i < 100; ++i) {
        hub::Frame* f = hub::make_frame(ws::Opcode::text, "n" + std::to_string(i));
        CHECK_EQ(c[0].hub->deliver_remote(0, "r", f), 2u);
        hub::release(f);
    }
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "nobody");
    CHECK_EQ(c[0].hub->deliver_remote(0, "elsewhere", f), 0u);
    hub::release(f);
    c.settle();
    CHECK_EQ(a.got.size(), 100u);
    CHECK_EQ(b.got.size(), 100u);
    for (size_t i = 0; i < a.got.size(); ++i) CHECK_EQ(a.got[i], "n" + std::to_string(i));
    CHECK(other_worker.got.empty());  // its own bus brings it its copy
}

TEST(hub_bus_remote_messages_past_the_pass_budget_wait_in_order) {
    Cluster c(1);
    std::vector<TestMember*> members;
    for (int i = 0; i < 3000; ++i) {
        members.push_back(&c[0].add_member());
        c[0].join(*members.back(), "big");
    }
    c[0].hub->begin_pass();
    for (int i = 0; i < 10; ++i) {
        hub::Frame* f = hub::make_frame(ws::Opcode::text, std::to_string(i));
        c[0].hub->deliver_remote(0, "big", f);
        hub::release(f);
    }
    CHECK(c[0].hub->busy());  // 30,000 deliveries: more than one pass
    c.settle();
    for (TestMember* m : {members.front(), members.back()}) {
        CHECK_EQ(m->got.size(), 10u);
        for (size_t i = 0; i < m->got.size(); ++i) CHECK_EQ(m->got[i], std::to_string(i));
    }
}

TEST(hub_bus_takes_direct_messages_to_members_of_other_nodes) {
    RecordingBus bus0;
    Cluster c(1);
    c[0].hub->set_bus(&bus0, 0);
    TestMember& here = c[0].add_member();
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "hi");
    // Same worker, slot and generation as `here`, another node's.
    const hub::MemberId there = hub::member_id(5, hub::worker_of(here.id), hub::slot_of(here.id),
                                               hub::generation_of(here.id));
    CHECK(c[0].hub->send_to(there, 0, f, nullptr));
    CHECK(!c[0].hub->send_to(hub::member_id(9, 0, 1, 1), 0, f, nullptr));  // no such node
    CHECK(!c[0].hub->send_to(uint64_t(1) << 53, 0, f, nullptr));           // no such id
    CHECK(c[0].hub->send_to(here.id, 0, f, nullptr));                     // this node's: local
    hub::release(f);
    c.settle();
    CHECK_EQ(joined(bus0.events), std::string("direct 5 0: hi | direct 9 0: hi"));
    CHECK_EQ(joined(here.got), std::string("hi"));
}
