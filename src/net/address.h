// Numeric listen addresses: "127.0.0.1:8080", "[::1]:8080", "localhost:8080",
// ":8080" or "*:8080" (all interfaces, IPv4). No name resolution: a server
// should not depend on DNS or NSS to start, and a static build cannot use NSS.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <string_view>

namespace wshub::net {

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;

    int family() const noexcept { return storage.ss_family; }
    const sockaddr* sockaddr_ptr() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage);
    }
    uint16_t port() const noexcept;
    void set_port(uint16_t port) noexcept;
    // "127.0.0.1:8080" / "[::1]:8080"
    std::string to_string() const;
};

std::optional<Address> parse_address(std::string_view text);
Address address_from(const sockaddr* sa, socklen_t len);

}  // namespace wshub::net
