// A server's life in the log: start (with what it was configured to do and
// the descriptors it may use), listen_failed, reload, drain_start, then
// drain_done or drain_abort. integration/test_logs.py, test_drain.py and
// test_reload.py pin them.
#include <sys/resource.h>

#include <string>
#include <vector>

#include "app/log.h"
#include "app/server.h"
#include "config/route_spec.h"
#include "wshub/version.h"

namespace wshub::app {
namespace {

// Each route's whole spec, as --route would take it again.
std::string describe_routes(const config::Config& cfg) {
    std::string s;
    for (const auto& r : cfg.routes) {
        if (!s.empty()) s += ' ';
        s += config::route_spec(cfg, r);
    }
    return s;
}

uint64_t open_files_limit() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    return uint64_t(rl.rlim_cur);
}

// Descriptors that are not clients: stdin, stdout, stderr, and per worker its
// poller, its wake-up descriptor, its listener and one spare (a /proc file
// read for /metrics, a second accept while the first is being counted).
// Per worker: an epoll, a wake-up pair, a listener, and one Redis connection
// (a cluster's seed and every primary: 17).
uint64_t reserved_fds(const config::Config& cfg) {
    const uint64_t redis = !cfg.redis ? 0 : cfg.redis_cluster.empty() ? 1 : 17;
    return 3 + (4 + redis) * uint64_t(cfg.workers);
}

const char* overflow_name(config::Overflow o) {
    return o == config::Overflow::close ? "close" : o == config::Overflow::drop ? "drop" : "block";
}

}  // namespace

void log_start(const config::Config& cfg) {
    const uint64_t limit = open_files_limit();
    const uint64_t reserved = reserved_fds(cfg);
    const uint64_t clients = limit > reserved ? limit - reserved : 0;
    if (log_enabled(LogLevel::info)) {
        const bool token = !cfg.publish_token.empty(), jwt = !cfg.jwt_secrets.empty();
        Log(LogLevel::info, "start")
            .str("version", WSHUB_VERSION)
            .str("listen", cfg.listen.to_string())
            .str("metrics_listen", cfg.metrics_listen ? cfg.metrics_listen->to_string() : "main port")
            .num("workers", cfg.workers)
            .str("routes", describe_routes(cfg))
            .num("max_conns", cfg.max_conns)
            .num("max_conns_per_ip", cfg.max_conns_per_ip)
            .num("max_message", cfg.max_message)
            .num("queue_messages", cfg.queue_messages)
            .num("queue_bytes", cfg.queue_bytes)
            .str("overflow", overflow_name(cfg.overflow))
            .str("publish", token && jwt ? "token,jwt" : token ? "token" : jwt ? "jwt" : "off")
            .num("drain_timeout_ms", cfg.drain_timeout_ms)
            .num("open_files_limit", limit)
            .num("max_clients", clients)
            .emit();
    }
    // Each client is one descriptor: past the limit, accept fails (and is
    // retried), so a --max-conns above it can never be reached.
    if (cfg.max_conns > clients && log_enabled(LogLevel::warn))
        Log(LogLevel::warn, "open_files_limit")
            .num("max_conns", cfg.max_conns)
            .num("max_clients", clients)
            .str("msg", "--max-conns is above what the open-files limit allows (raise it with ulimit -n)")
            .emit();
}

void log_node_number(const std::string& node_id, const NodeNumber& n) {
    const LogLevel level = n.claimed ? LogLevel::info : LogLevel::warn;
    if (!log_enabled(level)) return;
    Log line(level, n.claimed ? "node_number" : "node_number_unclaimed");
    line.str("node", node_id).num("number", n.number);
    if (!n.claimed) line.str("reason", n.why);
    line.emit();
}

Status listen_failed(const std::string& address, const std::string& why) {
    Log(LogLevel::error, "listen_failed").str("listen", address).str("msg", why).emit();
    return {false, "wshub: cannot listen on " + address + ": " + why};
}

void log_drain_start(const char* signal, uint64_t connections, uint64_t timeout_ms) {
    if (log_enabled(LogLevel::info))
        Log(LogLevel::info, "drain_start")
            .str("signal", signal ? signal : "none")
            .num("connections", connections)
            .num("timeout_ms", timeout_ms)
            .emit();
}

void log_reload(const char* signal, const std::vector<ReloadOutcome>& outcomes) {
    std::string failures;
    for (const ReloadOutcome& o : outcomes)
        if (!o.error.empty()) failures += (failures.empty() ? "" : "; ") + o.error;
    const LogLevel level = failures.empty() ? LogLevel::info : LogLevel::warn;
    if (!log_enabled(level)) return;
    Log line(level, "reload");
    line.str("signal", signal ? signal : "none");
    for (const ReloadOutcome& o : outcomes) {
        if (!o.error.empty()) line.str(o.item, "failed");
        else if (o.count) line.num(o.item, *o.count);
        else line.str(o.item, "ok");
    }
    if (!failures.empty()) line.str("msg", "kept the old values: " + failures);
    else if (outcomes.empty()) line.str("msg", "no file of secrets to read again");
    line.emit();
}

void log_drain_end(bool drained, const char* cut_by, uint64_t duration_ms, uint64_t forced) {
    if (!drained) {
        if (log_enabled(LogLevel::warn))
            Log(LogLevel::warn, "drain_abort")
                .str("signal", cut_by ? cut_by : "none")
                .num("duration_ms", duration_ms)
                .num("forced", forced)
                .str("msg", cut_by ? "second signal: connections cut, exit status 1"
                                   : "stop_now(): connections cut, exit status 1")
                .emit();
        return;
    }
    const LogLevel level = forced ? LogLevel::warn : LogLevel::info;
    if (log_enabled(level)) {
        Log line(level, "drain_done");
        line.num("duration_ms", duration_ms).num("forced", forced);
        if (forced) line.str("msg", "connections still open at --drain-timeout were cut");
        line.emit();
    }
}

}  // namespace wshub::app
