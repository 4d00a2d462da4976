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

unsigned long long open_files_limit() {
    rlimit rl{};
    getrlimit(RLIMIT_NOFILE, &rl);
    return rl.rlim_cur;
}

// Collects every child that has exited, without blocking.
void reap_children() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

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

    for (const net::Address* a : {&cfg.listen, cfg.metrics_listen ? &*cfg.metrics_listen : nullptr}) {
        if (std::string error; a && !net::address_free(*a, error)) {
            log_error("cannot listen on %s: %s", a->to_string().c_str(), error.c_str());
            return 1;
        }
    }
    std::vector<std::unique_ptr<Worker>> workers;
    for (unsigned i = 0; i < cfg.workers; ++i) {
        workers.push_back(std::make_unique<Worker>(shared, i));
        shared.workers.push_back(workers.back().get());
        std::string error;
        if (!workers.back()->listen(error)) {
            log_error("cannot listen on %s: %s", cfg.listen.to_string().c_str(), error.c_str());
            return 1;
        }
    }
    // --metrics-listen: bound after the hub's listeners (see Worker::listen),
    // stopped and joined with them, but never one of shared.workers.
    if (cfg.metrics_listen) {
        auto ops = std::make_unique<Worker>(shared, 0, Worker::Role::ops);
        if (std::string error; !ops->listen(error)) {
            log_error("cannot listen on %s (--metrics-listen, which must not overlap --listen): %s",
                      cfg.metrics_listen->to_string().c_str(), error.c_str());
            return 1;
        }
        shared.ops = ops.get();
        workers.push_back(std::move(ops));
    }
    std::vector<std::thread> threads;
    for (auto& w : workers) threads.emplace_back([&w] { w->run(); });

    log_info("wshub %s listening on %s (workers %u, routes %s, open-files limit %llu)", WSHUB_VERSION,
             cfg.listen.to_string().c_str(), cfg.workers, describe_routes(cfg).c_str(),
             open_files_limit());
    if (cfg.metrics_listen)
        log_info("/metrics, /healthz and /readyz on %s only", cfg.metrics_listen->to_string().c_str());

    int sig = 0;
    while (sigwait(&waited, &sig) != 0 || sig == SIGCHLD) {
        if (sig == SIGCHLD) reap_children();
        sig = 0;
    }
    log_info("signal %d: stopping", sig);
    for (auto& w : workers) w->request_stop();
    for (auto& t : threads) t.join();
    return 0;
}

}  // namespace wshub::app
