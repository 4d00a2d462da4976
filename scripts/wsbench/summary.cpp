#include "summary.h"

#include <cstdio>

#include "options.h"

namespace wsbench {

// Several URLs (a cluster's nodes) are separated by spaces, several pids by commas.
std::vector<Field> head_fields(const char* scenario, const Options& opts) {
    std::string pids, urls;
    for (pid_t pid : opts.server_pids) pids += (pids.empty() ? "" : ",") + std::to_string(pid);
    for (const Target& t : opts.targets) urls += (urls.empty() ? "" : " ") + t.url;
    return {
        {"scenario", scenario, "scenario"},
        {"server", opts.server_name + (pids.empty() ? "" : "  (pid " + pids + ")"), ""},
        {"", opts.server_name, "server"},
        {"url", urls, "url"},
    };
}

void add_latency_fields(std::vector<Field>& f, const Histogram& latency, const std::string& p50_note) {
    f.insert(f.end(), {
        {"latency p50", fmt_us(latency.percentile(0.50)) + " us" + p50_note, ""},
        {"", fmt_us(latency.percentile(0.50)), "p50_us"},
        {"latency p99", fmt_us(latency.percentile(0.99)) + " us", ""},
        {"", fmt_us(latency.percentile(0.99)), "p99_us"},
        {"latency p99.9", fmt_us(latency.percentile(0.999)) + " us", ""},
        {"", fmt_us(latency.percentile(0.999)), "p999_us"},
        {"latency max", fmt_us(latency.max()) + " us", ""},
        {"", fmt_us(latency.max()), "max_us"},
    });
}

void add_error_fields(std::vector<Field>& f, uint64_t errs, uint64_t connect_errors, uint64_t handshake_errors,
                      const ConnErrors& errors, const std::string& first) {
    f.insert(f.end(), {
        {"errors", std::to_string(errs) + "  (connect " + std::to_string(connect_errors) + ", handshake " +
                       std::to_string(handshake_errors) + ", protocol " + std::to_string(errors.protocol) +
                       ", closed " + std::to_string(errors.closed) + ", close handshake " +
                       std::to_string(errors.close_handshake) + ")", ""},
        {"", std::to_string(errs), "errors"},
        {"", std::to_string(connect_errors), "connect_errors"},
        {"", std::to_string(handshake_errors), "handshake_errors"},
        {"", std::to_string(errors.protocol), "protocol_errors"},
        {"", std::to_string(errors.closed), "closed_errors"},
        {"", std::to_string(errors.close_handshake), "close_errors"},
        {"first error", first.empty() ? "-" : first, ""},
    });
}

void add_cpu_fields(std::vector<Field>& f, const CpuTimes& total, const CpuWindow& cpu, int64_t warm_end) {
    const CpuTimes w = cpu.used();
    f.insert(f.end(), {
        {"wsbench cpu", fmt(cpu.percent(warm_end), 0) + "% of a core while measuring (" + fmt(w.user, 2) +
                            " s user, " + fmt(w.sys, 2) + " s system); whole run " + fmt(total.user, 2) + " + " +
                            fmt(total.sys, 2) + " s", ""},
        {"", fmt(total.user, 3), "cpu_user_s"},
        {"", fmt(total.sys, 3), "cpu_sys_s"},
        {"", fmt(w.user, 3), "cpu_window_user_s"},
        {"", fmt(w.sys, 3), "cpu_window_sys_s"},
        {"", fmt(cpu.percent(warm_end), 1), "cpu_measuring_pct"},
    });
    if (const double steal = cpu.steal_percent(); steal >= 0)
        f.insert(f.end(), {
            {"machine steal", fmt(steal, 1) + "% of all cores' time while measuring, taken by the hypervisor", ""},
            {"", fmt(steal, 1), "steal_pct"},
        });
    if (!cpu.server_known()) return;
    const CpuTimes s = cpu.server_used();
    f.insert(f.end(), {
        {"server cpu", fmt(cpu.server_percent(warm_end), 0) + "% of a core while measuring (" + fmt(s.user, 2) +
                           " s user, " + fmt(s.sys, 2) + " s system)", ""},
        {"", fmt(s.user, 3), "server_user_s"},
        {"", fmt(s.sys, 3), "server_sys_s"},
        {"", fmt(cpu.server_percent(warm_end), 1), "server_cpu_pct"},
    });
}

bool emit_summary(const std::string& title, const std::vector<Field>& f, const CpuWindow& cpu, int64_t warm_end,
                  const std::string& csv_path) {
    std::vector<Field> shown;
    for (const auto& x : f)
        if (!x.name.empty() && x.name != "scenario") shown.push_back(x);
    print_table(title, shown);
    const double mine = cpu.percent(warm_end);
    // Under a quarter of a core the run was not about throughput (idle).
    if (cpu.server_known() && mine >= 25 && mine >= cpu.server_percent(warm_end))
        std::fprintf(stderr,
                     "wsbench: warning: the generator used %.0f%% of a core, the server %.0f%%; the generator may "
                     "be the bottleneck\n",
                     mine, cpu.server_percent(warm_end));
    else if (mine >= 90)
        std::fprintf(stderr, "wsbench: warning: the generator used %.0f%% of a core; it may be the bottleneck\n",
                     mine);

    if (!csv_path.empty()) {
        std::string err;
        if (!append_csv(csv_path, f, err)) {
            std::fprintf(stderr, "wsbench: --csv: %s\n", err.c_str());
            return false;
        }
    }
    return true;
}

}  // namespace wsbench
