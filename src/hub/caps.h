// The connection caps (--max-conns, --max-conns-per-ip): a place taken when
// a connection upgrades and given back when it ends, counted across every
// worker. Never touched per message.
#pragma once

#include <atomic>
#include <cstdint>

#include "net/ip_limiter.h"

namespace wshub::hub {

class Caps {
public:
    // 0: no cap.
    Caps(uint64_t max_conns, uint32_t max_per_address) noexcept
        : max_conns_(max_conns), max_per_address_(max_per_address) {}

    enum class Taken : uint8_t { ok, full, address_full };
    // Takes a place for a connection from `peer` under both caps, or none.
    Taken take(const net::IpKey& peer);
    void give_back(const net::IpKey& peer) noexcept;

    uint64_t open() const noexcept { return open_.load(std::memory_order_relaxed); }
    // At --max-conns: a load balancer should send new clients elsewhere.
    bool full() const noexcept { return max_conns_ != 0 && open() >= max_conns_; }

private:
    uint64_t max_conns_;
    uint32_t max_per_address_;
    std::atomic<uint64_t> open_{0};
    net::IpLimiter per_address_;
};

}  // namespace wshub::hub
