#include "metrics/exposition.h"

#include <cstdio>
#include <string_view>

#include "metrics/process.h"
#include "wshub/version.h"

namespace wshub::metrics {
namespace {

class Writer {
public:
    Writer(std::string& out, const std::vector<const WorkerCounters*>& w) : out_(out), workers_(w) {}

    void header(const char* name, const char* type, const char* help) {
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
    }

    void sample(const char* name, const char* label, const char* value_of_label, uint64_t v) {
        out_ += name;
        if (label) {
            out_ += '{';
            out_ += label;
            out_ += "=\"";
            out_ += value_of_label;
            out_ += "\"}";
        }
        out_ += ' ';
        out_ += std::to_string(v);
        out_ += '\n';
    }

    // A counter summed over the workers; `field` picks it out of each.
    template <typename Pick>
    uint64_t sum(Pick field) const {
        uint64_t total = 0;
        for (const WorkerCounters* w : workers_) total += field(*w).get();
        return total;
    }

    template <typename Pick>
    void counter(const char* name, const char* help, Pick field) {
        header(name, "counter", help);
        sample(name, nullptr, nullptr, sum(field));
    }

    // Each bucket is read once per worker and accumulated here, so the
    // buckets are cumulative and `_count` equals the +Inf bucket even while
    // workers keep observing; only `_sum` may be off by the observations
    // made while the scrape read the buckets.
    template <typename Pick>
    void histogram(const char* name, const char* help, Pick field) {
        header(name, "histogram", help);
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= LatencyHistogram::kBounds; ++i) {
            for (const WorkerCounters* w : workers_) cumulative += field(*w).bucket(i);
            out_ += name;
            out_ += "_bucket{le=\"";
            out_ += i < LatencyHistogram::kBounds ? format_seconds(kLatencyBoundsUs[i]) : std::string("+Inf");
            out_ += "\"} ";
            out_ += std::to_string(cumulative);
            out_ += '\n';
        }
        uint64_t sum_us = 0;
        for (const WorkerCounters* w : workers_) sum_us += field(*w).sum_us();
        out_ += name;
        out_ += "_sum ";
        out_ += format_seconds(sum_us);
        out_ += '\n';
        out_ += name;
        out_ += "_count ";
        out_ += std::to_string(cumulative);
        out_ += '\n';
    }

private:
    std::string& out_;
    const std::vector<const WorkerCounters*>& workers_;
};

}  // namespace

std::string format_seconds(uint64_t us) {
    std::string s = std::to_string(us / 1'000'000);
    if (uint64_t frac = us % 1'000'000; frac != 0) {
        char digits[8];
        std::snprintf(digits, sizeof digits, ".%06llu", static_cast<unsigned long long>(frac));
        std::string_view d(digits);
        while (d.back() == '0') d.remove_suffix(1);
        s += d;
    }
    return s;
}

std::string render(const std::vector<const WorkerCounters*>& workers, const Gauges& g) {
    std::string out;
    out.reserve(4096);
    Writer w(out, workers);

    w.header("wshub_build_info", "gauge", "Build information; the value is always 1.");
    out += "wshub_build_info{version=\"" WSHUB_VERSION "\"} 1\n";
    w.header("wshub_workers", "gauge", "Worker threads, each with its own event loop.");
    w.sample("wshub_workers", nullptr, nullptr, g.workers);
    w.header("wshub_connections", "gauge", "Open WebSocket connections.");
    w.sample("wshub_connections", nullptr, nullptr, g.connections);
    w.header("wshub_rooms", "gauge", "Rooms with at least one member or delivery in flight.");
    w.sample("wshub_rooms", nullptr, nullptr, g.rooms);
    w.header("wshub_queued_bytes", "gauge",
             "Bytes waiting in send queues (frames, control frames and HTTP answers) for the kernel to take.");
    w.sample("wshub_queued_bytes", nullptr, nullptr,
             w.sum([](const WorkerCounters& c) -> const Gauge& { return c.queued_bytes; }));

    w.counter("wshub_connections_accepted_total", "TCP connections accepted.",
              [](const WorkerCounters& c) -> const Counter& { return c.accepted; });
    w.counter("wshub_connections_upgraded_total", "WebSocket connections opened (101 sent).",
              [](const WorkerCounters& c) -> const Counter& { return c.upgraded; });

    w.header("wshub_connections_rejected_total", "counter", "Connections refused before the upgrade, by reason.");
    for (size_t r = 0; r < size_t(Reject::count_); ++r)
        w.sample("wshub_connections_rejected_total", "reason", reject_label(Reject(r)),
                 w.sum([r](const WorkerCounters& c) -> const Counter& { return c.rejected[r]; }));

    w.header("wshub_connections_closed_total", "counter",
             "WebSocket connections ended, by the close code sent or answered (none: no close frame).");
    for (size_t b = 0; b < size_t(CloseBucket::count_); ++b)
        w.sample("wshub_connections_closed_total", "code", kCloseLabels[b],
                 w.sum([b](const WorkerCounters& c) -> const Counter& { return c.closed[b]; }));

    w.counter("wshub_messages_received_total", "Data messages received from clients.",
              [](const WorkerCounters& c) -> const Counter& { return c.messages_received; });
    w.counter("wshub_received_bytes_total", "Payload bytes of the data messages received.",
              [](const WorkerCounters& c) -> const Counter& { return c.bytes_received; });
    w.counter("wshub_messages_sent_total", "Data frames written to clients.",
              [](const WorkerCounters& c) -> const Counter& { return c.messages_sent; });
    w.counter("wshub_sent_bytes_total", "Bytes of the data frames written to clients.",
              [](const WorkerCounters& c) -> const Counter& { return c.bytes_sent; });
    w.histogram("wshub_handshake_duration_seconds",
                "Time from accepting a TCP connection to queueing its 101 Switching Protocols.",
                [](const WorkerCounters& c) -> const LatencyHistogram& { return c.handshake; });
    w.histogram("wshub_publish_to_write_seconds",
                "Time from a data message being framed (published, sent directly or replied) to the "
                "writev that completes it, once per receiving connection.",
                [](const WorkerCounters& c) -> const LatencyHistogram& { return c.publish_to_write; });

    w.header("wshub_messages_dropped_total", "counter", "Messages discarded for one member, by reason.");
    for (size_t d = 0; d < size_t(Drop::count_); ++d)
        w.sample("wshub_messages_dropped_total", "reason", kDropLabels[d],
                 w.sum([d](const WorkerCounters& c) -> const Counter& { return c.dropped[d]; }));

    w.counter("wshub_slow_consumer_closes_total", "Members closed with 1008 because their send queue was full.",
              [](const WorkerCounters& c) -> const Counter& { return c.slow_consumer_closes; });
    w.counter("wshub_deliveries_parked_total", "Deliveries parked at a full queue under --overflow block.",
              [](const WorkerCounters& c) -> const Counter& { return c.parked; });
    w.counter("wshub_http_requests_total", "Plain HTTP requests served (/metrics, /healthz, /readyz).",
              [](const WorkerCounters& c) -> const Counter& { return c.http_requests; });
    w.header("wshub_auth_failures_total", "counter", "Upgrades refused with 401 on ,auth routes, by reason.");
    for (size_t r = 0; r < kAuthFailureReasons; ++r)
        w.sample("wshub_auth_failures_total", "reason", auth_failure_label(r),
                 w.sum([r](const WorkerCounters& c) -> const Counter& { return c.auth_failures[r]; }));
    w.header("wshub_joins_forbidden_total", "counter",
             "Room joins refused by the token's rooms claim or a room password.");
    for (size_t r = 0; r < size_t(JoinRefusal::count_); ++r)
        w.sample("wshub_joins_forbidden_total", "reason", kJoinRefusalLabels[r],
                 w.sum([r](const WorkerCounters& c) -> const Counter& { return c.joins_forbidden[r]; }));
    w.counter("wshub_rate_limited_total", "Connections closed with 1008 for sending over --max-msg-rate.",
              [](const WorkerCounters& c) -> const Counter& { return c.rate_limited; });
    w.header("wshub_publish_requests_total", "counter", "POST /publish requests, by the status answered.");
    for (size_t s = 0; s < size_t(PublishStatus::count_); ++s)
        w.sample("wshub_publish_requests_total", "code", kPublishStatusLabels[s],
                 w.sum([s](const WorkerCounters& c) -> const Counter& { return c.publish_requests[s]; }));
    append_process_metrics(out);
    return out;
}

}  // namespace wshub::metrics
