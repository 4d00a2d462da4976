// What the workers' hubs share to hand each other work: one inbox per worker
// (a locked vector its owner swaps out whole) with the wake-up that goes with
// it, the lanes that bound what each worker has handed each other, and each
// worker's directory of open members. Everything here is thread-safe; the
// rest of a hub belongs to its worker alone.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "hub/delivery.h"
#include "hub/directory.h"
#include "hub/lane.h"
#include "hub/policy.h"
#include "hub/registry.h"
#include "hub/sink.h"

namespace wshub::hub {

class Exchange {
public:
    Exchange(Registry& registry, unsigned workers, const LaneLimits& limits);
    ~Exchange();  // releases what was handed over and never taken
    Exchange(const Exchange&) = delete;
    Exchange& operator=(const Exchange&) = delete;

    Registry& registry() noexcept { return registry_; }
    unsigned workers() const noexcept { return workers_; }
    const LaneLimits& lane_limits() const noexcept { return limits_; }
    Lane& lane(unsigned from, unsigned to) noexcept { return lanes_[from * workers_ + to].lane; }
    Directory& directory(unsigned worker) noexcept { return directories_[worker]; }

    // Before any post: how worker `w` is woken.
    void set_waker(unsigned w, Waker* waker) noexcept { inboxes_[w].waker = waker; }
    // Appends `batch` to worker `to`'s inbox, in order, and empties it;
    // wakes the worker if its inbox was empty (it takes all there is).
    void post(unsigned to, std::vector<Delivery>& batch);
    // Worker `w` only: moves its inbox into `out`, which must be empty.
    void take(unsigned w, std::vector<Delivery>& out);

private:
    struct Inbox {
        std::mutex mu;
        std::vector<Delivery> items;
        Waker* waker = nullptr;
    };
    // A lane to a cache line: its giver and receiver touch it on every
    // message, and other pairs' lanes should not slow them down.
    struct alignas(64) PaddedLane {
        Lane lane;
    };

    Registry& registry_;
    unsigned workers_;
    LaneLimits limits_;
    std::unique_ptr<Inbox[]> inboxes_;
    std::unique_ptr<PaddedLane[]> lanes_;  // [from * workers + to]
    std::unique_ptr<Directory[]> directories_;
};

// Releases what an undelivered delivery holds (its room, frame and gate),
// without settling its gate: for what is left when the server stops.
void discard(Registry& registry, Delivery& d) noexcept;

}  // namespace wshub::hub
