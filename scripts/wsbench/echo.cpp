// The echo scenario: every connection keeps --inflight messages in flight; each
// echo that comes back is checked, timed, and replaced by the next message.
//
// Cost matters more than elegance here: a generator that saturates its core
// measures itself. Per round trip it makes one read and one write (no
// read-until-EAGAIN: epoll is level-triggered, so data left behind is reported
// again), each connection's frame is masked once up front, and all messages a
// read makes sendable leave in one writev. What remains is the kernel's TCP
// work, which on loopback is about the same for both ends of an echo: see the
// CPU line of the report (and the warning when it nears a whole core).
#include <sys/epoll.h>
#include <sys/uio.h>
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
#include "histogram.h"
#include "masked_frame.h"
#include "options.h"
#include "report.h"
#include "run_window.h"
#include "scenarios.h"
#include "summary.h"
#include "ws/mask_source.h"

namespace wsbench {

namespace {

using wshub::ws::Opcode;

constexpr uint64_t kCheckedMessages = 4;    // content compared on each connection's first echoes
constexpr size_t kReadBuffer = 256 * 1024;  // one for the whole loop
constexpr size_t kSendChunk = 16 * 1024;    // bytes of pre-masked copies per connection, about
constexpr int kMaxIov = 64;
constexpr int64_t kCloseWaitNs = 2'000'000'000;

// Protocol errors here: bad frame, wrong length, content or type, unsolicited echo.
struct Conn : ConnBase {
    // Outgoing data: a stream of identical frames. frames holds copies+1 of
    // them back to back, so any run of whole frames starting at any phase can
    // be written from it in at most a few iovecs.
    uint8_t* frames = nullptr;
    uint64_t unsent = 0;  // queued data bytes not yet written
    size_t phase = 0;     // offset of the next byte within its frame
    std::string ctrl;     // pong and close frames, written at a frame boundary
    size_t ctrl_off = 0;

    // Send times of the messages in flight, oldest first (a ring of inflight).
    int64_t* sent_at = nullptr;
    uint32_t ring_head = 0;
    uint32_t in_flight = 0;
    uint64_t echoes = 0;
};

class EchoRun {
public:
    explicit EchoRun(const Options& opts) : opts_(opts) {}
    int run();

    // ServerFrames sink, for the connection being read (cur_).
    void on_data(const uint8_t* p, size_t n, uint64_t offset);
    void on_message(Opcode opcode, uint64_t length);
    void on_control(const wshub::ws::Event& e);
    bool stopped() const noexcept { return cur_failed_; }

private:
    bool setup(std::vector<DialedConn>& dialed);
    void loop();
    void on_readable(Conn& c);
    void feed(Conn& c, uint8_t* p, size_t n);
    void send_messages(Conn& c, uint32_t count);
    void flush(Conn& c);
    void queue_control(Conn& c, Opcode op, const uint8_t* payload, size_t n);
    void start_closing(Conn& c);
    void protocol_error(Conn& c, const std::string& why);
    void drop(Conn& c);
    void tick(int64_t now);
    int report(const DialStats& dial, double dial_s);

    const Options& opts_;
    wshub::ws::MaskSource masks_;  // masking keys, and the handshakes' keys
    int epfd_ = -1;
    Opcode opcode_ = Opcode::text;
    size_t frame_len_ = 0;
    size_t copies_ = 1;
    std::vector<uint8_t> frame_arena_;
    std::vector<int64_t> time_arena_;
    std::vector<Conn> conns_;
    std::unique_ptr<uint8_t[]> rbuf_;
    size_t alive_ = 0;

    // Phases: warm-up until warm_end, measuring until end, then closing.
    RunWindow window_;
    bool ending_ = false;
    Conn* cur_ = nullptr;
    int64_t now_ = 0;
    bool cur_failed_ = false;

    uint64_t completed_total_ = 0;
    uint64_t completed_measured_ = 0;
    Histogram latency_;
    ConnErrors errors_;
    CpuWindow cpu_;

    // Progress line state.
    bool progress_ = false;
    uint64_t completed_at_tick_ = 0;
};

int EchoRun::run() {
    epfd_ = open_epoll();
    if (epfd_ < 0) return 1;
    opcode_ = opts_.text ? Opcode::text : Opcode::binary;
    progress_ = progress_enabled();

    DialStats dial;
    int64_t t0 = now_ns();
    if (progress_) draw_progress("wsbench echo: connecting " + std::to_string(opts_.connections) + "...");
    std::vector<DialedConn> dialed = dial_all(epfd_, opts_, masks_, dial);
    double dial_s = double(now_ns() - t0) / 1e9;
    if (dialed.empty()) {
        std::fprintf(stderr, "%swsbench: no connection could be opened: %s\n", progress_ ? "\r\033[K" : "",
                     dial.first_error.c_str());
    } else {
        if (!setup(dialed)) return 1;
        loop();
    }
    if (progress_) finish_progress();
    for (auto& c : conns_)
        if (c.fd >= 0) close(c.fd);
    close(epfd_);
    return report(dial, dial_s);
}

// Builds per-connection state, pre-masks each connection's frame, and hands
// every socket its epoll token (its index in conns_).
bool EchoRun::setup(std::vector<DialedConn>& dialed) {
    frame_len_ = masked_frame_size(opts_.size);
    copies_ = kSendChunk / frame_len_;
    if (copies_ < 1) copies_ = 1;
    if (copies_ > opts_.inflight) copies_ = opts_.inflight;
    const size_t per_conn = (copies_ + 1) * frame_len_;
    frame_arena_.resize(dialed.size() * per_conn);
    time_arena_.resize(dialed.size() * opts_.inflight);
    rbuf_ = std::make_unique<uint8_t[]>(kReadBuffer);

    std::vector<uint8_t> payload(opts_.size);
    conns_.resize(dialed.size());
    for (size_t i = 0; i < dialed.size(); ++i) {
        Conn& c = conns_[i];
        c.fd = dialed[i].fd;
        c.id = uint32_t(i);
        c.alive = true;
        c.decoder = ServerFrames(opts_.size);
        c.frames = frame_arena_.data() + i * per_conn;
        c.sent_at = time_arena_.data() + i * opts_.inflight;
        for (size_t j = 0; j < payload.size(); ++j) payload[j] = uint8_t('a' + (c.id + j) % 26);
        write_masked_frame(c.frames, opcode_, payload.data(), payload.size(), masks_.next());
        for (size_t k = 1; k <= copies_; ++k) std::memcpy(c.frames + k * frame_len_, c.frames, frame_len_);

        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) {
            std::fprintf(stderr, "wsbench: epoll_ctl: %s\n", std::strerror(errno));
            return false;
        }
    }
    alive_ = conns_.size();

    window_.begin(opts_, now_ns());
    cpu_.set_servers(opts_.server_pids);
    cpu_.take_start(window_.start, window_.warm_end);
    for (size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        now_ = now_ns();
        // Frames that arrived with the 101 would be unsolicited: feed them anyway.
        if (!dialed[i].leftover.empty())
            feed(c, reinterpret_cast<uint8_t*>(dialed[i].leftover.data()), dialed[i].leftover.size());
        if (!c.alive) continue;
        send_messages(c, opts_.inflight);
        flush(c);
    }
    return true;
}

void EchoRun::loop() {
    std::vector<epoll_event> events(1024);
    int64_t close_deadline = 0;
    while (alive_ > 0) {
        int64_t now = now_ns();
        tick(now);
        if (!ending_ && now >= window_.end) {
            ending_ = true;
            cpu_.take_end(now);
            close_deadline = now + kCloseWaitNs;
            for (auto& c : conns_)
                if (c.alive) start_closing(c);
            continue;
        }
        if (ending_ && now >= close_deadline) break;

        int64_t wake = ending_ ? close_deadline : (now < window_.warm_end ? window_.warm_end : window_.end);
        if (progress_ && window_.next_tick < wake) wake = window_.next_tick;
        int timeout_ms = int((wake - now + 999'999) / 1'000'000);
        Waited w = wait_and_dispatch(
            epfd_, events, timeout_ms, conns_, [this](Conn& c) { on_readable(c); }, [this](Conn& c) { flush(c); });
        if (w == Waited::failed) break;
    }
    if (!ending_) cpu_.take_end(now_ns());  // every connection failed early
    for (auto& c : conns_)
        if (c.alive && c.closing) {
            ++errors_.close_handshake;
            errors_.note(kNoCloseBack);
        }
}

void EchoRun::tick(int64_t now) {
    cpu_.take_start(now, window_.warm_end);
    if (!progress_ || now < window_.next_tick) return;
    // The second just ended: its phase, and its rate over the time it really took.
    const char* phase = window_.tick_phase("closing");
    double seconds = window_.tick_seconds(now);
    uint64_t errs = errors_.protocol + errors_.closed;
    draw_progress("wsbench echo: " + fmt(double(now - window_.start) / 1e9, 0) + " s " + phase + "  connections " +
                  std::to_string(alive_) + "  messages/s " +
                  fmt(double(completed_total_ - completed_at_tick_) / seconds, 0) + "  errors " + std::to_string(errs));
    completed_at_tick_ = completed_total_;
    window_.tick_done(now);
}

void EchoRun::on_readable(Conn& c) {
    ReadEnd e = read_rounds(c.fd, rbuf_.get(), kReadBuffer, [&](size_t n) {
        now_ = now_ns();
        feed(c, rbuf_.get(), n);
        return c.alive;
    });
    if (e.ended) {
        if (!c.closing) {
            ++errors_.closed;
            errors_.note(read_end_reason(e.r, e.err));
        } else {
            ++errors_.close_handshake;
            errors_.note(kEndedBeforeClose);
        }
        return drop(c);
    }
    if (!c.alive) return;
    if (!ending_ && c.in_flight < opts_.inflight) send_messages(c, opts_.inflight - c.in_flight);
    flush(c);
}

void EchoRun::feed(Conn& c, uint8_t* p, size_t n) {
    cur_ = &c;
    cur_failed_ = false;
    c.decoder.feed(p, n, *this);
    if (c.decoder.failed()) return protocol_error(c, "bad frame: " + std::string(c.decoder.error()));
    // A sink callback may have asked for the connection to go.
    if (cur_failed_ && c.alive) drop(c);
}

void EchoRun::on_data(const uint8_t* p, size_t n, uint64_t offset) {
    Conn& c = *cur_;
    if (c.echoes >= kCheckedMessages) return;
    for (size_t i = 0; i < n; ++i) {
        if (p[i] != uint8_t('a' + (c.id + offset + i) % 26)) {
            protocol_error(c, "echo content differs at byte " + std::to_string(offset + i));
            cur_failed_ = true;
            return;
        }
    }
}

void EchoRun::on_message(Opcode opcode, uint64_t length) {
    Conn& c = *cur_;
    if (opcode != opcode_ || length != opts_.size || c.in_flight == 0) {
        protocol_error(c, c.in_flight == 0 ? "message with nothing in flight"
                                           : "echo of " + std::to_string(length) + " bytes, opcode " +
                                                 std::to_string(unsigned(opcode)) + "; sent " +
                                                 std::to_string(opts_.size) + " bytes, opcode " +
                                                 std::to_string(unsigned(opcode_)));
        cur_failed_ = true;
        return;
    }
    int64_t sent = c.sent_at[c.ring_head];
    c.ring_head = c.ring_head + 1 == opts_.inflight ? 0 : c.ring_head + 1;
    --c.in_flight;
    ++c.echoes;
    ++completed_total_;
    if (window_.measuring(now_)) {
        ++completed_measured_;
        latency_.record(now_ - sent);
    }
}

void EchoRun::on_control(const wshub::ws::Event& e) {
    using Kind = wshub::ws::Event::Kind;
    Conn& c = *cur_;
    if (e.kind == Kind::ping) {
        if (!c.closing)
            queue_control(c, Opcode::pong, reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size());
    } else if (e.kind == Kind::close) {
        if (!c.closing) {
            ++errors_.closed;
            errors_.note("server sent close " + std::to_string(e.code) + " mid-run");
        }
        // Either the reply to our close, or the server's own: nothing more to say.
        cur_failed_ = true;
    }
    // A pong: unsolicited, allowed, ignored.
}

void EchoRun::send_messages(Conn& c, uint32_t count) {
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t slot = c.ring_head + c.in_flight;
        if (slot >= opts_.inflight) slot -= opts_.inflight;
        c.sent_at[slot] = now_;
        ++c.in_flight;
    }
    c.unsent += uint64_t(count) * frame_len_;
}

// Writes, in order: the rest of a partly written frame, pending control
// frames, then whole queued frames; all in one writev.
void EchoRun::flush(Conn& c) {
    iovec iov[kMaxIov];
    int n = 0;
    size_t head = 0;  // bytes of the partly written frame in iov[0]
    if (c.phase != 0 && c.unsent > 0) {
        head = frame_len_ - c.phase;
        iov[n++] = {c.frames + c.phase, head};
    }
    size_t ctrl_len = c.ctrl.size() - c.ctrl_off;
    if (ctrl_len > 0) iov[n++] = {c.ctrl.data() + c.ctrl_off, ctrl_len};
    uint64_t rest = c.unsent - head;
    const size_t chunk = copies_ * frame_len_;
    for (uint64_t left = rest; left > 0 && n < kMaxIov;) {
        size_t len = left < chunk ? size_t(left) : chunk;
        iov[n++] = {c.frames, len};
        left -= len;
    }
    if (n == 0) return watch_out(epfd_, c, false);

    ssize_t w;
    do w = writev(c.fd, iov, n);
    while (w < 0 && errno == EINTR);
    if (w < 0) {
        if (errno == EAGAIN) return watch_out(epfd_, c, true);
        if (!c.closing) {
            ++errors_.closed;
            errors_.note(std::string("write: ") + std::strerror(errno));
        }
        return drop(c);
    }

    size_t done = size_t(w);
    bool all = true;
    if (head > 0) {
        size_t d = done < head ? done : head;
        c.unsent -= d;
        c.phase = (c.phase + d) % frame_len_;
        done -= d;
        all = d == head;
    }
    if (all && ctrl_len > 0) {
        size_t d = done < ctrl_len ? done : ctrl_len;
        c.ctrl_off += d;
        done -= d;
        all = d == ctrl_len;
        if (all) {
            c.ctrl.clear();
            c.ctrl_off = 0;
        }
    }
    if (all) {
        c.unsent -= done;
        c.phase = done % frame_len_;
        all = c.unsent == 0;
    }
    watch_out(epfd_, c, !all);
}

void EchoRun::queue_control(Conn& c, Opcode op, const uint8_t* payload, size_t n) {
    size_t at = c.ctrl.size();
    c.ctrl.resize(at + masked_frame_size(n));
    write_masked_frame(reinterpret_cast<uint8_t*>(c.ctrl.data()) + at, op, payload, n, masks_.next());
}

// Stops the data stream at a frame boundary and queues close 1000.
void EchoRun::start_closing(Conn& c) {
    c.unsent = c.phase != 0 ? frame_len_ - c.phase : 0;
    static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
    queue_control(c, Opcode::close, kNormal, sizeof kNormal);
    c.closing = true;
    flush(c);
}

void EchoRun::protocol_error(Conn& c, const std::string& why) {
    ++errors_.protocol;
    errors_.note(why);
    if (c.alive) drop(c);
}

void EchoRun::drop(Conn& c) {
    close(c.fd);
    c.fd = -1;
    c.alive = false;
    --alive_;
}

int EchoRun::report(const DialStats& dial, double dial_s) {
    CpuTimes total = cpu_now();
    double rate = double(completed_measured_) / opts_.duration_s;
    uint64_t errs = dial.connect_errors + dial.handshake_errors + errors_.protocol + errors_.closed +
                    errors_.close_handshake;
    std::string first = !dial.first_error.empty() ? dial.first_error : errors_.first;

    std::vector<Field> f = head_fields("echo", opts_);
    f.insert(f.end(), {
        {"connections", std::to_string(conns_.size()) + " of " + std::to_string(opts_.connections) + " opened in " +
                            fmt(dial_s, 2) + " s", ""},
        {"", std::to_string(opts_.connections), "connections"},
        {"", std::to_string(conns_.size()), "opened"},
        {"message", std::to_string(opts_.size) + " bytes " + (opts_.text ? "text" : "binary") + ", " +
                        std::to_string(opts_.inflight) + " in flight per connection", ""},
        {"", std::to_string(opts_.size), "size"},
        {"", std::to_string(opts_.inflight), "inflight"},
        {"", opts_.text ? "text" : "binary", "type"},
        {"duration", fmt(opts_.duration_s, 2) + " s after " + fmt(opts_.warmup_s, 2) + " s warm-up", ""},
        {"", fmt(opts_.duration_s, 3), "duration_s"},
        {"messages/s", fmt(rate, 0) + "  (" + std::to_string(completed_measured_) + " round trips)", ""},
        {"", fmt(rate, 1), "messages_per_s"},
        {"", std::to_string(completed_measured_), "messages"},
    });
    add_latency_fields(f, latency_, "");
    add_error_fields(f, errs, dial.connect_errors, dial.handshake_errors, errors_, first);
    add_cpu_fields(f, total, cpu_, window_.warm_end);
    if (!emit_summary("wsbench echo", f, cpu_, window_.warm_end, opts_.csv_path)) return 1;
    return errs == 0 ? 0 : 1;
}

}  // namespace

int run_echo(const Options& opts) { return EchoRun(opts).run(); }

}  // namespace wsbench
