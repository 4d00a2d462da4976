// A client's address without its port, as the caps count it, the logs show
// it and --trusted-proxy matches it. IPv4 is kept as IPv4-mapped IPv6
// (::ffff:a.b.c.d), so both families share one key type and an IPv4 client
// is the same key whether an IPv4 or an IPv6 socket accepted it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "net/address.h"

namespace wshub::net {

struct IpKey {
    std::array<uint8_t, 16> bytes{};
    bool operator==(const IpKey&) const = default;
};

IpKey ip_key(const Address& a) noexcept;

// True for an IPv4 address (kept IPv4-mapped).
bool is_ipv4(const IpKey& ip) noexcept;

// An address literal and nothing else: IPv4 in dotted-quad form
// ("192.0.2.1", no leading zeros) or IPv6 ("2001:db8::1", "::ffff:192.0.2.1").
// No brackets, port, zone index, prefix or surrounding space. Does not
// allocate.
std::optional<IpKey> parse_ip(std::string_view text) noexcept;

// The address alone: "127.0.0.1", "::1".
std::string ip_text(const IpKey& ip);
// "127.0.0.1:40312" for an IPv4(-mapped) key, "[::1]:40312" otherwise.
std::string to_string(const IpKey& ip, uint16_t port);

}  // namespace wshub::net
