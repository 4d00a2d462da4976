// Host names to addresses at start-up, without libc: a static binary in a
// FROM scratch container has no NSS, so getaddrinfo cannot work there. IP
// literals, then the hosts file, then DNS over UDP (TCP for a truncated
// answer) to the nameservers resolv.conf names. Blocking with a bounded
// time: for the main thread at start-up, never for a worker.
//
// Not done: resolv.conf's `search` and `domain` (a short name is asked as
// it is, so a Kubernetes service wants its full name, such as
// backend.default.svc.cluster.local), `rotate`, EDNS, DNSSEC, and caching
// (a name is resolved once; `DnsAnswer::ttl` is not used here).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.h"

namespace wshub::net {

struct ResolverConfig {
    std::vector<Address> nameservers;  // each with its port: 53 from resolv.conf, any in a test
    std::string hosts_path = "/etc/hosts";
    uint32_t timeout_ms = 2000;  // per try: one try asks one nameserver
    uint32_t attempts = 2;       // tries per nameserver
};

// Reads resolv.conf(5): up to 3 `nameserver` lines (an IPv4 or IPv6
// address each, port 53; others, and addresses with a zone, are skipped)
// and `options timeout:N attempts:N` (N seconds, at most 30; N tries, 1 to
// 5). Lines starting with '#' or ';' are comments; other keywords are
// ignored. No nameserver (or no file): 127.0.0.1, as glibc does; the
// timeout and attempts keep ResolverConfig's values unless given.
ResolverConfig read_resolv_conf(const std::string& path = "/etc/resolv.conf");

// Replaces `out` with the addresses of `name`, each with `port`, IPv4 before
// IPv6, without repeats:
// - an IP literal ("192.0.2.1", "2001:db8::1", "[2001:db8::1]") as it is;
// - else every address hosts(5) at `rc.hosts_path` lists for it (names
//   compared case-insensitively, a trailing dot of `name` ignored);
// - else DNS: A and AAAA asked together of each nameserver in turn, the
//   round repeated `rc.attempts` times, each try waiting `rc.timeout_ms`. It
//   stops at the first try that brings an address, finds the name does not
//   exist or settles both (so a server that never answers AAAA costs one
//   timeout, not all of them).
// False with `out` empty and `why` saying what happened ("no such host",
// "no answer from the nameservers", ...) when there is no address.
bool resolve(const ResolverConfig& rc, std::string_view name, uint16_t port, std::vector<Address>& out,
             std::string& why);

}  // namespace wshub::net
