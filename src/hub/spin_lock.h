// A one-byte lock for what is held for a few hundred nanoseconds and almost
// never contended: a worker changing its member list of a room against
// another worker reading it (Hub::list_members). A byte, so it fits in the
// padding of the structure it guards where a std::mutex would add 40 bytes
// to every room on every worker.
#pragma once

#include <atomic>
#include <thread>

namespace wshub::hub {

class SpinLock {
public:
    void lock() noexcept {
        for (unsigned spins = 0; held_.exchange(true, std::memory_order_acquire); ++spins)
            if (spins >= 64) std::this_thread::yield();
    }
    void unlock() noexcept { held_.store(false, std::memory_order_release); }

private:
    std::atomic<bool> held_{false};
};

}  // namespace wshub::hub
