// Address ranges for --trusted-proxy: "10.0.0.0/8", "2001:db8::/32", or a
// bare address, which is all of its bits (/32, /128). An IPv4 range is kept
// over the IPv4-mapped IPv6 space (its prefix plus 96), so it matches an IPv4
// client whichever socket family accepted it, and never an IPv6 one.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "net/ip.h"

namespace wshub::net {

struct Cidr {
    IpKey base;          // no bit set past the prefix
    uint8_t prefix = 0;  // leading bits of the 16-byte key that must match: 0 to 128

    bool contains(const IpKey& ip) const noexcept;
};

// ADDRESS or ADDRESS/BITS (BITS: 0-32 for IPv4, 0-128 for IPv6, in decimal).
// Refused: anything parse_ip refuses, a prefix out of range or with a sign,
// and an address with bits set past its prefix ("10.0.0.1/8": a typo for
// /32, or for 10.0.0.0/8, and which one cannot be guessed).
std::optional<Cidr> parse_cidr(std::string_view text) noexcept;

// Whether any range holds `ip`.
bool in_any(std::span<const Cidr> ranges, const IpKey& ip) noexcept;

}  // namespace wshub::net
