#include "hub/exchange.h"

namespace wshub::hub {

Exchange::Exchange(Registry& registry, unsigned workers, const LaneLimits& limits)
    : registry_(registry),
      workers_(workers),
      limits_(limits),
      inboxes_(new Inbox[workers]),
      lanes_(new PaddedLane[size_t(workers) * workers]),
      directories_(new Directory[workers]) {}

Exchange::~Exchange() {
    for (unsigned w = 0; w < workers_; ++w)
        for (Delivery& d : inboxes_[w].items) discard(registry_, d);
}

void Exchange::post(unsigned to, std::vector<Delivery>& batch) {
    Inbox& in = inboxes_[to];
    bool was_empty;
    {
        std::lock_guard lock(in.mu);
        was_empty = in.items.empty();
        in.items.insert(in.items.end(), batch.begin(), batch.end());
    }
    batch.clear();
    if (was_empty && in.waker) in.waker->wake();
}

void Exchange::take(unsigned w, std::vector<Delivery>& out) {
    Inbox& in = inboxes_[w];
    std::lock_guard lock(in.mu);
    out.swap(in.items);
}

void discard(Registry& registry, Delivery& d) noexcept {
    if (d.room) registry.release(d.room);
    if (d.frame) release(d.frame);
    if (d.gate) release(d.gate);
    d.room = nullptr;
    d.frame = nullptr;
    d.gate = nullptr;
}

}  // namespace wshub::hub
