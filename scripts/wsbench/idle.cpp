// The idle scenario: opens --connections connections, lets the server settle
// for --warmup, holds them for --duration, then closes them all. Given
// --server-pid, it reads the server's VmRSS before the first connection and at
// the end of the hold, and reports the growth per connection. The kernel's
// share comes from system-wide counters: the slab objects of TCP sockets
// (/proc/slabinfo) and TCP socket buffers (/proc/net/sockstat). Both ends of a
// loopback connection are on this machine and each end holds the same kinds
// of objects (a TCP socket, its inode, dentry and file, an epoll item), so
// half of the growth is reported as the server's.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "clock.h"
#include "conn.h"
#include "conn_errors.h"
#include "cpu_window.h"
#include "dial.h"
#include "options.h"
#include "proc.h"
#include "quiet.h"
#include "report.h"
#include "run_window.h"
#include "scenarios.h"
#include "summary.h"
#include "ws/mask_source.h"

namespace wsbench {

namespace {

constexpr size_t kReadBuffer = 16 * 1024;
constexpr int64_t kSampleNs = 100'000'000;       // server RSS while holding
constexpr int64_t kCloseWaitNs = 5'000'000'000;  // for every close handshake at the end

struct Conn {
    int fd = -1;
    bool closed = false;  // failed, or its close handshake is done
    QuietConn quiet;
};

// What the server and the kernel hold at one moment; -1 where unknown.
struct Memory {
    int64_t rss = -1, slab = -1, sockbuf = -1;
};

Memory sample(pid_t pid) { return {pid > 0 ? proc_rss_bytes(pid) : -1, socket_slab_bytes(), sockstat_tcp_bytes()}; }

// "X B" per connection of the growth from a to b, or "-" when unknown.
std::string per_conn(int64_t a, int64_t b, double share, size_t n) {
    if (a < 0 || b < 0 || n == 0) return "-";
    return fmt(double(b - a) * share / double(n), 0);
}

class IdleRun {
public:
    explicit IdleRun(const Options& opts) : opts_(opts) {}
    int run();

private:
    bool hold();
    void close_all();
    void on_readable(Conn& c);
    void fail(Conn& c, uint64_t ConnErrors::*kind, const std::string& why);
    void tick(int64_t now);
    int report(double dial_s);

    const Options& opts_;
    wshub::ws::MaskSource masks_;  // masking keys, and the handshakes' keys
    int epfd_ = -1;
    std::vector<Conn> conns_;
    std::unique_ptr<uint8_t[]> rbuf_;
    size_t open_ = 0;
    RunWindow window_;
    CpuWindow cpu_;
    Memory before_, after_;
    int64_t rss_max_ = -1;
    DialStats dial_;
    ConnErrors errors_;
    uint64_t closed_ok_ = 0;
    bool progress_ = false;
};

int IdleRun::run() {
    epfd_ = open_epoll();
    if (epfd_ < 0) return 1;
    progress_ = progress_enabled();
    rbuf_ = std::make_unique<uint8_t[]>(kReadBuffer);
    if (opts_.server_pid > 0 && proc_rss_bytes(opts_.server_pid) < 0)
        std::fprintf(stderr, "wsbench: warning: cannot read /proc/%d/status; no server memory figures\n",
                     int(opts_.server_pid));
    before_ = sample(opts_.server_pid);

    const std::string total = std::to_string(opts_.connections);
    if (progress_) draw_progress("wsbench idle: opening " + total + " connections...");
    int64_t t0 = now_ns();
    std::vector<DialedConn> dialed = dial_all(epfd_, opts_, masks_, dial_, [&](uint32_t up, uint32_t failed) {
        if (progress_)
            draw_progress("wsbench idle: opened " + std::to_string(up) + " of " + total + ", " +
                          std::to_string(failed) + " failed");
    });
    double dial_s = double(now_ns() - t0) / 1e9;
    if (dialed.empty()) {
        if (progress_) finish_progress();
        std::fprintf(stderr, "wsbench: no connection could be opened: %s\n", dial_.first_error.c_str());
        close(epfd_);
        return report(dial_s);
    }
    conns_.resize(dialed.size());
    for (size_t i = 0; i < dialed.size(); ++i) {
        conns_[i].fd = dialed[i].fd;
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (epoll_ctl(epfd_, EPOLL_CTL_MOD, conns_[i].fd, &ev) != 0) {
            std::fprintf(stderr, "wsbench: epoll_ctl: %s\n", std::strerror(errno));
            return 1;
        }
        ++open_;
        std::string& l = dialed[i].leftover;
        if (!l.empty() &&
            conns_[i].quiet.feed(conns_[i].fd, reinterpret_cast<uint8_t*>(l.data()), l.size(), masks_) ==
                Step::failed)
            fail(conns_[i], conns_[i].quiet.kind(), conns_[i].quiet.why());
    }
    bool ok = hold();
    close_all();
    if (progress_) finish_progress();
    for (auto& c : conns_)
        if (c.fd >= 0) close(c.fd);
    close(epfd_);
    return ok ? report(dial_s) : 1;
}

// Settles for --warmup, then holds for --duration, sampling the server's RSS.
bool IdleRun::hold() {
    window_.begin(opts_, now_ns());
    cpu_.set_servers(opts_.server_pids);
    cpu_.take_start(window_.start, window_.warm_end);
    std::vector<epoll_event> events(1024);
    int64_t next_sample = window_.warm_end;
    for (;;) {
        int64_t now = now_ns();
        tick(now);
        if (now >= window_.end) break;
        if (now >= next_sample) {
            int64_t rss = opts_.server_pid > 0 ? proc_rss_bytes(opts_.server_pid) : -1;
            if (rss > rss_max_) rss_max_ = rss;
            next_sample = now + kSampleNs;
        }
        int64_t wake = next_sample < window_.end ? next_sample : window_.end;
        if (progress_ && window_.next_tick < wake) wake = window_.next_tick;
        int timeout_ms = wake <= now ? 0 : int((wake - now + 999'999) / 1'000'000);
        int n = epoll_wait(epfd_, events.data(), int(events.size()), timeout_ms);
        if (n < 0 && errno != EINTR) {
            std::fprintf(stderr, "wsbench: epoll_wait: %s\n", std::strerror(errno));
            return false;
        }
        for (int k = 0; k < n; ++k) {
            Conn& c = conns_[events[size_t(k)].data.u64];
            if (!c.closed) on_readable(c);
        }
    }
    cpu_.take_end(now_ns());
    after_ = sample(opts_.server_pid);
    if (after_.rss > rss_max_) rss_max_ = after_.rss;
    return true;
}

void IdleRun::on_readable(Conn& c) {
    Step s = c.quiet.on_readable(c.fd, rbuf_.get(), kReadBuffer, masks_);
    if (s == Step::failed) return fail(c, c.quiet.kind(), c.quiet.why());
    if (s == Step::done) {
        ++closed_ok_;
        close(c.fd);
        c.fd = -1;
        c.closed = true;
        --open_;
    }
}

// Our close on every connection still open; then their closes and EOFs.
void IdleRun::close_all() {
    if (progress_) draw_progress("wsbench idle: closing " + std::to_string(open_) + " connections...");
    for (auto& c : conns_)
        if (!c.closed && c.quiet.begin_close(c.fd, masks_) == Step::failed) fail(c, c.quiet.kind(), c.quiet.why());
    std::vector<epoll_event> events(1024);
    const int64_t deadline = now_ns() + kCloseWaitNs;
    while (open_ > 0) {
        int64_t now = now_ns();
        if (now >= deadline) break;
        int n = epoll_wait(epfd_, events.data(), int(events.size()), int((deadline - now) / 1'000'000) + 1);
        if (n < 0 && errno != EINTR) break;
        for (int k = 0; k < n; ++k) {
            Conn& c = conns_[events[size_t(k)].data.u64];
            if (!c.closed) on_readable(c);
        }
    }
    for (auto& c : conns_)
        if (!c.closed) fail(c, &ConnErrors::close_handshake, "no close frame and EOF back within 5 s");
}

void IdleRun::fail(Conn& c, uint64_t ConnErrors::*kind, const std::string& why) {
    ++(errors_.*kind);
    errors_.note(why);
    close(c.fd);
    c.fd = -1;
    c.closed = true;
    --open_;
}

void IdleRun::tick(int64_t now) {
    cpu_.take_start(now, window_.warm_end);
    if (!progress_ || now < window_.next_tick) return;
    const char* phase = window_.tick_phase("closing");
    int64_t rss = opts_.server_pid > 0 ? proc_rss_bytes(opts_.server_pid) : -1;
    draw_progress("wsbench idle: " + fmt(double(now - window_.start) / 1e9, 0) + " s " +
                  (std::string(phase) == "warm-up" ? "settling" : "holding") + "  open " + std::to_string(open_) +
                  (rss >= 0 ? "  server RSS " + fmt(double(rss) / 1048576.0, 1) + " MiB" : "") + "  errors " +
                  std::to_string(errors_.protocol + errors_.closed));
    window_.tick_done(now);
}

int IdleRun::report(double dial_s) {
    CpuTimes total = cpu_now();
    const size_t n = conns_.size();
    const uint64_t errs = dial_.connect_errors + dial_.handshake_errors + errors_.protocol + errors_.closed +
                          errors_.close_handshake;
    std::string first = !dial_.first_error.empty() ? dial_.first_error : errors_.first;
    auto mib = [](int64_t b) { return b < 0 ? std::string("-") : fmt(double(b) / 1048576.0, 1) + " MiB"; };
    const std::string rss_pc = per_conn(before_.rss, after_.rss, 1.0, n);
    const std::string slab_pc = per_conn(before_.slab, after_.slab, 0.5, n);
    const std::string buf_pc = per_conn(before_.sockbuf, after_.sockbuf, 0.5, n);
    const std::string kernel_pc = slab_pc == "-" || buf_pc == "-"
                                      ? "-"
                                      : fmt(double(after_.slab - before_.slab + after_.sockbuf - before_.sockbuf) *
                                                0.5 / double(n), 0);

    std::vector<Field> f = head_fields("idle", opts_);
    f.insert(f.end(), {
        {"connections", std::to_string(n) + " of " + std::to_string(opts_.connections) + " opened in " +
                            fmt(dial_s, 2) + " s; held " + fmt(opts_.duration_s, 2) + " s after " +
                            fmt(opts_.warmup_s, 2) + " s to settle", ""},
        {"", std::to_string(opts_.connections), "connections"},
        {"", std::to_string(n), "opened"},
        {"", fmt(opts_.duration_s, 3), "duration_s"},
        {"server RSS", mib(before_.rss) + " before, " + mib(after_.rss) + " held (max " + mib(rss_max_) + ")", ""},
        {"", std::to_string(before_.rss), "rss_before_bytes"},
        {"", std::to_string(after_.rss), "rss_after_bytes"},
        {"RSS per connection", rss_pc + (rss_pc == "-" ? " (needs --server-pid)" : " B"), ""},
        {"", rss_pc, "rss_per_conn_bytes"},
        {"kernel per connection", kernel_pc + (kernel_pc == "-" ? "" : " B") + "  (server's half: socket slab " +
                                      slab_pc + " B, TCP buffers " + buf_pc + " B)", ""},
        {"", kernel_pc, "kernel_per_conn_bytes"},
        {"", slab_pc, "slab_per_conn_bytes"},
        {"", buf_pc, "sockbuf_per_conn_bytes"},
        {"closed cleanly", std::to_string(closed_ok_), ""},
        {"", std::to_string(closed_ok_), "closed_ok"},
    });
    add_error_fields(f, errs, dial_.connect_errors, dial_.handshake_errors, errors_, first);
    add_cpu_fields(f, total, cpu_, window_.warm_end);
    if (!emit_summary("wsbench idle", f, cpu_, window_.warm_end, opts_.csv_path)) return 1;
    return errs == 0 ? 0 : 1;
}

}  // namespace

int run_idle(const Options& opts) { return IdleRun(opts).run(); }

}  // namespace wsbench
