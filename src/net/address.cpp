#include "net/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace wshub::net {
namespace {

bool parse_port(std::string_view text, uint16_t& port) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535)
        return false;
    port = uint16_t(value);
    return true;
}

}  // namespace

uint16_t Address::port() const noexcept {
    if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
}

void Address::set_port(uint16_t port) noexcept {
    if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port = htons(port);
    else reinterpret_cast<sockaddr_in*>(&storage)->sin_port = htons(port);
}

std::string Address::to_string() const {
    char host[INET6_ADDRSTRLEN] = "?";
    if (family() == AF_INET6) {
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_addr, host, sizeof host);
        return "[" + std::string(host) + "]:" + std::to_string(port());
    }
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&storage)->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(port());
}

std::optional<Address> parse_address(std::string_view text) {
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    std::string host(text.substr(0, colon));
    uint16_t port;
    if (!parse_port(text.substr(colon + 1), port)) return std::nullopt;

    Address a;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        sockaddr_in6 sin6{};
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(port);
        if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &sin6.sin6_addr) != 1)
            return std::nullopt;
        std::memcpy(&a.storage, &sin6, sizeof sin6);
        a.length = sizeof sin6;
        return a;
    }
    if (host.empty() || host == "*") host = "0.0.0.0";
    if (host == "localhost") host = "127.0.0.1";
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (inet_pton(AF_INET, host.c_str(), &sin.sin_addr) != 1) return std::nullopt;
    std::memcpy(&a.storage, &sin, sizeof sin);
    a.length = sizeof sin;
    return a;
}

Address address_from(const sockaddr* sa, socklen_t len) {
    Address a;
    if (len > sizeof a.storage) len = sizeof a.storage;
    std::memcpy(&a.storage, sa, len);
    a.length = len;
    return a;
}

}  // namespace wshub::net
