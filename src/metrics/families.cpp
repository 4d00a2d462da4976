// The table of metric families. A new metric is a WorkerCounters member (the
// cells its worker writes) and one row here: the row's type follows from the
// member's (Counter: counter; Gauge or a Gauges field: gauge;
// LatencyHistogram: histogram), and a labelled counter's labels are its
// enum's label list, checked to be as long as the member's array. The checks
// at the end refuse a member without a row, a member read by two rows, and
// two rows of one name.
#include "metrics/families.h"

#include <array>
#include <string_view>
#include <type_traits>

#include "wshub/version.h"

namespace wshub::metrics {
namespace {

// The class and type of the member that M points to.
template <auto M>
struct MemberOf;
template <typename Class, typename T, T Class::*M>
struct MemberOf<M> {
    using owner = Class;
    using type = T;
};

// A WorkerCounters member summed over the workers: a Counter or Gauge, or
// cell i of an array of Counters.
template <auto M>
uint64_t summed(const Scrape& s, size_t i) {
    uint64_t total = 0;
    for (const WorkerCounters* w : s.workers) {
        if constexpr (std::is_array_v<typename MemberOf<M>::type>)
            total += (w->*M)[i].get();
        else
            total += (w->*M).get();
    }
    return total;
}

template <auto M>
uint64_t scraped(const Scrape& s, size_t) {
    return uint64_t(s.gauges.*M);
}

template <auto M>
const LatencyHistogram& histogram_of(const WorkerCounters& w) {
    return w.*M;
}

// A family with one sample (or a histogram): member M of Gauges or of
// WorkerCounters.
template <auto M>
constexpr Family family(const char* name, const char* help) {
    using T = typename MemberOf<M>::type;
    if constexpr (std::is_same_v<typename MemberOf<M>::owner, Gauges>) {
        return {.name = name, .help = help, .type = FamilyType::gauge, .sample = &scraped<M>};
    } else if constexpr (std::is_same_v<T, LatencyHistogram>) {
        return {.name = name, .help = help, .type = FamilyType::histogram, .histogram = &histogram_of<M>,
                .worker_bytes = sizeof(T)};
    } else {
        static_assert(std::is_same_v<T, Counter> || std::is_same_v<T, Gauge>, "not a metric member");
        constexpr FamilyType type = std::is_same_v<T, Counter> ? FamilyType::counter : FamilyType::gauge;
        return {.name = name, .help = help, .type = type, .sample = &summed<M>, .worker_bytes = sizeof(T)};
    }
}

// A counter with one sample per label value: member M of WorkerCounters is
// an array of Counters, one per value.
template <auto M, size_t N>
constexpr Family family(const char* name, const char* help, const char* label,
                        const std::array<const char*, N>& values) {
    using T = typename MemberOf<M>::type;
    static_assert(std::is_same_v<T, Counter[N]>, "a labelled counter needs one Counter per label value");
    return {.name = name, .help = help, .type = FamilyType::counter, .label_name = label,
            .label_values = values.data(), .samples = N, .sample = &summed<M>, .worker_bytes = sizeof(T)};
}

uint64_t always_one(const Scrape&, size_t) { return 1; }

constexpr std::array kVersion{WSHUB_VERSION};

using W = WorkerCounters;

constexpr Family kFamilies[] = {
    {.name = "wshub_build_info", .help = "Build information; the value is always 1.", .type = FamilyType::gauge,
     .label_name = "version", .label_values = kVersion.data(), .sample = &always_one},
    family<&Gauges::workers>("wshub_workers", "Worker threads, each with its own event loop."),
    family<&Gauges::connections>("wshub_connections", "Open WebSocket connections."),
    family<&Gauges::rooms>("wshub_rooms", "Rooms with at least one member or delivery in flight."),
    family<&W::queued_bytes>(
        "wshub_queued_bytes",
        "Bytes waiting in send queues (frames, control frames and HTTP answers) for the kernel to take."),
    family<&W::accepted>("wshub_connections_accepted_total", "TCP connections accepted."),
    family<&W::upgraded>("wshub_connections_upgraded_total", "WebSocket connections opened (101 sent)."),
    family<&W::rejected>("wshub_connections_rejected_total", "Connections refused before the upgrade, by reason.",
                         "reason", kRejectLabels),
    family<&W::closed>("wshub_connections_closed_total",
                       "WebSocket connections ended, by the close code sent or answered (none: no close frame).",
                       "code", kCloseLabels),
    family<&W::messages_received>("wshub_messages_received_total", "Data messages received from clients."),
    family<&W::bytes_received>("wshub_received_bytes_total", "Payload bytes of the data messages received."),
    family<&W::messages_sent>("wshub_messages_sent_total", "Data frames written to clients."),
    family<&W::bytes_sent>("wshub_sent_bytes_total", "Bytes of the data frames written to clients."),
    family<&W::handshake>("wshub_handshake_duration_seconds",
                          "Time from accepting a TCP connection to queueing its 101 Switching Protocols."),
    family<&W::publish_to_write>("wshub_publish_to_write_seconds",
                                 "Time from a data message being framed (published, sent directly or replied) to "
                                 "the writev that completes it, once per receiving connection."),
    family<&W::dropped>("wshub_messages_dropped_total", "Messages discarded for one member, by reason.", "reason",
                        kDropLabels),
    family<&W::slow_consumer_closes>("wshub_slow_consumer_closes_total",
                                     "Members closed with 1008 because their send queue was full."),
    family<&W::parked>("wshub_deliveries_parked_total", "Deliveries parked at a full queue under --overflow block."),
    family<&W::http_requests>("wshub_http_requests_total",
                              "Plain HTTP requests answered: /metrics, /healthz, /readyz, the built-in pages "
                              "and static files."),
    family<&W::auth_failures>("wshub_auth_failures_total", "Upgrades refused with 401 on ,auth routes, by reason.",
                              "reason", kAuthFailureLabels),
    family<&W::joins_forbidden>("wshub_joins_forbidden_total",
                                "Room joins refused by the token's rooms claim or a room password.", "reason",
                                kJoinRefusalLabels),
    family<&W::rate_limited>("wshub_rate_limited_total",
                             "Connections closed with 1008 for sending over --max-msg-rate."),
    family<&W::publish_requests>("wshub_publish_requests_total", "POST /publish requests, by the status answered.",
                                 "code", kPublishStatusLabels),
    family<&W::deflate_sent>("wshub_deflate_sent_bytes_total",
                             "Payload bytes of the messages queued compressed (permessage-deflate) for members, as "
                             "compressed and before; one count per member.",
                             "form", kDeflateFormLabels),
    family<&W::deflate_received>("wshub_deflate_received_bytes_total",
                                 "Payload bytes of the compressed messages received, as received and inflated.",
                                 "form", kDeflateFormLabels),
    family<&W::redis_up>("wshub_redis_up",
                         "Workers whose connection to Redis is up (--redis); wshub_workers when all are."),
    family<&W::redis_subscriptions>("wshub_redis_subscriptions",
                                    "Rooms the workers have members in, each subscribed to in Redis while the "
                                    "worker's connection is up, summed over the workers."),
    family<&W::redis_reconnects>("wshub_redis_reconnects_total", "Connections to Redis made again after a loss."),
    family<&W::redis_published>("wshub_redis_published_total", "Room messages published to Redis for the other nodes."),
    family<&W::redis_received>("wshub_redis_received_total",
                               "Room messages received from other nodes through Redis (once per worker)."),
    family<&W::redis_dropped>("wshub_redis_dropped_total",
                              "Room messages to or from other nodes that Redis did not carry, by reason.", "reason",
                              kRedisDropLabels),
    family<&W::redis_round_trip>("wshub_redis_round_trip_seconds",
                                 "Time from a room message published to Redis to its coming back to this node, "
                                 "once per worker of the node with members in the room."),
    family<&W::upstream_connects>("wshub_upstream_connects_total",
                                  "Proxied clients whose upstream accepted the upgrade."),
    family<&W::upstream_failures>("wshub_upstream_failures_total",
                                  "Upstream connections that failed their client, by reason.", "reason",
                                  kUpstreamFailureLabels),
    family<&W::upstream_open>("wshub_upstream_connections", "Upstream connections open."),
    family<&W::upstream_bytes_sent>("wshub_upstream_sent_bytes_total",
                                    "Bytes written to upstreams, their upgrade requests included."),
    family<&W::upstream_bytes_received>("wshub_upstream_received_bytes_total",
                                        "Bytes read from upstreams, their upgrade answers included."),
    family<&W::upstream_handshake>("wshub_upstream_handshake_duration_seconds",
                                   "Time from starting an upstream's TCP connect to reading its 101."),
};

// The members the rows read add up to the whole of WorkerCounters, which
// holds metrics only and so has no padding to miscount. (That no two rows
// read one member, which would let a member without a row balance the sum,
// is a unit test's: comparing the rows' readers, function addresses, is not
// a constant expression in every build, the sanitizers' among them.)
constexpr bool rows_cover_every_member() {
    size_t bytes = 0;
    for (const Family& f : kFamilies) bytes += f.worker_bytes;
    return bytes == sizeof(WorkerCounters);
}
static_assert(rows_cover_every_member(), "each WorkerCounters member needs exactly one row in kFamilies");

constexpr bool names_distinct() {
    for (size_t i = 0; i < std::size(kFamilies); ++i)
        for (size_t j = i + 1; j < std::size(kFamilies); ++j)
            if (std::string_view(kFamilies[i].name) == kFamilies[j].name) return false;
    return true;
}
static_assert(names_distinct(), "two rows of kFamilies share a name");

}  // namespace

std::span<const Family> families() noexcept { return kFamilies; }

}  // namespace wshub::metrics
