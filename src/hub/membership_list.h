// The rooms one connection is in, each with its place in that room's member
// list. Most connections are in exactly one room (every raw-mode one is), so
// the first membership is kept inline and a heap array is used only from the
// second on: 16 bytes and no allocation for the common case, where a vector
// would take 24 bytes plus a 32-byte heap block.
#pragma once

#include <cstdint>
#include <cstring>

namespace wshub::hub {

struct LocalRoom;

// Where a member sits in one LocalRoom's member list (for O(1) leave).
struct Membership {
    LocalRoom* local;
    uint32_t index;
};

class MembershipList {
public:
    MembershipList() noexcept : one_local_(nullptr), one_index_(0) {}
    MembershipList(const MembershipList&) = delete;
    MembershipList& operator=(const MembershipList&) = delete;
    ~MembershipList() { clear(); }

    uint32_t size() const noexcept { return count_; }
    bool empty() const noexcept { return count_ == 0; }
    LocalRoom* local(uint32_t i) const noexcept { return count_ == 1 ? one_local_ : many_[i].local; }
    uint32_t index(uint32_t i) const noexcept { return count_ == 1 ? one_index_ : many_[i].index; }
    void set_index(uint32_t i, uint32_t index) noexcept {
        if (count_ == 1)
            one_index_ = index;
        else
            many_[i].index = index;
    }

    void push_back(LocalRoom* local, uint32_t index) {
        if (count_ == 0) {
            one_local_ = local;
            one_index_ = index;
        } else if (count_ == 1) {
            Membership* a = new Membership[kFirstCapacity];
            a[0] = {one_local_, one_index_};
            a[1] = {local, index};
            many_ = a;
            capacity_ = kFirstCapacity;
        } else {
            if (count_ == capacity_) grow();
            many_[count_] = {local, index};
        }
        ++count_;
    }

    // Swap-remove: the last membership takes place i.
    void remove(uint32_t i) noexcept {
        if (count_ == 1) {
            one_local_ = nullptr;
        } else if (count_ == 2) {
            const Membership kept = many_[1 - i];
            delete[] many_;
            one_local_ = kept.local;
            one_index_ = kept.index;
        } else {
            many_[i] = many_[count_ - 1];
        }
        --count_;
    }

    void clear() noexcept {
        if (count_ > 1) delete[] many_;
        one_local_ = nullptr;
        count_ = 0;
    }

private:
    static constexpr uint32_t kFirstCapacity = 4;

    void grow() {
        Membership* a = new Membership[size_t(capacity_) * 2];
        std::memcpy(a, many_, sizeof(Membership) * count_);
        delete[] many_;
        many_ = a;
        capacity_ *= 2;
    }

    union {
        LocalRoom* one_local_;  // count_ == 1
        Membership* many_;      // count_ >= 2
    };
    union {
        uint32_t one_index_;  // count_ == 1
        uint32_t capacity_;   // count_ >= 2
    };
    uint32_t count_ = 0;
};

static_assert(sizeof(MembershipList) == 16);

}  // namespace wshub::hub
