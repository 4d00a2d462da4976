#include "net/cidr.h"

namespace wshub::net {
namespace {

constexpr uint8_t kIpv4Offset = 96;  // an IPv4 address's bits start here in an IpKey

// The mask of the prefix's bits in byte `i` of a key.
uint8_t prefix_mask(uint8_t prefix, size_t i) noexcept {
    const int bits = int(prefix) - int(i) * 8;
    if (bits >= 8) return 0xff;
    if (bits <= 0) return 0;
    return uint8_t(0xff << (8 - bits));
}

// 1 to 3 decimal digits, at most `max`.
std::optional<uint8_t> parse_prefix(std::string_view text, unsigned max) noexcept {
    if (text.empty() || text.size() > 3) return std::nullopt;
    unsigned n = 0;
    for (char ch : text) {
        if (ch < '0' || ch > '9') return std::nullopt;
        n = n * 10 + unsigned(ch - '0');
    }
    if (n > max) return std::nullopt;
    return uint8_t(n);
}

}  // namespace

bool Cidr::contains(const IpKey& ip) const noexcept {
    for (size_t i = 0; i < ip.bytes.size(); ++i) {
        const uint8_t mask = prefix_mask(prefix, i);
        if (mask == 0) return true;
        if ((ip.bytes[i] & mask) != base.bytes[i]) return false;
    }
    return true;
}

std::optional<Cidr> parse_cidr(std::string_view text) noexcept {
    const size_t slash = text.find('/');
    const std::string_view address = text.substr(0, slash);
    const auto ip = parse_ip(address);
    if (!ip) return std::nullopt;
    const bool v4 = address.find(':') == std::string_view::npos;  // as written: ::ffff:a.b.c.d/N is IPv6
    Cidr range{*ip, 128};
    if (slash != std::string_view::npos) {
        const auto bits = parse_prefix(text.substr(slash + 1), v4 ? 32 : 128);
        if (!bits) return std::nullopt;
        range.prefix = uint8_t(*bits + (v4 ? kIpv4Offset : 0));
    }
    for (size_t i = 0; i < range.base.bytes.size(); ++i)
        if ((range.base.bytes[i] & ~prefix_mask(range.prefix, i)) != 0) return std::nullopt;
    return range;
}

bool in_any(std::span<const Cidr> ranges, const IpKey& ip) noexcept {
    for (const Cidr& range : ranges)
        if (range.contains(ip)) return true;
    return false;
}

}  // namespace wshub::net
