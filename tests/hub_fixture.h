// Hubs without sockets, for the hub's unit tests: a Sink that records what
// each member is given (and can act during a delivery, as a connection that
// closes would), and several workers' hubs sharing one Registry and Exchange,
// stepped by hand in the order a worker's loop calls them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hub/exchange.h"
#include "hub/hub.h"
#include "hub/registry.h"
#include "ws/frame.h"

namespace hubtest {

using namespace wshub;

struct TestMember : hub::Member {
    hub::MemberId id = 0;
    uint16_t ns = 0;     // the namespace its rooms are in
    uint16_t scope = 0;  // the scope (Hub::broadcast) it is in
    std::vector<std::string> got;  // payloads, in order
};

class TestSink final : public hub::Sink {
public:
    std::vector<TestMember*> members;  // this worker's, for find()
    std::vector<hub::MemberId> resumed;
    // Called at each delivery before it is recorded (may leave rooms, publish).
    std::function<void(TestMember&)> on_deliver;

    void deliver(hub::Member& m, hub::Frame* frame, hub::Gate*) override {
        auto& t = static_cast<TestMember&>(m);
        const std::string_view bytes = frame->bytes();
        t.got.emplace_back(bytes.substr(bytes.size() - frame->payload_len));
        if (on_deliver) on_deliver(t);
    }
    // Scope s holds the members whose `scope` is s, walked by index.
    uint32_t deliver_scope(uint16_t scope, hub::Frame* frame, hub::Gate* gate, const hub::Member* exclude,
                           uint32_t& cursor, uint32_t budget) override {
        if (cursor > members.size()) cursor = uint32_t(members.size());
        uint32_t visited = 0;
        for (; cursor > 0 && visited < budget; ++visited) {
            TestMember* m = members[--cursor];
            if (m->scope == scope && m != exclude) deliver(*m, frame, gate);
        }
        return visited;
    }
    hub::Member* find(hub::MemberId id) noexcept override {
        for (TestMember* m : members)
            if (m->id == id) return m;
        return nullptr;
    }
    void resume(hub::MemberId publisher) override { resumed.push_back(publisher); }
    hub::MemberInfo describe(const hub::Member& m) const override {
        const auto& t = static_cast<const TestMember&>(m);
        return {t.id, "user" + std::to_string(t.id)};
    }
};

struct Worker {
    TestSink sink;
    std::unique_ptr<hub::Hub> hub;
    std::vector<std::unique_ptr<TestMember>> owned;

    TestMember& add_member(uint16_t ns = 0) {
        owned.push_back(std::make_unique<TestMember>());
        TestMember& m = *owned.back();
        m.id = hub::member_id(0, hub->index(), uint32_t(owned.size()), 1);
        m.ns = ns;
        sink.members.push_back(&m);
        hub->directory().set_open(m.id, ns);
        return m;
    }
    void join(TestMember& m, std::string_view room) { hub->rooms().join(m, m.ns, room, 0); }
    void publish(std::string_view room, std::string_view text, const hub::Member* exclude = nullptr,
                 hub::Gate* gate = nullptr, uint16_t ns = 0) {
        hub::Frame* f = hub::make_frame(ws::Opcode::text, text);
        hub->publish(ns, room, f, exclude, gate);
        hub::release(f);
    }
    // One loop pass as the worker runs it: a fresh budget, the inbox taken,
    // deliveries within the budget, publishers resumed, hand-over.
    void pass() {
        hub->begin_pass();
        hub->take_inbox();
        hub->run_backlog();
        hub->resume_publishers();
        hub->hand_over();
    }
};

struct Cluster {
    hub::Registry registry;
    hub::Exchange exchange;
    std::vector<std::unique_ptr<Worker>> workers;

    explicit Cluster(unsigned n, hub::LaneLimits limits = {}, unsigned namespaces = 2)
        : registry(n, namespaces), exchange(registry, n, limits) {
        for (unsigned i = 0; i < n; ++i) {
            workers.push_back(std::make_unique<Worker>());
            workers.back()->hub = std::make_unique<hub::Hub>(exchange, i, workers.back()->sink);
        }
    }
    ~Cluster() {
        // Members leave before the hubs go, as connections close before a worker ends.
        for (auto& w : workers)
            for (auto& m : w->owned) w->hub->rooms().leave_all(*m);
        for (auto& w : workers) w->hub.reset();
    }
    Worker& operator[](unsigned i) { return *workers[i]; }
    // Passes on every worker until none has work or hand-overs left.
    void settle(int max_rounds = 1000) {
        for (int round = 0; round < max_rounds; ++round) {
            for (auto& w : workers) w->pass();
            bool idle = true;
            for (auto& w : workers) idle = idle && !w->hub->busy();
            if (idle) {
                for (auto& w : workers) w->pass();  // what the last round handed over
                bool still = true;
                for (auto& w : workers) still = still && !w->hub->busy();
                if (still) return;
            }
        }
    }
};

}  // namespace hubtest
