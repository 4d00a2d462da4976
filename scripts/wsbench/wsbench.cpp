// wsbench: the load generator of wshub. `wsbench --help` for usage.
// Each scenario lives in its own file (echo.cpp, ...) behind scenarios.h.
#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>

#include "options.h"
#include "scenarios.h"

int main(int argc, char** argv) {
    wsbench::Options opts;
    std::string error;
    switch (wsbench::parse_options(argc, argv, opts, error)) {
    case wsbench::ParseOutcome::help:
        std::fputs(wsbench::usage().c_str(), stdout);
        return 0;
    case wsbench::ParseOutcome::usage_error:
        std::fprintf(stderr, "wsbench: %s\n", error.c_str());
        return 2;
    case wsbench::ParseOutcome::run:
        break;
    }
    // A write to a connection the server reset must be an error value, not a signal.
    signal(SIGPIPE, SIG_IGN);
    // Many connections need many descriptors: take the hard limit if it helps,
    // and refuse up front what it cannot hold (a few are the generator's own).
    const rlim_t sockets = opts.scenario == "fanout"    ? rlim_t(opts.subscribers) + opts.publishers
                           : opts.scenario == "connect" ? rlim_t(opts.concurrency)
                                                        : rlim_t(opts.connections);
    constexpr rlim_t kSpare = 32;
    rlimit nofile{};
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < sockets + kSpare) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
        getrlimit(RLIMIT_NOFILE, &nofile);
    }
    if (nofile.rlim_cur != RLIM_INFINITY && nofile.rlim_cur < sockets + kSpare) {
        std::fprintf(stderr, "wsbench: %llu connections need %llu descriptors; the limit is %llu\n",
                     static_cast<unsigned long long>(sockets), static_cast<unsigned long long>(sockets + kSpare),
                     static_cast<unsigned long long>(nofile.rlim_cur));
        return 2;
    }
    if (opts.scenario == "echo") return wsbench::run_echo(opts);
    if (opts.scenario == "fanout") return wsbench::run_fanout(opts);
    if (opts.scenario == "connect") return wsbench::run_connect(opts);
    if (opts.scenario == "idle") return wsbench::run_idle(opts);
    std::fprintf(stderr, "wsbench: scenario '%s' is not implemented\n", opts.scenario.c_str());
    return 2;
}
