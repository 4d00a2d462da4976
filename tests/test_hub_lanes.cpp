// The bound on what one worker hands another: a publisher that pushes a
// lane over its limits is held, and read again only once every lane from
// its worker is down to half; the Lane's flag is lowered exactly once per
// wait, whichever side sees the lane open first.
#include <atomic>
#include <thread>

#include "check.h"
#include "hub/lane.h"
#include "hub_fixture.h"

using namespace wshub;
using hubtest::Cluster;
using hubtest::TestMember;

TEST(hub_lane_over_and_half) {
    hub::Lane lane;
    const hub::LaneLimits limits{1000, 4};
    for (int i = 0; i < 4; ++i) lane.add(100);
    CHECK(!lane.over(limits));
    lane.add(100);
    CHECK(lane.over(limits));  // five messages
    CHECK(lane.wait(limits));
    CHECK(!lane.opened(limits));
    lane.sub(100);
    lane.sub(100);
    CHECK(!lane.opened(limits));  // three left: not down to half (2) yet
    lane.sub(100);
    CHECK(lane.opened(limits));
    CHECK(!lane.opened(limits));  // once
}

TEST(hub_lane_wait_on_an_already_open_lane_is_no_wait) {
    hub::Lane lane;
    const hub::LaneLimits limits{1000, 4};
    lane.add(10);
    CHECK(!lane.wait(limits));   // down to half already: nothing to wait for
    CHECK(!lane.opened(limits));  // and the flag is down
}

// A giver and a receiver racing: every wait that returns true is answered
// by exactly one opened(), none is lost.
TEST(hub_lane_wait_is_answered_exactly_once_under_races) {
    hub::Lane lane;
    const hub::LaneLimits limits{1 << 20, 8};
    std::atomic<long> in_flight{0};
    std::atomic<bool> done{false};
    std::atomic<long> waits{0}, opens{0};
    std::thread receiver([&] {
        while (!done.load() || in_flight.load() > 0) {
            if (in_flight.load() > 0) {
                in_flight.fetch_sub(1);
                lane.sub(1);
            }
            if (lane.opened(limits)) opens.fetch_add(1);
        }
        if (lane.opened(limits)) opens.fetch_add(1);
    });
    bool waiting = false;
    for (int i = 0; i < 200000; ++i) {
        if (waiting) {
            // Wait for the receiver's word as the giver would (its inbox).
            while (opens.load() != waits.load()) std::this_thread::yield();
            waiting = false;
        }
        lane.add(1);
        in_flight.fetch_add(1);
        if (lane.over(limits) && lane.wait(limits)) {
            waits.fetch_add(1);
            waiting = true;
        }
    }
    done.store(true);
    receiver.join();
    CHECK_EQ(opens.load(), waits.load());
    CHECK_GT(waits.load(), 0);
}

// A publisher flooding a room whose members are on another worker is held
// once its lane is over the limit, and resumed when that worker caught up.
TEST(hub_publisher_is_held_while_its_lane_is_over_and_resumed_at_half) {
    const hub::LaneLimits limits{1 << 20, 16};
    Cluster c(2, limits);
    TestMember& publisher = c[0].add_member();
    TestMember& member = c[1].add_member();
    c[1].join(member, "r");
    c[0].hub->begin_pass();
    int published = 0;
    while (!c[0].hub->take_lane_hit()) {
        c[0].publish("r", "m", &publisher);
        ++published;
        CHECK_LT(published, 100);
        if (published >= 100) return;
    }
    CHECK_EQ(published, 17);  // the one that went over the 16-message bound
    CHECK(!c[0].hub->lanes_open());
    c[0].hub->hold(publisher.id);
    c[0].pass();  // hand over; the publisher is still held
    CHECK(c[0].sink.resumed.empty());
    c[1].pass();  // worker 1 delivers everything: the lane opens, word goes back
    CHECK_EQ(member.got.size(), 17u);
    c[0].pass();
    CHECK(c[0].hub->lanes_open());
    CHECK_EQ(c[0].sink.resumed.size(), 1u);
}

// A worker's own backlog is a lane too: a publisher outpacing its own
// worker's deliveries is held the same way.
TEST(hub_own_backlog_is_bounded_like_a_lane) {
    const hub::LaneLimits limits{1 << 20, 8};
    Cluster c(1, limits);
    TestMember& publisher = c[0].add_member();
    for (uint32_t i = 0; i < hub::kPassBudget; ++i) c[0].join(c[0].add_member(), "r");
    c[0].hub->begin_pass();
    c[0].publish("r", "first", &publisher);  // uses the whole pass's budget
    int queued = 0;
    while (!c[0].hub->take_lane_hit() && queued < 100) {
        c[0].publish("r", "next", &publisher);
        ++queued;
    }
    CHECK_EQ(queued, 9);
    CHECK_EQ(c[0].hub->backlog(), 9u);
    c[0].hub->hold(publisher.id);
    for (int i = 0; i < 20 && c[0].sink.resumed.empty(); ++i) c[0].pass();
    CHECK_EQ(c[0].sink.resumed.size(), 1u);
}
