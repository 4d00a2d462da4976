// Per-worker counters. Each is written only by its worker (a relaxed load and
// store: no locked instruction on the hot path) and read by whoever renders
// /metrics, which sums the workers' values. Nothing here ever blocks a worker.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "auth/jwt_error.h"
#include "metrics/counter.h"
#include "metrics/histogram.h"

namespace wshub::metrics {

// Each reason or status set below is one X-macro list that defines the enum
// and its metric labels together, so an enumerator and its label are one edit.
#define WSHUB_METRICS_ENUMERATOR(name) name,
#define WSHUB_METRICS_LABEL(name) #name,

// Why a connection was refused before the upgrade.
#define WSHUB_REJECT_REASONS(X)                                                                                    \
    X(malformed)         /* 400: request syntax, bare LF */                                                        \
    X(header_too_large)  /* 431 */                                                                                 \
    X(method)            /* 405 */                                                                                 \
    X(not_found)         /* 404 */                                                                                 \
    X(bad_upgrade)       /* 400: HTTP/1.0, Host, Upgrade, Connection, key */                                       \
    X(bad_version)       /* 426 */                                                                                 \
    X(max_conns)         /* 503 */                                                                                 \
    X(max_conns_per_ip)  /* 429 */                                                                                 \
    X(refused_by_mode)   /* the route's mode refused it (raw: room full, too many rooms, bad room, forbidden) */   \
    X(origin)            /* 403: Origin not allowed, or missing under --require-origin */                          \
    X(unauthorized)      /* 401: no valid token on an ,auth route */                                               \
    X(insufficient_scope) /* 403: a valid token without every scope= of its route */                               \
    X(handshake_timeout) /* closed without an answer */                                                            \
    X(draining)          /* 503: an upgrade (or /publish) completed while the server drains */                     \
    X(upstream)          /* 502, 504: a proxy route's upstream failed to accept the client */
enum class Reject : uint8_t { WSHUB_REJECT_REASONS(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kRejectLabels{WSHUB_REJECT_REASONS(WSHUB_METRICS_LABEL)};
constexpr const char* reject_label(Reject r) noexcept {
    return r < Reject::count_ ? kRejectLabels[size_t(r)] : "unknown";
}

// Close codes worth telling apart: X(code) is the bucket c<code>, labelled
// "<code>", and close_bucket's case for it. After them come `none` (no close
// frame: 0, 1005, 1006) and `other` (any code not listed).
#define WSHUB_CLOSE_CODES(X) X(1000) X(1001) X(1002) X(1003) X(1007) X(1008) X(1009) X(1011) X(4001)
#define WSHUB_CLOSE_BUCKET(code) c##code,
enum class CloseBucket : uint8_t { WSHUB_CLOSE_CODES(WSHUB_CLOSE_BUCKET) none, other, count_ };
#undef WSHUB_CLOSE_BUCKET
inline constexpr std::array kCloseLabels{WSHUB_CLOSE_CODES(WSHUB_METRICS_LABEL) "none", "other"};
CloseBucket close_bucket(uint16_t code) noexcept;

// Why a message was discarded for one member.
#define WSHUB_DROP_REASONS(X) X(queue_full) X(block_timeout)
enum class Drop : uint8_t { WSHUB_DROP_REASONS(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kDropLabels{WSHUB_DROP_REASONS(WSHUB_METRICS_LABEL)};

// Why a token was refused, indexed by auth::JwtError: its labels, with
// "missing" (no token at all, counted as reason 0) where none stands.
static_assert(size_t(auth::JwtError::none) == 0);
inline constexpr std::array kAuthFailureLabels = [] {
    std::array labels = auth::kJwtErrorLabels;
    labels[size_t(auth::JwtError::none)] = "missing";
    return labels;
}();
constexpr size_t kAuthFailureReasons = kAuthFailureLabels.size();
constexpr const char* auth_failure_label(size_t reason) noexcept {
    return reason < kAuthFailureReasons ? kAuthFailureLabels[reason] : "unknown";
}

// Why a room join was refused.
#define WSHUB_JOIN_REFUSALS(X) X(rooms_claim) X(password)
enum class JoinRefusal : uint8_t { WSHUB_JOIN_REFUSALS(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kJoinRefusalLabels{WSHUB_JOIN_REFUSALS(WSHUB_METRICS_LABEL)};

// POST /publish answers, by status (the statuses it can answer): X(status) is
// s<status>, labelled "<status>", and publish_status's case for it.
#define WSHUB_PUBLISH_STATUSES(X) X(200) X(204) X(400) X(401) X(403) X(405) X(411) X(413) X(500) X(503)
#define WSHUB_PUBLISH_STATUS(status) s##status,
enum class PublishStatus : uint8_t { WSHUB_PUBLISH_STATUSES(WSHUB_PUBLISH_STATUS) count_ };
#undef WSHUB_PUBLISH_STATUS
inline constexpr std::array kPublishStatusLabels{WSHUB_PUBLISH_STATUSES(WSHUB_METRICS_LABEL)};
PublishStatus publish_status(int status) noexcept;  // s500 for a status not listed

// A permessage-deflate message's payload: as it went on the wire, and as
// the application sees it.
#define WSHUB_DEFLATE_FORMS(X) X(compressed) X(uncompressed)
enum class DeflateForm : uint8_t { WSHUB_DEFLATE_FORMS(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kDeflateFormLabels{WSHUB_DEFLATE_FORMS(WSHUB_METRICS_LABEL)};

// Why a message for the other nodes did not reach Redis, or one from them
// was not delivered: the connection was down, its queue full, it was lost
// with the connection (queued, not written), or the envelope was not one.
#define WSHUB_REDIS_DROPS(X) X(down) X(queue_full) X(lost) X(malformed)
enum class RedisDrop : uint8_t { WSHUB_REDIS_DROPS(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kRedisDropLabels{WSHUB_REDIS_DROPS(WSHUB_METRICS_LABEL)};

// Why a proxy route's upstream failed its client: its TCP connect failed;
// it did not accept and answer the upgrade within --upstream-timeout; it
// answered with another status; its answer was not a valid upgrade; once
// open, it broke the protocol, or its connection ended without a close frame.
#define WSHUB_UPSTREAM_FAILURES(X) X(connect) X(timeout) X(refused) X(invalid) X(protocol) X(lost)
enum class UpstreamFailure : uint8_t { WSHUB_UPSTREAM_FAILURES(WSHUB_METRICS_ENUMERATOR) count_ };
inline constexpr std::array kUpstreamFailureLabels{WSHUB_UPSTREAM_FAILURES(WSHUB_METRICS_LABEL)};

#undef WSHUB_METRICS_ENUMERATOR
#undef WSHUB_METRICS_LABEL

// Every member is a metric, exposed by exactly one row of the table in
// metrics/families.cpp; the build fails while a member has no row.
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
    // permessage-deflate: messages compressed for members (each member's
    // delivery counted), and compressed messages received.
    Counter deflate_sent[size_t(DeflateForm::count_)];
    Counter deflate_received[size_t(DeflateForm::count_)];
    // Several nodes (--redis): each worker's connection to Redis.
    Gauge redis_up;             // 1 while this worker's connection is up
    Gauge redis_subscriptions;  // rooms this worker subscribes to
    Counter redis_reconnects, redis_published, redis_received;
    Counter redis_dropped[size_t(RedisDrop::count_)];
    // A room message published to Redis to its envelope back on this node,
    // at each of its workers subscribed to the room.
    LatencyHistogram redis_round_trip;
    // Proxy routes: upstream connections.
    Counter upstream_connects;  // upgrades an upstream accepted
    Counter upstream_failures[size_t(UpstreamFailure::count_)];
    Gauge upstream_open;        // upstream connections open on this worker
    Counter upstream_bytes_sent, upstream_bytes_received;  // on upstream sockets, HTTP heads included
    LatencyHistogram upstream_handshake;  // connect started to the upstream's 101 read

    void reject(Reject r) noexcept { rejected[size_t(r)].add(); }
    void drop(Drop d) noexcept { dropped[size_t(d)].add(); }
    void redis_drop(RedisDrop d) noexcept { redis_dropped[size_t(d)].add(); }
    void upstream_failure(UpstreamFailure f) noexcept { upstream_failures[size_t(f)].add(); }
};

}  // namespace wshub::metrics
