#include "net/ip.h"

#include <arpa/inet.h>

#include <cstring>

namespace wshub::net {
namespace {

constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

}  // namespace

IpKey ip_key(const Address& a) noexcept {
    IpKey k;
    if (a.family() == AF_INET6) {
        std::memcpy(k.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(&a.storage)->sin6_addr, 16);
    } else if (a.family() == AF_INET) {
        std::memcpy(k.bytes.data(), kMapped, sizeof kMapped);
        std::memcpy(k.bytes.data() + 12, &reinterpret_cast<const sockaddr_in*>(&a.storage)->sin_addr, 4);
    }
    return k;
}

bool is_ipv4(const IpKey& ip) noexcept { return std::memcmp(ip.bytes.data(), kMapped, sizeof kMapped) == 0; }

std::optional<IpKey> parse_ip(std::string_view text) noexcept {
    // inet_pton wants a C string (so a NUL in the view would end it early);
    // no literal is longer than INET6_ADDRSTRLEN.
    char buf[INET6_ADDRSTRLEN];
    if (text.empty() || text.size() >= sizeof buf || text.find('\0') != std::string_view::npos) return std::nullopt;
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    IpKey k;
    if (text.find(':') != std::string_view::npos) {
        if (inet_pton(AF_INET6, buf, k.bytes.data()) != 1) return std::nullopt;
        return k;
    }
    std::memcpy(k.bytes.data(), kMapped, sizeof kMapped);
    if (inet_pton(AF_INET, buf, k.bytes.data() + 12) != 1) return std::nullopt;
    return k;
}

std::string ip_text(const IpKey& ip) {
    char host[INET6_ADDRSTRLEN] = "?";
    if (is_ipv4(ip))
        inet_ntop(AF_INET, ip.bytes.data() + 12, host, sizeof host);
    else
        inet_ntop(AF_INET6, ip.bytes.data(), host, sizeof host);
    return host;
}

std::string to_string(const IpKey& ip, uint16_t port) {
    if (is_ipv4(ip)) return ip_text(ip) + ":" + std::to_string(port);
    return "[" + ip_text(ip) + "]:" + std::to_string(port);
}

}  // namespace wshub::net
