// DNS messages (RFC 1035 section 4.1, AAAA from RFC 3596) as the start-up
// resolver (net/resolve.h) needs them: a query for one name and type, and the
// reading of its answer. Pure encoding and decoding over bytes, no I/O, so
// the reader can be fed anything (tests/fuzz/fuzz_dns_message.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::net {

inline constexpr uint16_t kDnsTypeA = 1;
inline constexpr uint16_t kDnsTypeCname = 5;
inline constexpr uint16_t kDnsTypeAaaa = 28;
inline constexpr uint16_t kDnsClassIn = 1;

// Appends a standard query (opcode QUERY, RD set, one question of class IN)
// for `name` of type `qtype` with id `id` to `out`. False, with `out`
// untouched, if `name` is not a host name DNS can carry here: labels of 1 to
// 63 letters, digits, '-' or '_', at most 253 characters in all, one
// trailing dot allowed (the root alone is not a host).
bool write_dns_query(std::string& out, uint16_t id, std::string_view name, uint16_t qtype);

struct DnsAnswer {
    enum class Status : uint8_t {
        ok,          // a response to our question; `addresses` may be empty (the name has no such records)
        name_error,  // NXDOMAIN: the name does not exist
        failure,     // SERVFAIL, REFUSED or another error code
        malformed,   // ours by id and header, but does not parse
        truncated,   // TC set and no usable address in what arrived: ask again over TCP
        mismatch,    // not a response to our query (id, QR, opcode or question differ): ignore it
    };
    Status status = Status::malformed;
    // The addresses answering the question, in message order. The family is
    // the one asked for: an A record's address is kept IPv4-mapped
    // (::ffff:a.b.c.d, as net/ip.h keeps IPv4), an AAAA record's as it is.
    std::vector<std::array<uint8_t, 16>> addresses;
    uint32_t ttl = 0;  // the smallest TTL among the records in `addresses`; informational
};

// Reads `msg` as the response to our query (`id`, `name`, `qtype`): the
// header must have QR set, opcode QUERY and our id, and the one question
// must be ours (names compared case-insensitively) or it is a mismatch. The
// answer section's A or AAAA records (as asked) count when their owner is
// the name asked or a target along the CNAME chain from it, the chain
// followed within this message only, in any record order, at most 16 links.
// Compressed names (4.1.4) are followed through at most 128 pointers and 255
// bytes of name, so a pointer loop is malformed, not a hang. With TC set,
// records cut short at the end are dropped rather than malformed. Never
// reads outside `msg`.
DnsAnswer read_dns_response(std::span<const uint8_t> msg, uint16_t id, std::string_view name, uint16_t qtype);

}  // namespace wshub::net
