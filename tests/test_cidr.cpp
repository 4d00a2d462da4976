// net/ip.h's address literals and net/cidr.h's ranges for --trusted-proxy:
// each form, each refusal, the boundaries of a prefix, and IPv4 clients
// whichever family their socket was.
#include <arpa/inet.h>

#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "net/cidr.h"

using wshub::net::Cidr;
using wshub::net::IpKey;
using wshub::net::parse_cidr;
using wshub::net::parse_ip;

namespace {

IpKey ip(const char* text) {
    const auto k = parse_ip(text);
    CHECK(k.has_value());
    return k.value_or(IpKey{});
}

std::string shown(const IpKey& k) { return wshub::net::to_string(k, 0); }

}  // namespace

TEST(ip_literals) {
    struct Case {
        const char* text;
        const char* shown;  // nullptr: refused
    } cases[] = {
        {"192.0.2.1", "192.0.2.1:0"},
        {"0.0.0.0", "0.0.0.0:0"},
        {"255.255.255.255", "255.255.255.255:0"},
        {"::1", "[::1]:0"},
        {"::", "[::]:0"},
        {"2001:DB8::A", "[2001:db8::a]:0"},
        {"::ffff:192.0.2.1", "192.0.2.1:0"},  // IPv4-mapped: the IPv4 key
        {"", nullptr},
        {"192.0.2", nullptr},
        {"192.0.2.1.5", nullptr},
        {"192.0.2.256", nullptr},
        {"192.0.2.01", nullptr},  // no octal look-alikes
        {" 192.0.2.1", nullptr},
        {"192.0.2.1 ", nullptr},
        {"192.0.2.1:80", nullptr},
        {"[::1]", nullptr},
        {"fe80::1%eth0", nullptr},
        {"1:2:3:4:5:6:7:8:9", nullptr},
        {"localhost", nullptr},
        {"0000:0000:0000:0000:0000:ffff:192.168.100.200x", nullptr},  // too long for any literal
    };
    for (const auto& k : cases) {
        const auto got = parse_ip(k.text);
        if (!k.shown) {
            if (got) CHECK_EQ(std::string(k.text) + " -> " + shown(*got), std::string(k.text) + " refused");
            continue;
        }
        CHECK(got.has_value());
        if (got) CHECK_EQ(shown(*got), std::string(k.shown));
    }
    // A NUL inside the view is not the end of the literal.
    CHECK(!parse_ip(std::string_view("192.0.2.1\0x", 11)).has_value());
}

TEST(ip_key_of_an_accepted_ipv4_peer_equals_its_literal) {
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    inet_pton(AF_INET, "192.0.2.7", &v4.sin_addr);
    sockaddr_in6 mapped{};
    mapped.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:192.0.2.7", &mapped.sin6_addr);
    const IpKey a = wshub::net::ip_key(wshub::net::address_from(reinterpret_cast<sockaddr*>(&v4), sizeof v4));
    const IpKey b = wshub::net::ip_key(wshub::net::address_from(reinterpret_cast<sockaddr*>(&mapped), sizeof mapped));
    CHECK(a == b);
    CHECK(a == ip("192.0.2.7"));
    CHECK(wshub::net::is_ipv4(a));
    CHECK(!wshub::net::is_ipv4(ip("::1")));
}

TEST(cidr_parse_forms_and_refusals) {
    struct Case {
        const char* text;
        int prefix;  // over the 16-byte key; -1: refused
    } cases[] = {
        {"10.0.0.0/8", 104},
        {"192.0.2.1", 128},
        {"192.0.2.1/32", 128},
        {"0.0.0.0/0", 96},
        {"::1", 128},
        {"::/0", 0},
        {"2001:db8::/32", 32},
        {"::ffff:10.0.0.0/104", 104},  // IPv6 syntax: the prefix counts IPv6 bits
        {"fe80::/10", 10},
        {"10.0.0.1/8", -1},     // bits past the prefix
        {"2001:db8::1/32", -1},
        {"10.0.0.0/33", -1},
        {"::/129", -1},
        {"10.0.0.0/", -1},
        {"10.0.0.0/+8", -1},
        {"10.0.0.0/-8", -1},
        {"10.0.0.0/0008", -1},
        {"10.0.0.0/8/8", -1},
        {"10.0.0.0 /8", -1},
        {"/8", -1},
        {"", -1},
        {"10.0.0.0/8x", -1},
        {"example.com/8", -1},
        {"[::1]/128", -1},
    };
    for (const auto& k : cases) {
        const auto got = parse_cidr(k.text);
        if (k.prefix < 0) {
            if (got) CHECK_EQ(std::string(k.text) + " taken", std::string(k.text) + " refused");
            continue;
        }
        CHECK(got.has_value());
        if (got) CHECK_EQ(std::string(k.text) + " /" + std::to_string(got->prefix),
                          std::string(k.text) + " /" + std::to_string(k.prefix));
    }
}

TEST(cidr_contains_at_the_prefix_boundaries) {
    struct Case {
        const char* range;
        const char* address;
        bool inside;
    } cases[] = {
        {"10.0.0.0/8", "10.0.0.0", true},
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "9.255.255.255", false},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"192.168.4.0/22", "192.168.7.255", true},
        {"192.168.4.0/22", "192.168.8.0", false},
        {"192.168.4.0/22", "192.168.3.255", false},
        {"127.0.0.1", "127.0.0.1", true},
        {"127.0.0.1", "127.0.0.2", false},
        {"10.0.0.0/8", "::ffff:10.1.2.3", true},  // a mapped peer matches its IPv4 range
        {"0.0.0.0/0", "203.0.113.9", true},
        {"0.0.0.0/0", "::1", false},  // every IPv4 address, no IPv6 one
        {"::/0", "203.0.113.9", true},
        {"::/0", "2001:db8::1", true},
        {"2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true},
        {"2001:db8::/32", "2001:db9::", false},
        {"2001:db8::/33", "2001:db8:7fff::1", true},
        {"2001:db8::/33", "2001:db8:8000::", false},
        {"::1", "::1", true},
        {"::1", "127.0.0.1", false},
        {"::1", "::2", false},
        {"::ffff:10.0.0.0/104", "10.9.8.7", true},
    };
    for (const auto& k : cases) {
        const auto range = parse_cidr(k.range);
        CHECK(range.has_value());
        if (!range) continue;
        const std::string what = std::string(k.range) + " holds " + k.address;
        CHECK_EQ(what + ": " + (range->contains(ip(k.address)) ? "yes" : "no"),
                 what + ": " + (k.inside ? "yes" : "no"));
    }
}

TEST(cidr_in_any) {
    std::vector<Cidr> ranges;
    CHECK(!wshub::net::in_any(ranges, ip("127.0.0.1")));
    for (const char* text : {"10.0.0.0/8", "::1", "192.0.2.7"}) ranges.push_back(*parse_cidr(text));
    CHECK(wshub::net::in_any(ranges, ip("10.1.1.1")));
    CHECK(wshub::net::in_any(ranges, ip("::1")));
    CHECK(wshub::net::in_any(ranges, ip("192.0.2.7")));
    CHECK(!wshub::net::in_any(ranges, ip("192.0.2.8")));
    CHECK(!wshub::net::in_any(ranges, ip("127.0.0.1")));
}
