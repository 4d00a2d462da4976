// Open connections per client address, shared by all workers, for
// --max-conns-per-ip. Touched once when a connection is admitted and once
// when it ends, never per message; sharded so workers rarely contend.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "net/ip.h"

namespace wshub::net {

class IpLimiter {
public:
    // Takes a place for `ip` if it has fewer than `cap` (0: no cap).
    bool acquire(const IpKey& ip, uint32_t cap);
    void release(const IpKey& ip);
    size_t tracked() const;  // addresses with open connections

private:
    struct Hash {
        size_t operator()(const IpKey& k) const noexcept;
    };
    struct Shard {
        mutable std::mutex mu;
        std::unordered_map<IpKey, uint32_t, Hash> counts;
    };
    Shard& shard_of(const IpKey& ip);
    std::array<Shard, 16> shards_;
};

}  // namespace wshub::net
