// One worker's hand-off to another (or to itself, past a pass's budget):
// the bytes and messages given and not yet delivered, against LaneLimits.
// The giver adds, the receiver subtracts. A giver that finds the lane over
// its bound holds its publisher back and raises `waiting`; the receiver that
// brings a waited-on lane down to half lowers it and tells the giver. The
// flag goes down exactly once per raise, whichever side sees the lane open
// first (both exchange it), so the giver is told once and never missed.
// Every access is sequentially consistent, which that argument needs (the
// counts and the flag in one order) and which costs nothing more than
// relaxed order on x86 for these read-modify-writes and loads.
#pragma once

#include <atomic>
#include <cstdint>

#include "hub/policy.h"

namespace wshub::hub {

class Lane {
public:
    void add(uint64_t bytes) noexcept {
        bytes_.fetch_add(bytes);
        messages_.fetch_add(1);
    }
    void sub(uint64_t bytes) noexcept {
        bytes_.fetch_sub(bytes);
        messages_.fetch_sub(1);
    }
    uint64_t bytes() const noexcept { return bytes_.load(); }
    uint32_t messages() const noexcept { return messages_.load(); }

    bool over(const LaneLimits& l) const noexcept { return bytes() > l.max_bytes || messages() > l.max_messages; }
    bool below_half(const LaneLimits& l) const noexcept {
        return bytes() <= l.max_bytes / 2 && messages() <= l.max_messages / 2;
    }

    // Giver: the lane is over its bound; raise the flag. False if it went
    // down to half meanwhile and this call lowered the flag again: no word
    // will come, and there is nothing to wait for.
    bool wait(const LaneLimits& l) noexcept {
        waiting_.store(true);
        if (!below_half(l)) return true;
        return !waiting_.exchange(false);
    }

    // Receiver, after delivering: true (once per raise) if the giver waits
    // and the lane is down to half: the caller tells the giver.
    bool opened(const LaneLimits& l) noexcept {
        if (!waiting_.load() || !below_half(l)) return false;
        return waiting_.exchange(false);
    }

private:
    std::atomic<uint64_t> bytes_{0};
    std::atomic<uint32_t> messages_{0};
    std::atomic<bool> waiting_{false};
};

}  // namespace wshub::hub
