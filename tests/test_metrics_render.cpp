// The whole /metrics text, pinned byte for byte: every counter, gauge,
// labelled counter and histogram of two workers holds its own value, so a
// family renamed, reordered, relabelled, or read from the wrong cell or worker
// changes the text. The process_* families come from /proc and vary, so they
// are left out of the comparison.
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "metrics/counters.h"
#include "metrics/exposition.h"
#include "wshub/version.h"

using namespace wshub::metrics;

namespace {

// Gives every cell of `w` its own value, base + 1, base + 2, ... in member
// order, so a sample read from the wrong cell, label or worker shows.
void fill(WorkerCounters& w, uint64_t base) {
    uint64_t next = base;
    auto set = [&next](auto& cell) { cell.add(++next); };
    auto set_each = [&set](auto& cells) {
        for (auto& cell : cells) set(cell);
    };
    set(w.accepted);
    set(w.upgraded);
    set(w.queued_bytes);
    set_each(w.rejected);
    set_each(w.closed);
    set(w.messages_received);
    set(w.bytes_received);
    set(w.messages_sent);
    set(w.bytes_sent);
    set_each(w.dropped);
    set(w.slow_consumer_closes);
    set(w.parked);
    set(w.http_requests);
    set_each(w.auth_failures);
    set_each(w.joins_forbidden);
    set(w.rate_limited);
    set_each(w.publish_requests);
    set_each(w.deflate_sent);
    set_each(w.deflate_received);
    set(w.redis_up);
    set(w.redis_subscriptions);
    set(w.redis_reconnects);
    set(w.redis_published);
    set(w.redis_received);
    set_each(w.redis_dropped);
    set(w.upstream_connects);
    set_each(w.upstream_failures);
    set(w.upstream_open);
    set(w.upstream_bytes_sent);
    set(w.upstream_bytes_received);
}

// `text` without the lines of the process_* families (samples, HELP, TYPE).
std::string without_process_families(std::string_view text) {
    std::string kept;
    while (!text.empty()) {
        const size_t end = text.find('\n');
        const std::string_view line = text.substr(0, end == std::string_view::npos ? text.size() : end + 1);
        text.remove_prefix(line.size());
        if (line.starts_with("process_") || line.starts_with("# HELP process_") || line.starts_with("# TYPE process_"))
            continue;
        kept += line;
    }
    return kept;
}

// Names the first line where `got` and `want` differ and prints both,
// rather than two pages of text.
void check_same_text(std::string_view got, std::string_view want) {
    auto line_at = [](std::string_view text, size_t start) {
        return start < text.size() ? text.substr(start, text.find('\n', start) - start) : std::string_view();
    };
    size_t line = 1, start = 0;
    while (start < got.size() || start < want.size()) {
        const std::string_view g = line_at(got, start), w = line_at(want, start);
        if (g != w) {
            ::check::fail(__FILE__, __LINE__,
                          "line " + std::to_string(line) + ": " + ::check::show(g) + " vs " + ::check::show(w));
            return;
        }
        start += g.size() + 1;
        ++line;
    }
    CHECK_EQ(got, want);  // only a final newline can still differ
}

const char kExpected[] = R"txt(# HELP wshub_build_info Build information; the value is always 1.
# TYPE wshub_build_info gauge
wshub_build_info{version=")txt" WSHUB_VERSION R"txt("} 1
# HELP wshub_workers Worker threads, each with its own event loop.
# TYPE wshub_workers gauge
wshub_workers 4
# HELP wshub_connections Open WebSocket connections.
# TYPE wshub_connections gauge
wshub_connections 7
# HELP wshub_rooms Rooms with at least one member or delivery in flight.
# TYPE wshub_rooms gauge
wshub_rooms 3
# HELP wshub_queued_bytes Bytes waiting in send queues (frames, control frames and HTTP answers) for the kernel to take.
# TYPE wshub_queued_bytes gauge
wshub_queued_bytes 6006
# HELP wshub_connections_accepted_total TCP connections accepted.
# TYPE wshub_connections_accepted_total counter
wshub_connections_accepted_total 6002
# HELP wshub_connections_upgraded_total WebSocket connections opened (101 sent).
# TYPE wshub_connections_upgraded_total counter
wshub_connections_upgraded_total 6004
# HELP wshub_connections_rejected_total Connections refused before the upgrade, by reason.
# TYPE wshub_connections_rejected_total counter
wshub_connections_rejected_total{reason="malformed"} 6008
wshub_connections_rejected_total{reason="header_too_large"} 6010
wshub_connections_rejected_total{reason="method"} 6012
wshub_connections_rejected_total{reason="not_found"} 6014
wshub_connections_rejected_total{reason="bad_upgrade"} 6016
wshub_connections_rejected_total{reason="bad_version"} 6018
wshub_connections_rejected_total{reason="max_conns"} 6020
wshub_connections_rejected_total{reason="max_conns_per_ip"} 6022
wshub_connections_rejected_total{reason="refused_by_mode"} 6024
wshub_connections_rejected_total{reason="origin"} 6026
wshub_connections_rejected_total{reason="unauthorized"} 6028
wshub_connections_rejected_total{reason="insufficient_scope"} 6030
wshub_connections_rejected_total{reason="handshake_timeout"} 6032
wshub_connections_rejected_total{reason="draining"} 6034
wshub_connections_rejected_total{reason="upstream"} 6036
# HELP wshub_connections_closed_total WebSocket connections ended, by the close code sent or answered (none: no close frame).
# TYPE wshub_connections_closed_total counter
wshub_connections_closed_total{code="1000"} 6038
wshub_connections_closed_total{code="1001"} 6040
wshub_connections_closed_total{code="1002"} 6042
wshub_connections_closed_total{code="1003"} 6044
wshub_connections_closed_total{code="1007"} 6046
wshub_connections_closed_total{code="1008"} 6048
wshub_connections_closed_total{code="1009"} 6050
wshub_connections_closed_total{code="1011"} 6052
wshub_connections_closed_total{code="4001"} 6054
wshub_connections_closed_total{code="none"} 6056
wshub_connections_closed_total{code="other"} 6058
# HELP wshub_messages_received_total Data messages received from clients.
# TYPE wshub_messages_received_total counter
wshub_messages_received_total 6060
# HELP wshub_received_bytes_total Payload bytes of the data messages received.
# TYPE wshub_received_bytes_total counter
wshub_received_bytes_total 6062
# HELP wshub_messages_sent_total Data frames written to clients.
# TYPE wshub_messages_sent_total counter
wshub_messages_sent_total 6064
# HELP wshub_sent_bytes_total Bytes of the data frames written to clients.
# TYPE wshub_sent_bytes_total counter
wshub_sent_bytes_total 6066
# HELP wshub_handshake_duration_seconds Time from accepting a TCP connection to queueing its 101 Switching Protocols.
# TYPE wshub_handshake_duration_seconds histogram
wshub_handshake_duration_seconds_bucket{le="0.00001"} 2
wshub_handshake_duration_seconds_bucket{le="0.000025"} 4
wshub_handshake_duration_seconds_bucket{le="0.00005"} 5
wshub_handshake_duration_seconds_bucket{le="0.0001"} 5
wshub_handshake_duration_seconds_bucket{le="0.00025"} 6
wshub_handshake_duration_seconds_bucket{le="0.0005"} 6
wshub_handshake_duration_seconds_bucket{le="0.001"} 6
wshub_handshake_duration_seconds_bucket{le="0.0025"} 6
wshub_handshake_duration_seconds_bucket{le="0.005"} 6
wshub_handshake_duration_seconds_bucket{le="0.01"} 6
wshub_handshake_duration_seconds_bucket{le="0.025"} 6
wshub_handshake_duration_seconds_bucket{le="0.05"} 6
wshub_handshake_duration_seconds_bucket{le="0.1"} 6
wshub_handshake_duration_seconds_bucket{le="0.25"} 6
wshub_handshake_duration_seconds_bucket{le="0.5"} 6
wshub_handshake_duration_seconds_bucket{le="1"} 7
wshub_handshake_duration_seconds_bucket{le="2.5"} 8
wshub_handshake_duration_seconds_bucket{le="5"} 8
wshub_handshake_duration_seconds_bucket{le="10"} 8
wshub_handshake_duration_seconds_bucket{le="+Inf"} 9
wshub_handshake_duration_seconds_sum 13.500317
wshub_handshake_duration_seconds_count 9
# HELP wshub_publish_to_write_seconds Time from a data message being framed (published, sent directly or replied) to the writev that completes it, once per receiving connection.
# TYPE wshub_publish_to_write_seconds histogram
wshub_publish_to_write_seconds_bucket{le="0.00001"} 1
wshub_publish_to_write_seconds_bucket{le="0.000025"} 1
wshub_publish_to_write_seconds_bucket{le="0.00005"} 3
wshub_publish_to_write_seconds_bucket{le="0.0001"} 4
wshub_publish_to_write_seconds_bucket{le="0.00025"} 4
wshub_publish_to_write_seconds_bucket{le="0.0005"} 4
wshub_publish_to_write_seconds_bucket{le="0.001"} 4
wshub_publish_to_write_seconds_bucket{le="0.0025"} 5
wshub_publish_to_write_seconds_bucket{le="0.005"} 5
wshub_publish_to_write_seconds_bucket{le="0.01"} 5
wshub_publish_to_write_seconds_bucket{le="0.025"} 5
wshub_publish_to_write_seconds_bucket{le="0.05"} 5
wshub_publish_to_write_seconds_bucket{le="0.1"} 5
wshub_publish_to_write_seconds_bucket{le="0.25"} 5
wshub_publish_to_write_seconds_bucket{le="0.5"} 5
wshub_publish_to_write_seconds_bucket{le="1"} 5
wshub_publish_to_write_seconds_bucket{le="2.5"} 5
wshub_publish_to_write_seconds_bucket{le="5"} 5
wshub_publish_to_write_seconds_bucket{le="10"} 5
wshub_publish_to_write_seconds_bucket{le="+Inf"} 6
wshub_publish_to_write_seconds_sum 60.001435
wshub_publish_to_write_seconds_count 6
# HELP wshub_messages_dropped_total Messages discarded for one member, by reason.
# TYPE wshub_messages_dropped_total counter
wshub_messages_dropped_total{reason="queue_full"} 6068
wshub_messages_dropped_total{reason="block_timeout"} 6070
# HELP wshub_slow_consumer_closes_total Members closed with 1008 because their send queue was full.
# TYPE wshub_slow_consumer_closes_total counter
wshub_slow_consumer_closes_total 6072
# HELP wshub_deliveries_parked_total Deliveries parked at a full queue under --overflow block.
# TYPE wshub_deliveries_parked_total counter
wshub_deliveries_parked_total 6074
# HELP wshub_http_requests_total Plain HTTP requests answered: /metrics, /healthz, /readyz, the built-in pages and static files.
# TYPE wshub_http_requests_total counter
wshub_http_requests_total 6076
# HELP wshub_auth_failures_total Upgrades refused with 401 on ,auth routes, by reason.
# TYPE wshub_auth_failures_total counter
wshub_auth_failures_total{reason="missing"} 6078
wshub_auth_failures_total{reason="too_large"} 6080
wshub_auth_failures_total{reason="malformed"} 6082
wshub_auth_failures_total{reason="not_object"} 6084
wshub_auth_failures_total{reason="bad_alg"} 6086
wshub_auth_failures_total{reason="bad_signature"} 6088
wshub_auth_failures_total{reason="expired"} 6090
wshub_auth_failures_total{reason="not_yet_valid"} 6092
wshub_auth_failures_total{reason="wrong_issuer"} 6094
wshub_auth_failures_total{reason="wrong_audience"} 6096
wshub_auth_failures_total{reason="bad_claims"} 6098
# HELP wshub_joins_forbidden_total Room joins refused by the token's rooms claim or a room password.
# TYPE wshub_joins_forbidden_total counter
wshub_joins_forbidden_total{reason="rooms_claim"} 6100
wshub_joins_forbidden_total{reason="password"} 6102
# HELP wshub_rate_limited_total Connections closed with 1008 for sending over --max-msg-rate.
# TYPE wshub_rate_limited_total counter
wshub_rate_limited_total 6104
# HELP wshub_publish_requests_total POST /publish requests, by the status answered.
# TYPE wshub_publish_requests_total counter
wshub_publish_requests_total{code="200"} 6106
wshub_publish_requests_total{code="204"} 6108
wshub_publish_requests_total{code="400"} 6110
wshub_publish_requests_total{code="401"} 6112
wshub_publish_requests_total{code="403"} 6114
wshub_publish_requests_total{code="405"} 6116
wshub_publish_requests_total{code="411"} 6118
wshub_publish_requests_total{code="413"} 6120
wshub_publish_requests_total{code="500"} 6122
wshub_publish_requests_total{code="503"} 6124
# HELP wshub_deflate_sent_bytes_total Payload bytes of the messages queued compressed (permessage-deflate) for members, as compressed and before; one count per member.
# TYPE wshub_deflate_sent_bytes_total counter
wshub_deflate_sent_bytes_total{form="compressed"} 6126
wshub_deflate_sent_bytes_total{form="uncompressed"} 6128
# HELP wshub_deflate_received_bytes_total Payload bytes of the compressed messages received, as received and inflated.
# TYPE wshub_deflate_received_bytes_total counter
wshub_deflate_received_bytes_total{form="compressed"} 6130
wshub_deflate_received_bytes_total{form="uncompressed"} 6132
# HELP wshub_redis_up Workers whose connection to Redis is up (--redis); wshub_workers when all are.
# TYPE wshub_redis_up gauge
wshub_redis_up 6134
# HELP wshub_redis_subscriptions Rooms the workers have members in, each subscribed to in Redis while the worker's connection is up, summed over the workers.
# TYPE wshub_redis_subscriptions gauge
wshub_redis_subscriptions 6136
# HELP wshub_redis_reconnects_total Connections to Redis made again after a loss.
# TYPE wshub_redis_reconnects_total counter
wshub_redis_reconnects_total 6138
# HELP wshub_redis_published_total Room messages published to Redis for the other nodes.
# TYPE wshub_redis_published_total counter
wshub_redis_published_total 6140
# HELP wshub_redis_received_total Room messages received from other nodes through Redis (once per worker).
# TYPE wshub_redis_received_total counter
wshub_redis_received_total 6142
# HELP wshub_redis_dropped_total Room messages to or from other nodes that Redis did not carry, by reason.
# TYPE wshub_redis_dropped_total counter
wshub_redis_dropped_total{reason="down"} 6144
wshub_redis_dropped_total{reason="queue_full"} 6146
wshub_redis_dropped_total{reason="lost"} 6148
wshub_redis_dropped_total{reason="malformed"} 6150
# HELP wshub_redis_round_trip_seconds Time from a room message published to Redis to its coming back to this node, once per worker of the node with members in the room.
# TYPE wshub_redis_round_trip_seconds histogram
wshub_redis_round_trip_seconds_bucket{le="0.00001"} 0
wshub_redis_round_trip_seconds_bucket{le="0.000025"} 0
wshub_redis_round_trip_seconds_bucket{le="0.00005"} 0
wshub_redis_round_trip_seconds_bucket{le="0.0001"} 0
wshub_redis_round_trip_seconds_bucket{le="0.00025"} 0
wshub_redis_round_trip_seconds_bucket{le="0.0005"} 0
wshub_redis_round_trip_seconds_bucket{le="0.001"} 0
wshub_redis_round_trip_seconds_bucket{le="0.0025"} 0
wshub_redis_round_trip_seconds_bucket{le="0.005"} 0
wshub_redis_round_trip_seconds_bucket{le="0.01"} 0
wshub_redis_round_trip_seconds_bucket{le="0.025"} 0
wshub_redis_round_trip_seconds_bucket{le="0.05"} 0
wshub_redis_round_trip_seconds_bucket{le="0.1"} 0
wshub_redis_round_trip_seconds_bucket{le="0.25"} 0
wshub_redis_round_trip_seconds_bucket{le="0.5"} 0
wshub_redis_round_trip_seconds_bucket{le="1"} 0
wshub_redis_round_trip_seconds_bucket{le="2.5"} 0
wshub_redis_round_trip_seconds_bucket{le="5"} 0
wshub_redis_round_trip_seconds_bucket{le="10"} 0
wshub_redis_round_trip_seconds_bucket{le="+Inf"} 0
wshub_redis_round_trip_seconds_sum 0
wshub_redis_round_trip_seconds_count 0
# HELP wshub_upstream_connects_total Proxied clients whose upstream accepted the upgrade.
# TYPE wshub_upstream_connects_total counter
wshub_upstream_connects_total 6152
# HELP wshub_upstream_failures_total Upstream connections that failed their client, by reason.
# TYPE wshub_upstream_failures_total counter
wshub_upstream_failures_total{reason="connect"} 6154
wshub_upstream_failures_total{reason="timeout"} 6156
wshub_upstream_failures_total{reason="refused"} 6158
wshub_upstream_failures_total{reason="invalid"} 6160
wshub_upstream_failures_total{reason="protocol"} 6162
wshub_upstream_failures_total{reason="lost"} 6164
# HELP wshub_upstream_connections Upstream connections open.
# TYPE wshub_upstream_connections gauge
wshub_upstream_connections 6166
# HELP wshub_upstream_sent_bytes_total Bytes written to upstreams, their upgrade requests included.
# TYPE wshub_upstream_sent_bytes_total counter
wshub_upstream_sent_bytes_total 6168
# HELP wshub_upstream_received_bytes_total Bytes read from upstreams, their upgrade answers included.
# TYPE wshub_upstream_received_bytes_total counter
wshub_upstream_received_bytes_total 6170
# HELP wshub_upstream_handshake_duration_seconds Time from starting an upstream's TCP connect to reading its 101.
# TYPE wshub_upstream_handshake_duration_seconds histogram
wshub_upstream_handshake_duration_seconds_bucket{le="0.00001"} 0
wshub_upstream_handshake_duration_seconds_bucket{le="0.000025"} 0
wshub_upstream_handshake_duration_seconds_bucket{le="0.00005"} 0
wshub_upstream_handshake_duration_seconds_bucket{le="0.0001"} 1
wshub_upstream_handshake_duration_seconds_bucket{le="0.00025"} 1
wshub_upstream_handshake_duration_seconds_bucket{le="0.0005"} 2
wshub_upstream_handshake_duration_seconds_bucket{le="0.001"} 2
wshub_upstream_handshake_duration_seconds_bucket{le="0.0025"} 2
wshub_upstream_handshake_duration_seconds_bucket{le="0.005"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.01"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.025"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.05"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.1"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.25"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="0.5"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="1"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="2.5"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="5"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="10"} 3
wshub_upstream_handshake_duration_seconds_bucket{le="+Inf"} 3
wshub_upstream_handshake_duration_seconds_sum 0.00349
wshub_upstream_handshake_duration_seconds_count 3
)txt";

}  // namespace

TEST(metrics_render_golden_text) {
    WorkerCounters a, b;
    fill(a, 1000);
    fill(b, 5000);
    for (uint64_t us : {5, 10, 11, 240, 2'500'000, 10'000'001}) a.handshake.observe(us);
    for (uint64_t us : {25, 26, 999'999}) b.handshake.observe(us);
    for (uint64_t us : {1, 100, 60'000'000}) a.publish_to_write.observe(us);
    for (uint64_t us : {50, 50, 1'234}) b.publish_to_write.observe(us);
    for (uint64_t us : {90, 400}) a.upstream_handshake.observe(us);
    b.upstream_handshake.observe(3'000);
    const std::string text = render({&a, &b}, Gauges{7, 3, 4});
    check_same_text(without_process_families(text), kExpected);
}
