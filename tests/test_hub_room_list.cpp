// A room's member list read across workers (hub::list_room_members): every
// worker's members, bounded, and consistent while another thread joins and
// leaves the room on its own worker.
#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "hub/room_list.h"
#include "hub_fixture.h"

using namespace hubtest;

namespace {

hub::Room* shared_room_of(Worker& w, std::string_view name) {
    hub::LocalRoom* local = w.hub->rooms().find(0, name);
    return local ? local->room : nullptr;
}

std::vector<hub::MemberId> ids_of(const std::vector<hub::MemberInfo>& list) {
    std::vector<hub::MemberId> ids;
    for (const hub::MemberInfo& m : list) ids.push_back(m.id);
    std::sort(ids.begin(), ids.end());
    return ids;
}

}  // namespace

TEST(hub_room_list_names_the_members_of_every_worker) {
    Cluster c(3);
    std::vector<hub::MemberId> want;
    for (unsigned w = 0; w < 3; ++w)
        for (int i = 0; i < 2 + int(w); ++i) {
            TestMember& m = c[w].add_member();
            c[w].join(m, "lobby");
            want.push_back(m.id);
        }
    TestMember& elsewhere = c[1].add_member();
    c[1].join(elsewhere, "other");
    std::sort(want.begin(), want.end());
    std::vector<hub::MemberInfo> got;
    hub::list_room_members(*shared_room_of(c[0], "lobby"), 3, 100, c[0].sink, got);
    CHECK(ids_of(got) == want);
    for (const hub::MemberInfo& m : got) CHECK_EQ(m.user, "user" + std::to_string(m.id));
}

TEST(hub_room_list_stops_at_its_bound) {
    Cluster c(2);
    for (unsigned w = 0; w < 2; ++w)
        for (int i = 0; i < 5; ++i) c[w].join(c[w].add_member(), "big");
    std::vector<hub::MemberInfo> got;
    hub::list_room_members(*shared_room_of(c[1], "big"), 2, 7, c[1].sink, got);
    CHECK_EQ(got.size(), size_t{7});
    std::vector<hub::MemberId> ids = ids_of(got);
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST(hub_room_list_leaves_out_who_left) {
    Cluster c(2);
    TestMember& stays = c[0].add_member();
    TestMember& goes = c[1].add_member();
    TestMember& other_room = c[1].add_member();
    c[0].join(stays, "r");
    c[1].join(goes, "r");
    c[1].join(other_room, "r");
    c[1].hub->rooms().leave(goes, "r");
    c[1].hub->rooms().leave_all(other_room);
    std::vector<hub::MemberInfo> got;
    hub::list_room_members(*shared_room_of(c[0], "r"), 2, 10, c[0].sink, got);
    CHECK(ids_of(got) == std::vector<hub::MemberId>{stays.id});
}

// Worker 1's thread joins and leaves (its last member too, so its LocalRoom
// comes and goes) while worker 0's lists: every list holds worker 0's
// member and only ids that are members at some point, and nothing crashes
// (run under `make asan`).
TEST(hub_room_list_reads_a_worker_changing_its_members) {
    Cluster c(2);
    TestMember& anchor = c[0].add_member();
    c[0].join(anchor, "busy");
    std::vector<TestMember*> churners;
    for (int i = 0; i < 8; ++i) churners.push_back(&c[1].add_member());
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        for (int round = 0; !stop.load(); ++round) {
            for (TestMember* m : churners) c[1].join(*m, "busy");
            for (TestMember* m : churners) c[1].hub->rooms().leave(*m, "busy");
        }
    });
    hub::Room* room = shared_room_of(c[0], "busy");
    size_t lists = 0;
    std::vector<hub::MemberInfo> got;
    for (; lists < 20000; ++lists) {
        got.clear();
        hub::list_room_members(*room, 2, 100, c[0].sink, got);
        bool has_anchor = false, all_known = true;
        for (const hub::MemberInfo& m : got) {
            has_anchor = has_anchor || m.id == anchor.id;
            all_known = all_known && (m.id == anchor.id || std::any_of(churners.begin(), churners.end(),
                                                                        [&](TestMember* t) { return t->id == m.id; }));
        }
        CHECK(has_anchor);
        CHECK(all_known);
        CHECK_LE(got.size(), size_t{9});
    }
    stop = true;
    churn.join();
    CHECK_EQ(lists, size_t{20000});
}
