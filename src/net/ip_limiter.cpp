#include "net/ip_limiter.h"

#include <string_view>

namespace wshub::net {

size_t IpLimiter::Hash::operator()(const IpKey& k) const noexcept {
    return std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char*>(k.bytes.data()), 16));
}

IpLimiter::Shard& IpLimiter::shard_of(const IpKey& ip) { return shards_[Hash{}(ip) % shards_.size()]; }

bool IpLimiter::acquire(const IpKey& ip, uint32_t cap) {
    Shard& s = shard_of(ip);
    std::lock_guard lock(s.mu);
    uint32_t& n = s.counts[ip];
    if (cap != 0 && n >= cap) {
        if (n == 0) s.counts.erase(ip);
        return false;
    }
    ++n;
    return true;
}

void IpLimiter::release(const IpKey& ip) {
    Shard& s = shard_of(ip);
    std::lock_guard lock(s.mu);
    auto it = s.counts.find(ip);
    if (it != s.counts.end() && --it->second == 0) s.counts.erase(it);
}

size_t IpLimiter::tracked() const {
    size_t n = 0;
    for (const auto& s : shards_) {
        std::lock_guard lock(s.mu);
        n += s.counts.size();
    }
    return n;
}

}  // namespace wshub::net
