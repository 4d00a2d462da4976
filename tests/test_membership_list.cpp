// MembershipList against a plain vector model: the inline first membership,
// the switch to a heap array at the second and back at one, swap-removal
// from every position, growth past the first capacity, and clear.
#include <cstdint>
#include <vector>

#include "check.h"
#include "hub/membership_list.h"
#include "hub/room_table.h"

using wshub::hub::LocalRoom;
using wshub::hub::Membership;
using wshub::hub::MembershipList;

namespace {

LocalRoom rooms_storage[64];

bool same(const MembershipList& l, const std::vector<Membership>& model) {
    if (l.size() != model.size() || l.empty() != model.empty()) return false;
    for (uint32_t i = 0; i < l.size(); ++i)
        if (l.local(i) != model[i].local || l.index(i) != model[i].index) return false;
    return true;
}

void remove_model(std::vector<Membership>& model, uint32_t i) {
    model[i] = model.back();
    model.pop_back();
}

}  // namespace

TEST(membership_list_one_room_inline) {
    MembershipList l;
    CHECK(l.empty());
    l.push_back(&rooms_storage[0], 7);
    CHECK_EQ(l.size(), 1u);
    CHECK(l.local(0) == &rooms_storage[0]);
    CHECK_EQ(l.index(0), 7u);
    l.set_index(0, 9);
    CHECK_EQ(l.index(0), 9u);
    l.remove(0);
    CHECK(l.empty());
}

TEST(membership_list_two_then_back_to_one) {
    for (uint32_t removed = 0; removed < 2; ++removed) {
        MembershipList l;
        std::vector<Membership> model;
        l.push_back(&rooms_storage[1], 1);
        model.push_back({&rooms_storage[1], 1});
        l.push_back(&rooms_storage[2], 2);
        model.push_back({&rooms_storage[2], 2});
        CHECK(same(l, model));
        l.set_index(1, 20);
        model[1].index = 20;
        CHECK(same(l, model));
        l.remove(removed);
        remove_model(model, removed);
        CHECK(same(l, model));
        // Inline again: a third push goes back to the heap.
        l.push_back(&rooms_storage[3], 3);
        model.push_back({&rooms_storage[3], 3});
        CHECK(same(l, model));
    }
}

TEST(membership_list_matches_a_model) {
    MembershipList l;
    std::vector<Membership> model;
    uint32_t x = 99;
    auto rnd = [&x] { x = x * 1103515245u + 12345u; return x >> 8; };
    for (int op = 0; op < 20000; ++op) {
        const uint32_t r = rnd() % 8;
        if (r < 4 && model.size() < 40) {
            const uint32_t k = rnd() % 64, index = rnd();
            l.push_back(&rooms_storage[k], index);
            model.push_back({&rooms_storage[k], index});
        } else if (r < 6 && !model.empty()) {
            const uint32_t i = rnd() % uint32_t(model.size());
            l.remove(i);
            remove_model(model, i);
        } else if (r < 7 && !model.empty()) {
            const uint32_t i = rnd() % uint32_t(model.size());
            const uint32_t v = rnd();
            l.set_index(i, v);
            model[i].index = v;
        } else if (rnd() % 50 == 0) {
            l.clear();
            model.clear();
        }
        if (!same(l, model)) {
            CHECK(same(l, model));
            return;
        }
    }
}
