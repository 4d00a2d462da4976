#include "app/server.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/log.h"
#include "app/shared.h"
#include "app/worker.h"
#include "modes/modes.h"
#include "net/socket.h"
#include "reactor/loop.h"
#include "wshub/version.h"

namespace wshub::app {
namespace {

std::string describe_routes(const config::Config& cfg) {
    std::string s;
    for (const auto& r : cfg.routes) {
        if (!s.empty()) s += ' ';
        s += r.path + "=";
        s += cfg.mode_of(r);
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
uint64_t reserved_fds(const config::Config& cfg) { return 3 + 4 * uint64_t(cfg.workers); }

void log_start(const config::Config& cfg) {
    const uint64_t limit = open_files_limit();
    const uint64_t reserved = reserved_fds(cfg);
    const uint64_t clients = limit > reserved ? limit - reserved : 0;
    if (log_enabled(LogLevel::info)) {
        const bool token = !cfg.publish_token.empty(), jwt = !cfg.jwt_secret.empty();
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
            .str("overflow", cfg.overflow == config::Overflow::close  ? "close"
                             : cfg.overflow == config::Overflow::drop ? "drop"
                                                                      : "block")
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

// Collects every child that has exited, without blocking.
void reap_children() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

// The next SIGINT or SIGTERM (reaping children on the way, as PID 1).
int wait_for_stop(const sigset_t& waited, bool init) {
    int sig = 0;
    while (sigwait(&waited, &sig) != 0 || sig == SIGCHLD) {
        if (sig == SIGCHLD && init) reap_children();
        sig = 0;
    }
    return sig;
}

// Shared::drain.on_done: the signal thread waits in sigwait, so a signal is
// what reaches it; SIGTERM is in its set and blocked everywhere.
void wake_signal_thread(void* thread) { pthread_kill(*static_cast<pthread_t*>(thread), SIGTERM); }

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "other"; }

}  // namespace

int run_server(const config::Config& cfg, const std::vector<wshub::Handler*>& custom) {
    // Block the stop signals in every thread (workers inherit this mask), so
    // only the sigwait below sees them; and never die of a peer's reset.
    // Waiting for them, rather than relying on their default action, also makes
    // them work when wshub is PID 1 (a container's entry point): the kernel
    // gives PID 1 no default action, so an unhandled SIGTERM would be dropped.
    // SIGHUP and SIGQUIT are left alone: they keep their default action
    // (terminate; SIGQUIT with a core dump), which PID 1 does not get, so in a
    // container only SIGINT and SIGTERM (and a SIGKILL from outside) stop it.
    //
    // As PID 1, wshub also inherits every orphan in its PID namespace and must
    // reap them, or they stay zombies: SIGCHLD joins the waited set and each
    // one collects all exited children. Only as PID 1, because waitpid(-1)
    // would otherwise steal the exit status of children an embedder waits for
    // itself (and a process that is not PID 1 inherits no orphans).
    const bool init = getpid() == 1;
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGINT);
    sigaddset(&waited, SIGTERM);
    if (init) sigaddset(&waited, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &waited, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // Children that exited before SIGCHLD was blocked raised no pending signal.
    if (init) reap_children();

    Shared shared(cfg);
    const auto echo = modes::make_echo();
    const auto raw = modes::make_raw({cfg.echo_self});
    const auto json = modes::make_json({cfg.echo_self});
    shared.builtin[int(config::RouteMode::echo)] = echo.get();
    shared.builtin[int(config::RouteMode::raw)] = raw.get();
    shared.builtin[int(config::RouteMode::json)] = json.get();
    shared.custom = custom;
    shared.map_routes();

    for (const net::Address* a : {&cfg.listen, cfg.metrics_listen ? &*cfg.metrics_listen : nullptr}) {
        if (std::string error; a && !net::address_free(*a, error)) {
            Log(LogLevel::error, "listen_failed").str("listen", a->to_string()).str("msg", error).emit();
            return 1;
        }
    }
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < cfg.workers; ++i) {
        workers.push_back(std::make_unique<Worker>(shared, i));
        shared.workers.push_back(workers.back().get());
        std::string error;
        if (!workers.back()->listen(error)) {
            Log(LogLevel::error, "listen_failed").str("listen", cfg.listen.to_string()).str("msg", error).emit();
            return 1;
        }
    }
    // --metrics-listen: bound after the hub's listeners (see Worker::listen),
    // stopped and joined with them, but never one of shared.workers.
    if (cfg.metrics_listen) {
        auto ops = std::make_unique<Worker>(shared, 0, Worker::Role::ops);
        if (std::string error; !ops->listen(error)) {
            Log(LogLevel::error, "listen_failed")
                .str("listen", cfg.metrics_listen->to_string())
                .str("msg", error + " (--metrics-listen must not overlap --listen)")
                .emit();
            return 1;
        }
        shared.ops = ops.get();
        workers.push_back(std::move(ops));
    }
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

    log_start(cfg);

    const int first = wait_for_stop(waited, init);
    const uint64_t started = reactor::monotonic_ms();
    shared.drain.deadline_ms = started + cfg.drain_timeout_ms;
    pthread_t self = pthread_self();
    shared.drain.on_done = wake_signal_thread;
    shared.drain.on_done_arg = &self;
    shared.drain.requested.store(true, std::memory_order_release);
    if (log_enabled(LogLevel::info))
        Log(LogLevel::info, "drain_start")
            .str("signal", signal_name(first))
            .num("connections", shared.caps.open())
            .num("timeout_ms", cfg.drain_timeout_ms)
            .emit();
    for (auto& w : workers) w->wake();

    // Either the last worker says it is done (with a SIGTERM of its own),
    // or a second signal comes from outside.
    const int second = wait_for_stop(waited, init);
    const bool drained = shared.drain.done.load(std::memory_order_acquire) == shared.workers.size();
    // Drained workers have left their loops already; anything else is cut now.
    for (auto& w : workers) w->request_stop();
    for (auto& t : threads) t.join();
    const uint64_t forced = shared.drain.forced.load(std::memory_order_relaxed);
    if (!drained) {
        if (log_enabled(LogLevel::warn))
            Log(LogLevel::warn, "drain_abort")
                .str("signal", signal_name(second))
                .num("duration_ms", reactor::monotonic_ms() - started)
                .num("forced", forced)
                .str("msg", "second signal: connections cut, exit status 1")
                .emit();
        return 1;
    }
    const LogLevel level = forced ? LogLevel::warn : LogLevel::info;
    if (log_enabled(level)) {
        Log line(level, "drain_done");
        line.num("duration_ms", reactor::monotonic_ms() - started).num("forced", forced);
        if (forced) line.str("msg", "connections still open at --drain-timeout were cut");
        line.emit();
    }
    return 0;
}

}  // namespace wshub::app
