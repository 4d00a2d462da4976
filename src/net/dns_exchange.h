// Asking one nameserver once, blocking until an answer or a deadline: the
// I/O half of the start-up resolver (net/resolve.h), over the messages of
// net/dns_message.h. Start-up only, on the main thread: nothing here may run
// on a worker.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/address.h"
#include "net/dns_message.h"

namespace wshub::net {

using DnsClock = std::chrono::steady_clock;

// One record type asked for a name, across the tries of a lookup.
struct DnsQuestion {
    uint16_t qtype = kDnsTypeA;
    // Answered for good (ok or name_error), so no server is asked again;
    // `answer` holds that answer.
    bool settled = false;
    DnsAnswer answer;
};

// What kept a try from settling every question, worst last (the resolver
// reports the worst it met).
enum class DnsTrouble : uint8_t { none, no_answer, malformed, server_failure };

// Asks `server` for `name` once for each question not yet settled: a query
// with a fresh random id per question over one connected UDP socket (so only
// that server's datagrams arrive), then reads until every such question has
// an answer or `deadline` passes. Datagrams that are not the answer to one
// of our queries are skipped and the wait goes on. A truncated answer with
// no usable address is asked again over TCP, to the same server before the
// same deadline. Returns the worst trouble met; `none` when every question
// asked was settled.
DnsTrouble ask_nameserver(const Address& server, std::string_view name, std::span<DnsQuestion> questions,
                          DnsClock::time_point deadline);

// Sends `query` over TCP (RFC 1035 4.2.2: every message after a two-byte
// length) and reads the one reply into `reply`, all before `deadline`. False
// if connecting, writing or reading fails or the deadline passes.
bool exchange_over_tcp(const Address& server, std::string_view query, DnsClock::time_point deadline,
                       std::vector<uint8_t>& reply);

// Query ids that an off-path sender cannot guess: getrandom(2), else
// /dev/urandom, else (neither available) the clock mixed with a counter.
uint16_t random_query_id();

}  // namespace wshub::net
