// The connect scenario: --concurrency slots, each opening a new connection
// through the full upgrade, then closing it (our close 1000, the server's
// close frame, its EOF) and starting over. Reports upgrades per second,
// connect-to-101 latency and every failure; the server's whole connection
// life (accept, request parsing, the 101, the close handshake, releasing the
// connection) is in each cycle.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "attempt.h"
#include "clock.h"
#include "conn.h"
#include "conn_errors.h"
#include "cpu_window.h"
#include "dial.h"
#include "histogram.h"
#include "options.h"
#include "quiet.h"
#include "report.h"
#include "run_window.h"
#include "scenarios.h"
#include "summary.h"
#include "ws/mask_source.h"

namespace wsbench {

namespace {

constexpr size_t kReadBuffer = 16 * 1024;
constexpr int64_t kScanNs = 50'000'000;       // deadline checks
constexpr int64_t kWindDownNs = 2'000'000'000;  // after the run, for cycles under way

struct Slot {
    bool busy = false;
    int fd = -1;  // after the upgrade: the connection being closed
    Attempt attempt;
    QuietConn quiet;
    int64_t deadline = 0;  // for the close handshake
};

class ConnectRun {
public:
    explicit ConnectRun(const Options& opts) : opts_(opts) {}
    int run();

private:
    void start(size_t i, int64_t now);
    void on_event(size_t i, uint32_t events);
    void upgraded(size_t i, DialedConn d);
    void settle(size_t i, Step s);
    void fail_attempt(size_t i);
    void fail_close(size_t i, uint64_t ConnErrors::*kind, const std::string& why);
    void release(size_t i);
    void scan(int64_t now);
    void tick(int64_t now);
    int report();

    const Options& opts_;
    wshub::ws::MaskSource masks_;  // masking keys, and the handshakes' keys
    int epfd_ = -1;
    std::vector<Slot> slots_;  // the index is the epoll token
    std::unique_ptr<uint8_t[]> rbuf_;
    size_t busy_ = 0;
    RunWindow window_;
    CpuWindow cpu_;
    bool running_ = true;

    uint64_t started_ = 0, upgrades_total_ = 0, upgrades_measured_ = 0, closed_ok_ = 0, unfinished_ = 0;
    DialStats dial_;  // connect and handshake failures
    ConnErrors errors_;  // failures after the 101
    Histogram latency_;

    bool progress_ = false;
    uint64_t upgrades_at_tick_ = 0;
};

int ConnectRun::run() {
    epfd_ = open_epoll();
    if (epfd_ < 0) return 1;
    progress_ = progress_enabled();
    slots_.resize(opts_.concurrency);
    rbuf_ = std::make_unique<uint8_t[]>(kReadBuffer);
    window_.begin(opts_, now_ns());
    cpu_.set_servers(opts_.server_pids);
    cpu_.take_start(window_.start, window_.warm_end);

    std::vector<epoll_event> events(1024);
    int64_t next_scan = 0, wind_down_end = 0;
    for (;;) {
        int64_t now = now_ns();
        tick(now);
        if (running_ && now >= window_.end) {
            running_ = false;
            cpu_.take_end(now);
            wind_down_end = now + kWindDownNs;
        }
        if (!running_ && (busy_ == 0 || now >= wind_down_end)) break;
        if (running_)
            for (size_t i = 0; i < slots_.size(); ++i)
                if (!slots_[i].busy) start(i, now);
        int64_t wake = running_ ? (now < window_.warm_end ? window_.warm_end : window_.end) : wind_down_end;
        if (next_scan < wake) wake = next_scan;
        if (progress_ && window_.next_tick < wake) wake = window_.next_tick;
        int timeout_ms = wake <= now ? 0 : int((wake - now + 999'999) / 1'000'000);
        int n = epoll_wait(epfd_, events.data(), int(events.size()), timeout_ms);
        if (n < 0 && errno != EINTR) {
            std::fprintf(stderr, "wsbench: epoll_wait: %s\n", std::strerror(errno));
            break;
        }
        for (int k = 0; k < n; ++k) on_event(size_t(events[size_t(k)].data.u64), events[size_t(k)].events);
        now = now_ns();
        if (now >= next_scan) {
            scan(now);
            next_scan = now + kScanNs;
        }
    }
    if (!cpu_.end_taken()) cpu_.take_end(now_ns());
    // Cycles the end of the run cut short are neither upgrades nor failures.
    for (size_t i = 0; i < slots_.size(); ++i)
        if (slots_[i].busy) {
            ++unfinished_;
            slots_[i].attempt.abandon();
            release(i);
        }
    if (progress_) finish_progress();
    close(epfd_);
    return report();
}

void ConnectRun::start(size_t i, int64_t now) {
    Slot& s = slots_[i];
    s.busy = true;
    ++busy_;
    ++started_;
    settle(i, s.attempt.start(epfd_, i, opts_.target, masks_, now, int64_t(opts_.dial_timeout_s * 1e9)));
}

void ConnectRun::on_event(size_t i, uint32_t events) {
    Slot& s = slots_[i];
    if (!s.busy) return;
    if (s.fd < 0) return settle(i, s.attempt.on_event(epfd_, i, events));
    Step st = s.quiet.on_readable(s.fd, rbuf_.get(), kReadBuffer, masks_);
    if (st == Step::failed) return fail_close(i, s.quiet.kind(), s.quiet.why());
    if (st == Step::done) {
        ++closed_ok_;
        release(i);
    }
}

// Where an attempt's step leads: on, to the close, or to a counted failure.
void ConnectRun::settle(size_t i, Step s) {
    if (s == Step::pending) return;
    if (s == Step::failed) return fail_attempt(i);
    upgraded(i, slots_[i].attempt.take());
}

void ConnectRun::upgraded(size_t i, DialedConn d) {
    Slot& s = slots_[i];
    s.fd = d.fd;
    ++upgrades_total_;
    if (window_.measuring(d.ready_ns)) {
        ++upgrades_measured_;
        latency_.record(d.ready_ns - d.start_ns);
    }
    s.quiet = QuietConn{};
    s.deadline = d.ready_ns + int64_t(opts_.dial_timeout_s * 1e9);
    Step st = d.leftover.empty() ? Step::pending
                                 : s.quiet.feed(s.fd, reinterpret_cast<uint8_t*>(d.leftover.data()),
                                                d.leftover.size(), masks_);
    if (st == Step::pending) st = s.quiet.begin_close(s.fd, masks_);
    if (st == Step::failed) fail_close(i, s.quiet.kind(), s.quiet.why());
}

void ConnectRun::fail_attempt(size_t i) {
    const Attempt& a = slots_[i].attempt;
    ++(a.failed_connecting() ? dial_.connect_errors : dial_.handshake_errors);
    if (dial_.first_error.empty()) dial_.first_error = a.why();
    release(i);
}

void ConnectRun::fail_close(size_t i, uint64_t ConnErrors::*kind, const std::string& why) {
    ++(errors_.*kind);
    errors_.note(why);
    release(i);
}

void ConnectRun::release(size_t i) {
    Slot& s = slots_[i];
    if (s.fd >= 0) close(s.fd);  // also leaves the epoll set
    s.fd = -1;
    s.busy = false;
    --busy_;
}

void ConnectRun::scan(int64_t now) {
    for (size_t i = 0; i < slots_.size(); ++i) {
        Slot& s = slots_[i];
        if (!s.busy) continue;
        if (s.fd < 0) settle(i, s.attempt.expire(now));
        else if (now > s.deadline)
            fail_close(i, &ConnErrors::close_handshake,
                       "no close frame and EOF back within " + fmt(opts_.dial_timeout_s, 0) + " s");
    }
}

void ConnectRun::tick(int64_t now) {
    cpu_.take_start(now, window_.warm_end);
    if (!progress_ || now < window_.next_tick) return;
    const char* phase = window_.tick_phase("winding down");
    double seconds = window_.tick_seconds(now);
    uint64_t fails = dial_.connect_errors + dial_.handshake_errors + errors_.protocol + errors_.closed +
                     errors_.close_handshake;
    draw_progress("wsbench connect: " + fmt(double(now - window_.start) / 1e9, 0) + " s " + phase +
                  "  upgrades/s " + fmt(double(upgrades_total_ - upgrades_at_tick_) / seconds, 0) + "  under way " +
                  std::to_string(busy_) + "  failures " + std::to_string(fails));
    upgrades_at_tick_ = upgrades_total_;
    window_.tick_done(now);
}

int ConnectRun::report() {
    CpuTimes total = cpu_now();
    const double rate = double(upgrades_measured_) / opts_.duration_s;
    const uint64_t errs = dial_.connect_errors + dial_.handshake_errors + errors_.protocol + errors_.closed +
                          errors_.close_handshake;
    std::string first = !dial_.first_error.empty() ? dial_.first_error : errors_.first;

    std::vector<Field> f = head_fields("connect", opts_);
    f.insert(f.end(), {
        {"concurrency", std::to_string(opts_.concurrency) + " connections opening or closing at once", ""},
        {"", std::to_string(opts_.concurrency), "concurrency"},
        {"duration", fmt(opts_.duration_s, 2) + " s after " + fmt(opts_.warmup_s, 2) + " s warm-up", ""},
        {"", fmt(opts_.duration_s, 3), "duration_s"},
        {"upgrades/s", fmt(rate, 0) + "  (" + std::to_string(upgrades_measured_) + " upgrades while measuring; " +
                           std::to_string(started_) + " attempts, " + std::to_string(closed_ok_) +
                           " closed cleanly, " + std::to_string(unfinished_) + " cut off by the end)", ""},
        {"", fmt(rate, 1), "upgrades_per_s"},
        {"", std::to_string(upgrades_measured_), "upgrades"},
        {"", std::to_string(closed_ok_), "closed_ok"},
    });
    add_latency_fields(f, latency_, "  (socket() to checked 101)");
    add_error_fields(f, errs, dial_.connect_errors, dial_.handshake_errors, errors_, first);
    add_cpu_fields(f, total, cpu_, window_.warm_end);
    if (!emit_summary("wsbench connect", f, cpu_, window_.warm_end, opts_.csv_path)) return 1;
    return errs == 0 ? 0 : 1;
}

}  // namespace

int run_connect(const Options& opts) { return ConnectRun(opts).run(); }

}  // namespace wsbench
