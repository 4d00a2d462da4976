// Per-worker counters. Each is written only by its worker (a relaxed load and
// store: no locked instruction on the hot path) and read by whoever renders
// /metrics, which sums the workers' values. Nothing here ever blocks a worker.
#pragma once

#include <cstddef>
#include <cstdint>

#include "metrics/counter.h"
#include "metrics/histogram.h"

namespace wshub::metrics {

// Why a connection was refused before the upgrade.
enum class Reject : uint8_t {
    malformed,          // 400: request syntax, bare LF
    header_too_large,   // 431
    method,             // 405
    not_found,          // 404
    bad_upgrade,        // 400: HTTP/1.0, Host, Upgrade, Connection, key
    bad_version,        // 426
    max_conns,          // 503
    max_conns_per_ip,   // 429
    refused_by_mode,    // the route's mode refused it (raw: room full, too many rooms, bad room, forbidden)
    origin,             // 403: Origin not allowed, or missing under --require-origin
    unauthorized,       // 401: no valid token on an ,auth route
    handshake_timeout,  // closed without an answer
    draining,           // 503: an upgrade (or /publish) completed while the server drains
    count_
};
const char* reject_label(Reject r) noexcept;

// Close codes worth telling apart; the rest are "other".
enum class CloseBucket : uint8_t { c1000, c1001, c1002, c1003, c1007, c1008, c1009, c1011, none, other, count_ };
CloseBucket close_bucket(uint16_t code) noexcept;
const char* close_label(CloseBucket b) noexcept;

enum class Drop : uint8_t { queue_full, block_timeout, count_ };
const char* drop_label(Drop d) noexcept;

// Why a token was refused: auth::JwtError's values, with `none` standing
// for "no token at all".
constexpr size_t kAuthFailureReasons = 11;
const char* auth_failure_label(size_t reason) noexcept;

enum class JoinRefusal : uint8_t { rooms_claim, password, count_ };
const char* join_refusal_label(JoinRefusal r) noexcept;

// POST /publish answers, by status (the statuses it can answer).
enum class PublishStatus : uint8_t { s200, s400, s401, s403, s405, s411, s413, s500, s503, count_ };
PublishStatus publish_status(int status) noexcept;  // s500 for a status not listed
const char* publish_status_label(PublishStatus s) noexcept;

struct WorkerCounters {
    Counter accepted;  // TCP connections accepted
    Counter upgraded;  // WebSocket connections opened (101 sent)
    LatencyHistogram handshake;         // accept to the 101 queued, for each upgrade
    LatencyHistogram publish_to_write;  // a data frame made to the writev that completes it, per member
    Gauge queued_bytes;                 // bytes waiting in this worker's send queues
    Counter rejected[size_t(Reject::count_)];
    Counter closed[size_t(CloseBucket::count_)];  // WebSocket connections ended, by close code
    Counter messages_received, bytes_received;    // data messages and their payload bytes
    Counter messages_sent, bytes_sent;            // data frames written to sockets, and their bytes
    Counter dropped[size_t(Drop::count_)];
    Counter slow_consumer_closes;
    Counter parked;  // deliveries parked by --overflow block
    Counter http_requests;  // plain HTTP endpoints served (/metrics, /healthz)
    Counter auth_failures[kAuthFailureReasons];
    Counter joins_forbidden[size_t(JoinRefusal::count_)];
    Counter rate_limited;  // connections closed for sending over --max-msg-rate
    Counter publish_requests[size_t(PublishStatus::count_)];

    void reject(Reject r) noexcept { rejected[size_t(r)].add(); }
    void drop(Drop d) noexcept { dropped[size_t(d)].add(); }
};

}  // namespace wshub::metrics
