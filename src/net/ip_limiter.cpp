#include "net/ip_limiter.h"

#include <arpa/inet.h>

#include <cstring>
#include <string_view>

namespace wshub::net {

IpKey ip_key(const Address& a) noexcept {
    IpKey k;
    if (a.family() == AF_INET6) {
        std::memcpy(k.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr, 16);
    } else if (a.family() == AF_INET) {
        k.bytes[10] = k.bytes[11] = 0xff;
        std::memcpy(k.bytes.data() + 12, &reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr, 4);
    }
    return k;
}

std::string to_string(const IpKey& ip, uint16_t port) {
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    char host[INET6_ADDRSTRLEN] = "?";
    if (std::memcmp(ip.bytes.data(), kMapped, sizeof kMapped) == 0) {
        inet_ntop(AF_INET, ip.bytes.data() + 12, host, sizeof host);
        return std::string(host) + ":" + std::to_string(port);
    }
    inet_ntop(AF_INET6, ip.bytes.data(), host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(port);
}

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
