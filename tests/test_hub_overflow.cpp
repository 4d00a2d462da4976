// --overflow without sockets: the verdict for each policy, the deliveries
// parked under block with their timeouts, and the publisher's gate closing
// and opening as they are settled, on its worker and across workers.
#include <string>
#include <vector>

#include "check.h"
#include "hub/overflow.h"
#include "hub_fixture.h"

using namespace wshub;
using hubtest::Cluster;
using hubtest::TestMember;

namespace {

// A queue holding `n` data frames of `size` payload bytes.
void fill(hub::SendQueue& q, int n, size_t size) {
    for (int i = 0; i < n; ++i) {
        hub::Frame* f = hub::make_frame(ws::Opcode::binary, std::string(size, 'x'));
        q.push(f);
        hub::release(f);
    }
}

hub::DeliveryPolicy policy(hub::Overflow o) { return {{4, 1000}, o, 1000}; }

}  // namespace

TEST(hub_judge_queues_what_fits_under_every_policy) {
    hub::SendQueue q;
    fill(q, 2, 100);
    hub::Gate* g = hub::make_gate(1);
    for (auto o : {hub::Overflow::close, hub::Overflow::drop, hub::Overflow::block})
        CHECK_EQ(hub::judge(q, policy(o), 100, false, false, g), hub::Verdict::queue);
    hub::release(g);
}

TEST(hub_judge_over_budget_writes_first_unless_the_socket_is_full) {
    hub::SendQueue q;
    fill(q, 4, 100);  // the message budget (4) is reached
    hub::Gate* g = hub::make_gate(1);
    struct Case {
        hub::Overflow overflow;
        bool socket_full;
        bool gate;
        hub::Verdict want;
    };
    const Case cases[] = {
        {hub::Overflow::close, false, true, hub::Verdict::write_first},
        {hub::Overflow::close, true, true, hub::Verdict::close},
        {hub::Overflow::drop, false, false, hub::Verdict::write_first},
        {hub::Overflow::drop, true, false, hub::Verdict::drop},
        {hub::Overflow::block, true, true, hub::Verdict::park},
        {hub::Overflow::block, true, false, hub::Verdict::drop},  // nobody to slow down
    };
    for (const Case& c : cases)
        CHECK_EQ(hub::judge(q, policy(c.overflow), 100, false, c.socket_full, c.gate ? g : nullptr), c.want);
    hub::release(g);
}

// Behind parked deliveries a new one parks too, even if it would fit: it
// must not overtake them.
TEST(hub_judge_parks_behind_parked_deliveries) {
    hub::SendQueue empty;
    hub::Gate* g = hub::make_gate(1);
    CHECK_EQ(hub::judge(empty, policy(hub::Overflow::block), 10, true, false, g), hub::Verdict::park);
    hub::release(g);
}

TEST(hub_parked_deliveries_close_the_gate_until_settled) {
    Cluster c(1);
    TestMember& publisher = c[0].add_member();
    hub::Gate* gate = hub::make_gate(publisher.id);
    hub::SendQueue q;
    fill(q, 4, 100);
    hub::ParkedList parked;
    hub::Frame* a = hub::make_frame(ws::Opcode::text, "a");
    hub::Frame* b = hub::make_frame(ws::Opcode::text, "b");
    parked.park(a, gate, 5000);
    parked.park(b, gate, 6000);
    CHECK(hub::blocked(gate));
    CHECK_EQ(parked.next_deadline(), 5000u);
    const hub::QueueLimits limits{4, 1000};
    // Still no room: nothing moves, nothing times out.
    hub::ParkedList::Settled s = parked.settle(q, limits, 1000, false, nullptr, *c[0].hub);
    CHECK_EQ(s.queued, 0u);
    CHECK_EQ(s.timed_out, 0u);
    CHECK_EQ(parked.size(), 2u);
    // Room for one: the oldest goes in, in order; the gate stays closed.
    hub::SendQueue::Written w;
    std::string wire;
    iovec iov[1];
    size_t first;
    q.gather(iov, 1, first);
    q.consume(first, w);
    s = parked.settle(q, limits, 1000, false, nullptr, *c[0].hub);
    CHECK_EQ(s.queued, 1u);
    CHECK(hub::blocked(gate));
    CHECK(c[0].sink.resumed.empty());
    // Past its deadline the other is dropped, which opens the gate: the
    // publisher is resumed at the end of the pass.
    s = parked.settle(q, limits, 6000, false, nullptr, *c[0].hub);
    CHECK_EQ(s.timed_out, 1u);
    CHECK(parked.empty());
    CHECK(!hub::blocked(gate));
    c[0].hub->resume_publishers();
    CHECK_EQ(c[0].sink.resumed.size(), 1u);
    if (!c[0].sink.resumed.empty()) CHECK_EQ(c[0].sink.resumed[0], publisher.id);
    hub::release(a);
    hub::release(b);
    hub::release(gate);
}

// The drain queues every parked delivery ahead of the close frame, whatever
// the budget.
TEST(hub_parked_deliveries_go_past_the_budget_when_asked) {
    Cluster c(1);
    hub::Gate* gate = hub::make_gate(c[0].add_member().id);
    hub::SendQueue q;
    fill(q, 4, 100);
    hub::ParkedList parked;
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "late");
    for (int i = 0; i < 3; ++i) parked.park(f, gate, 5000);
    const hub::ParkedList::Settled s = parked.settle(q, {4, 1000}, 0, true, nullptr, *c[0].hub);
    CHECK_EQ(s.queued, 3u);
    CHECK_EQ(q.data_messages(), 7u);
    CHECK(!hub::blocked(gate));
    hub::release(f);
    hub::release(gate);
}

TEST(hub_releasing_parked_deliveries_opens_the_gate) {
    Cluster c(1);
    hub::Gate* gate = hub::make_gate(c[0].add_member().id);
    hub::ParkedList parked;
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "x");
    parked.park(f, gate, 5000);
    CHECK_EQ(f->refs.load(), 2u);
    parked.release_all(*c[0].hub);
    CHECK(!hub::blocked(gate));
    CHECK_EQ(f->refs.load(), 1u);
    CHECK_EQ(gate->refs.load(), 1u);
    hub::release(f);
    hub::release(gate);
}

// Across workers the gate also counts deliveries in flight: past
// Gate::kInFlightWindow of them the publisher is held until the other
// worker has taken enough, and then it is told so on its own worker.
TEST(hub_gate_closes_past_the_in_flight_window_and_reopens_across_workers) {
    Cluster c(2, {1 << 30, 1 << 20});  // lanes wide open: only the gate counts
    TestMember& publisher = c[0].add_member();
    TestMember& member = c[1].add_member();
    c[1].join(member, "r");
    hub::Gate* gate = hub::make_gate(publisher.id);
    for (uint32_t i = 0; i <= hub::Gate::kInFlightWindow; ++i) c[0].publish("r", "m", nullptr, gate);
    CHECK(hub::blocked(gate));
    c[0].pass();  // handed over
    c[1].pass();  // delivered: the gate opens, word goes back to worker 0
    CHECK(!hub::blocked(gate));
    CHECK(c[0].sink.resumed.empty());
    c[0].pass();
    CHECK_EQ(c[0].sink.resumed.size(), 1u);
    CHECK_EQ(member.got.size(), size_t(hub::Gate::kInFlightWindow) + 1);
    hub::release(gate);
}
