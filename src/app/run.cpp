// wshub::run, the entry point of the binary and of embedders who want the
// binary's behaviour: the flags and environment, then a Server driven by
// SIGINT and SIGTERM (the drain) and SIGHUP (a reload).
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "app/options.h"
#include "app/server.h"
#include "config/config.h"
#include "wshub/server.h"

extern char** environ;

namespace wshub {
namespace {

// Collects every child that has exited, without blocking.
void reap_children() {
    while (waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

// Blocks the stop signals and SIGHUP in this thread, which the workers
// inherit, so only the sigwait below sees them; and never dies of a peer's
// reset. Waiting for them, rather than relying on their default action,
// also makes them work when wshub is PID 1 (a container's entry point): the
// kernel gives PID 1 no default action, so an unhandled SIGTERM would be
// dropped. SIGHUP reloads rather than kills: operators and log rotation
// send it out of habit. SIGQUIT is left alone: it keeps its default action
// (terminate with a core dump), which PID 1 does not get, so in a container
// only SIGINT and SIGTERM (and a SIGKILL from outside) stop it.
//
// As PID 1, wshub also inherits every orphan in its PID namespace and must
// reap them, or they stay zombies: SIGCHLD joins the waited set and each
// one collects all exited children. Only as PID 1, because waitpid(-1)
// would otherwise steal the exit status of children an embedder waits for
// itself (and a process that is not PID 1 inherits no orphans).
sigset_t take_stop_signals(bool init) {
    sigset_t waited;
    sigemptyset(&waited);
    sigaddset(&waited, SIGINT);
    sigaddset(&waited, SIGTERM);
    sigaddset(&waited, SIGHUP);
    if (init) sigaddset(&waited, SIGCHLD);
    pthread_sigmask(SIG_BLOCK, &waited, nullptr);
    signal(SIGPIPE, SIG_IGN);
    // Children that exited before SIGCHLD was blocked raised no pending signal.
    if (init) reap_children();
    return waited;
}

// The next SIGINT, SIGTERM or SIGHUP (reaping children on the way, as PID 1).
int next_signal(const sigset_t& waited, bool init) {
    int sig = 0;
    while (sigwait(&waited, &sig) != 0 || sig == SIGCHLD) {
        if (sig == SIGCHLD && init) reap_children();
        sig = 0;
    }
    return sig;
}

// Server::Impl::on_drained: this thread waits in sigwait, so a signal is
// what reaches it; SIGTERM is in its set and blocked everywhere.
void wake_signal_thread(void* thread) { pthread_kill(*static_cast<pthread_t*>(thread), SIGTERM); }

const char* signal_name(int sig) { return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "other"; }

}  // namespace

int run(int argc, char** argv, const std::vector<Mode>& modes) {
    if (std::string err = app::check_modes(modes); !err.empty()) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return 2;
    }
    std::vector<std::string> names;
    std::vector<Handler*> handlers;
    for (const auto& m : modes) {
        names.push_back(m.name);
        handlers.push_back(m.handler);
    }
    config::Config cfg;
    const auto result = config::parse(argc, argv, environ, cfg, names);
    switch (result.action) {
    case config::ParseResult::Action::print_and_exit:
        std::fputs(result.message.c_str(), stdout);
        return 0;
    case config::ParseResult::Action::usage_error:
        std::fprintf(stderr, "%s\n", result.message.c_str());
        return 2;
    case config::ParseResult::Action::run:
        break;
    }
    const bool init = getpid() == 1;
    const sigset_t waited = take_stop_signals(init);
    Server server(std::make_unique<Server::Impl>(std::move(cfg), std::move(handlers)));
    Server::Impl& impl = *server.impl_;
    pthread_t self = pthread_self();
    impl.on_drained = wake_signal_thread;
    impl.on_drained_arg = &self;
    if (!impl.start()) return 1;  // its listen_failed line says why
    // The next SIGINT or SIGTERM. A SIGHUP on the way, whether the server
    // runs or drains, reloads it; one that comes during a reload stays
    // pending and reloads again once that one is done.
    const auto wait_for_stop = [&] {
        int sig;
        while ((sig = next_signal(waited, init)) == SIGHUP) impl.reload("SIGHUP");  // its log line says how it went
        return sig;
    };
    impl.stop(signal_name(wait_for_stop()));
    // Either the last worker says it is done (with a SIGTERM of its own),
    // or a second signal comes from outside.
    const int second = wait_for_stop();
    if (!impl.drained()) impl.stop_now(signal_name(second));
    return impl.wait();
}

}  // namespace wshub
