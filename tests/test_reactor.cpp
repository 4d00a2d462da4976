// Reactor tests. The same file runs against every backend the build picks:
// epoll (build/release) and kqueue (build/kqueue, over tests/kqueue_shim on
// Linux; the real kqueue on BSD). Where <sys/event.h> exists, a second group
// checks the kqueue semantics the backend and the shim rely on, so on a BSD it
// verifies the shim's assumptions against the real thing.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "check.h"
#include "reactor/loop.h"
#include "reactor/poller.h"

using namespace wshub::reactor;

namespace {

// A connected, non-blocking AF_UNIX stream pair; closes what it still owns.
struct Pair {
    int a = -1, b = -1;
    Pair() {
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0) {
            a = fds[0];
            b = fds[1];
        }
    }
    Pair(const Pair&) = delete;
    Pair& operator=(const Pair&) = delete;
    Pair(Pair&& o) noexcept : a(std::exchange(o.a, -1)), b(std::exchange(o.b, -1)) {}
    ~Pair() {
        close_a();
        close_b();
    }
    void close_a() {
        if (a >= 0) close(a);
        a = -1;
    }
    void close_b() {
        if (b >= 0) close(b);
        b = -1;
    }
};

bool send_byte(int fd) { return write(fd, "x", 1) == 1; }

std::vector<Ready> poll_once(Poller& p, int timeout_ms, int capacity = 256) {
    std::vector<Ready> out(static_cast<size_t>(capacity));
    const int n = p.wait(out.data(), capacity, timeout_ms);
    out.resize(n > 0 ? size_t(n) : 0);
    return out;
}

// Kills the process instead of hanging the suite if a wait(-1) is never woken.
struct Watchdog {
    explicit Watchdog(unsigned seconds) { alarm(seconds); }
    ~Watchdog() { alarm(0); }
};

int64_t elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - since)
        .count();
}

}  // namespace

TEST(reactor_poller_initialises) {
    Poller p;
    CHECK_EQ(p.error(), 0);
}

TEST(reactor_readable_only_after_write) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 7, kReadable), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    CHECK(send_byte(s.b));
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{7});
        CHECK_EQ(r[0].events, uint32_t{kReadable});
    }
}

TEST(reactor_level_triggered_until_drained) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 1, kReadable), 0);
    CHECK(send_byte(s.b));
    CHECK_EQ(poll_once(p, 1000).size(), size_t{1});
    CHECK_EQ(poll_once(p, 0).size(), size_t{1});  // still unread: reported again
    char c;
    CHECK_EQ(read(s.a, &c, 1), ssize_t{1});
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
}

TEST(reactor_writable_interest_reported) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 9, kWritable), 0);
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{9});
        CHECK_EQ(r[0].events, uint32_t{kWritable});
    }
}

TEST(reactor_modify_read_to_write_and_back) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 3, kReadable), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});

    CHECK_EQ(p.modify(s.a, 3, kReadable, kWritable), 0);
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) CHECK_EQ(r[0].events, uint32_t{kWritable});

    CHECK_EQ(p.modify(s.a, 3, kWritable, kReadable), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    CHECK(send_byte(s.b));
    r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{3});
        CHECK_EQ(r[0].events, uint32_t{kReadable});
    }
}

TEST(reactor_modify_changes_token) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 10, kReadable | kWritable), 0);
    CHECK_EQ(p.modify(s.a, 11, kReadable | kWritable, kReadable | kWritable), 0);
    CHECK(send_byte(s.b));
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{11});
        CHECK_EQ(r[0].events, uint32_t{kReadable | kWritable});
    }
}

TEST(reactor_modify_to_nothing_then_back) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 4, kReadable), 0);
    CHECK(send_byte(s.b));
    CHECK_EQ(p.modify(s.a, 4, kReadable, 0), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    CHECK_EQ(p.modify(s.a, 4, 0, kReadable), 0);
    CHECK_EQ(poll_once(p, 1000).size(), size_t{1});
}

TEST(reactor_remove_stops_reports) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 5, kReadable | kWritable), 0);
    CHECK(send_byte(s.b));
    CHECK_EQ(poll_once(p, 1000).size(), size_t{1});
    CHECK_EQ(p.remove(s.a, kReadable | kWritable), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    // And the fd can be registered again afterwards.
    CHECK_EQ(p.add(s.a, 6, kReadable), 0);
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) CHECK_EQ(r[0].token, uint64_t{6});
}

TEST(reactor_remove_unregistered_is_enoent) {
    Poller p;
    Pair s;
    CHECK_EQ(p.remove(s.a, kReadable), ENOENT);
}

TEST(reactor_add_bad_fd_is_ebadf) {
    Poller p;
    Pair s;
    const int fd = s.a;
    s.close_a();
    CHECK_EQ(p.add(fd, 1, kReadable), EBADF);
    CHECK_EQ(p.add(-1, 1, kReadable), EBADF);
}

TEST(reactor_peer_close_reported_as_hangup) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 8, kReadable), 0);
    s.close_b();
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{8});
        // A hang-up folds into both directions, whatever the interest.
        CHECK_EQ(r[0].events, uint32_t{kReadable | kWritable});
    }
    char c;
    CHECK_EQ(read(s.a, &c, 1), ssize_t{0});
}

TEST(reactor_peer_close_seen_by_write_interest) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 8, kWritable), 0);
    s.close_b();
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) CHECK(r[0].events & kWritable);
}

TEST(reactor_half_close_reported_readable) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 12, kReadable), 0);
    CHECK_EQ(shutdown(s.b, SHUT_WR), 0);
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    // Only readable is promised: epoll says readable, kqueue's EV_EOF says both.
    if (r.size() == 1) CHECK(r[0].events & kReadable);
    char c;
    CHECK_EQ(read(s.a, &c, 1), ssize_t{0});
}

TEST(reactor_pipe_writer_close_reported_readable) {
    Poller p;
    int fds[2];
    CHECK_EQ(pipe(fds), 0);
    CHECK_EQ(p.add(fds[0], 13, kReadable), 0);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    close(fds[1]);
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{13});
        CHECK(r[0].events & kReadable);
    }
    char c;
    CHECK_EQ(read(fds[0], &c, 1), ssize_t{0});
    close(fds[0]);
}

TEST(reactor_both_directions_one_entry) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 21, kReadable | kWritable), 0);
    CHECK(send_byte(s.b));
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) {
        CHECK_EQ(r[0].token, uint64_t{21});
        CHECK_EQ(r[0].events, uint32_t{kReadable | kWritable});
    }
}

TEST(reactor_many_fds_each_reported_once) {
    constexpr int kCount = 100;
    constexpr uint64_t kBase = 1000;
    Poller p;
    std::vector<Pair> pairs;
    pairs.reserve(kCount);
    for (int i = 0; i < kCount; ++i) {
        pairs.emplace_back();
        CHECK_GE(pairs.back().a, 0);
        CHECK_EQ(p.add(pairs.back().a, kBase + uint64_t(i), kReadable | kWritable), 0);
        CHECK(send_byte(pairs.back().b));
    }
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{kCount});
    std::vector<int> seen(kCount, 0);
    for (const Ready& e : r) {
        CHECK_GE(e.token, kBase);
        CHECK_LT(e.token, kBase + kCount);
        CHECK_EQ(e.events, uint32_t{kReadable | kWritable});
        if (e.token >= kBase && e.token < kBase + kCount) ++seen[e.token - kBase];
    }
    for (int i = 0; i < kCount; ++i) CHECK_EQ(seen[size_t(i)], 1);
}

TEST(reactor_small_capacity_loses_nothing) {
    constexpr int kCount = 10;
    Poller p;
    std::vector<Pair> pairs(kCount);
    for (int i = 0; i < kCount; ++i) {
        CHECK_EQ(p.add(pairs[size_t(i)].a, uint64_t(i), kReadable), 0);
        CHECK(send_byte(pairs[size_t(i)].b));
    }
    // Drain three at a time; every fd must show up, none twice.
    std::vector<int> seen(kCount, 0);
    for (int round = 0; round < 10; ++round) {
        auto r = poll_once(p, 0, 3);
        CHECK_LE(r.size(), size_t{3});
        for (const Ready& e : r) {
            if (e.token >= kCount) continue;
            ++seen[e.token];
            char c;
            CHECK_EQ(read(pairs[e.token].a, &c, 1), ssize_t{1});
        }
    }
    for (int i = 0; i < kCount; ++i) CHECK_EQ(seen[size_t(i)], 1);
}

TEST(reactor_wake_from_thread_interrupts_wait) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 1, kReadable), 0);
    Watchdog dog(10);
    const auto start = std::chrono::steady_clock::now();
    std::thread t([&p] {
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        p.wake();
    });
    auto r = poll_once(p, -1);
    t.join();
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) CHECK_EQ(r[0].token, kWakeToken);
    CHECK_LT(elapsed_ms(start), int64_t{5000});
}

TEST(reactor_wakes_coalesce_and_drain) {
    Poller p;
    p.wake();
    p.wake();
    p.wake();
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{1});
    if (r.size() == 1) CHECK_EQ(r[0].token, kWakeToken);
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
    // Wakes after a drain are reported again.
    p.wake();
    CHECK_EQ(poll_once(p, 1000).size(), size_t{1});
    CHECK_EQ(poll_once(p, 0).size(), size_t{0});
}

TEST(reactor_wake_alongside_ready_fd) {
    Poller p;
    Pair s;
    CHECK_EQ(p.add(s.a, 77, kReadable), 0);
    CHECK(send_byte(s.b));
    p.wake();
    auto r = poll_once(p, 1000);
    CHECK_EQ(r.size(), size_t{2});
    int wakes = 0, fds = 0;
    for (const Ready& e : r) {
        if (e.token == kWakeToken) ++wakes;
        if (e.token == 77) ++fds;
    }
    CHECK_EQ(wakes, 1);
    CHECK_EQ(fds, 1);
}

TEST(reactor_wait_timeout_returns_zero) {
    Poller p;
    const auto start = std::chrono::steady_clock::now();
    CHECK_EQ(poll_once(p, 30).size(), size_t{0});
    const int64_t ms = elapsed_ms(start);
    CHECK_GE(ms, int64_t{29});
    CHECK_LT(ms, int64_t{2000});
}

namespace {

struct RecordingSink {
    struct Fired {
        uint64_t token;
        uint64_t at_ms;
    };
    std::vector<Fired> timers;
    std::vector<std::pair<uint64_t, uint32_t>> ready;
    int wakes = 0;
    void on_timer(uint32_t id) { timers.push_back({id, monotonic_ms()}); }
    void on_ready(uint64_t token, uint32_t events) { ready.emplace_back(token, events); }
    void on_wake() { ++wakes; }
};

}  // namespace

TEST(reactor_loop_timers_fire_in_deadline_order) {
    Loop loop;
    CHECK_EQ(loop.error(), 0);
    RecordingSink sink;
    const uint64_t t0 = monotonic_ms();
    const uint64_t deadlines[] = {t0 + 60, t0 + 20, t0 + 40};
    loop.set_timer(3, deadlines[0]);
    loop.set_timer(1, deadlines[1]);
    loop.set_timer(2, deadlines[2]);
    CHECK_EQ(loop.pending_timers(), size_t{3});
    for (int i = 0; i < 100 && sink.timers.size() < 3; ++i) CHECK_EQ(loop.run_once(sink), 0);
    CHECK_EQ(sink.timers.size(), size_t{3});
    CHECK_EQ(loop.pending_timers(), size_t{0});
    const uint64_t want_token[] = {1, 2, 3};
    const uint64_t want_deadline[] = {t0 + 20, t0 + 40, t0 + 60};
    for (size_t i = 0; i < sink.timers.size() && i < 3; ++i) {
        CHECK_EQ(sink.timers[i].token, want_token[i]);
        CHECK_GE(sink.timers[i].at_ms, want_deadline[i]);  // never early
    }
}

TEST(reactor_loop_due_timers_fire_together) {
    Loop loop;
    RecordingSink sink;
    const uint64_t now = monotonic_ms();
    loop.set_timer(5, now);
    loop.set_timer(4, now - 1);
    CHECK_EQ(loop.run_once(sink, 1000), 0);
    CHECK_EQ(sink.timers.size(), size_t{2});
    if (sink.timers.size() == 2) {
        CHECK_EQ(sink.timers[0].token, uint64_t{4});
        CHECK_EQ(sink.timers[1].token, uint64_t{5});
    }
}

TEST(reactor_loop_wait_honours_earliest_timer) {
    Loop loop;
    RecordingSink sink;
    const uint64_t start = monotonic_ms();
    loop.set_timer(42, start + 50);
    loop.set_timer(43, start + 100000);
    Watchdog dog(10);
    CHECK_EQ(loop.run_once(sink), 0);  // no fds, no max wait: only the timer ends it
    const uint64_t took = monotonic_ms() - start;
    CHECK_EQ(sink.timers.size(), size_t{1});
    if (sink.timers.size() == 1) CHECK_EQ(sink.timers[0].token, uint64_t{42});
    CHECK_GE(took, uint64_t{50});
    CHECK_LT(took, uint64_t{2000});
    CHECK_EQ(loop.pending_timers(), size_t{1});
}

// One deadline per id: setting it again moves it (earlier or later), cancel
// removes it, and neither leaves an entry behind.
TEST(reactor_loop_timer_rearm_and_cancel) {
    Loop loop;
    RecordingSink sink;
    const uint64_t now = monotonic_ms();
    loop.set_timer(7, now + 100000);
    loop.set_timer(8, now + 100000);
    loop.set_timer(7, now - 1);  // moved earlier
    loop.set_timer(8, now + 200000);  // moved later
    CHECK_EQ(loop.pending_timers(), size_t{2});
    CHECK_EQ(loop.timer_deadline(8), now + 200000);
    CHECK_EQ(loop.run_once(sink, 0), 0);
    CHECK_EQ(sink.timers.size(), size_t{1});
    if (!sink.timers.empty()) CHECK_EQ(sink.timers[0].token, uint64_t{7});
    CHECK_EQ(loop.timer_deadline(7), uint64_t{0});
    loop.cancel_timer(8);
    loop.cancel_timer(8);  // harmless twice
    loop.cancel_timer(12345);  // never set
    CHECK_EQ(loop.pending_timers(), size_t{0});
    CHECK_EQ(loop.timer_deadline(8), uint64_t{0});
}

// A sink that re-arms its own timer from on_timer sees it again later.
TEST(reactor_loop_timer_rearmed_from_its_callback) {
    struct Rearm {
        Loop* loop;
        int fired = 0;
        void on_timer(uint32_t id) {
            if (++fired < 3) loop->set_timer(id, monotonic_ms() - 1);
        }
        void on_ready(uint64_t, uint32_t) {}
        void on_wake() {}
    };
    Loop loop;
    Rearm sink{&loop};
    loop.set_timer(3, monotonic_ms() - 1);
    for (int i = 0; i < 5; ++i) CHECK_EQ(loop.run_once(sink, 0), 0);
    CHECK_EQ(sink.fired, 3);
    CHECK_EQ(loop.pending_timers(), size_t{0});
}

// Random sets, moves and cancels against a plain model: the loop fires
// exactly the ids the model still has, in deadline order.
TEST(reactor_loop_timers_match_a_model) {
    Loop loop;
    RecordingSink sink;
    const uint64_t base = monotonic_ms() - 100000;  // every deadline already due
    std::vector<uint64_t> model(300, 0);
    uint32_t x = 12345;
    auto rnd = [&x] { x = x * 1103515245u + 12345u; return x >> 8; };
    for (int op = 0; op < 5000; ++op) {
        const uint32_t id = rnd() % 300;
        if (rnd() % 4 == 0) {
            loop.cancel_timer(id);
            model[id] = 0;
        } else {
            model[id] = base + rnd() % 50000 + 1;
            loop.set_timer(id, model[id]);
        }
    }
    size_t live = 0;
    for (uint64_t d : model) live += d != 0;
    CHECK_EQ(loop.pending_timers(), live);
    CHECK_EQ(loop.run_once(sink, 0), 0);
    CHECK_EQ(sink.timers.size(), live);
    uint64_t last = 0;
    for (const auto& f : sink.timers) {
        const uint64_t d = model[f.token];
        CHECK(d != 0);
        CHECK_GE(d, last);
        last = d;
        model[f.token] = 0;
    }
    CHECK_EQ(loop.pending_timers(), size_t{0});
}

TEST(reactor_loop_dispatches_ready_and_wake) {
    Loop loop;
    RecordingSink sink;
    Pair s;
    CHECK_EQ(loop.poller().add(s.a, 31, kReadable), 0);
    CHECK(send_byte(s.b));
    CHECK_EQ(loop.run_once(sink, 1000), 0);
    CHECK_EQ(sink.ready.size(), size_t{1});
    if (sink.ready.size() == 1) {
        CHECK_EQ(sink.ready[0].first, uint64_t{31});
        CHECK_EQ(sink.ready[0].second, uint32_t{kReadable});
    }
    CHECK_EQ(loop.poller().remove(s.a, kReadable), 0);
    std::thread t([&loop] { loop.poller().wake(); });
    Watchdog dog(10);
    CHECK_EQ(loop.run_once(sink), 0);
    t.join();
    CHECK_EQ(sink.wakes, 1);
}

// ---------------------------------------------------------------------------
// kqueue semantics the backend relies on (and the shim must reproduce). Built
// wherever <sys/event.h> exists: over the shim on Linux, natively on BSD.
#if __has_include(<sys/event.h>)
#include <sys/event.h>

namespace {

struct Kq {
    int fd = kqueue();
    Kq() = default;
    Kq(const Kq&) = delete;
    Kq& operator=(const Kq&) = delete;
    ~Kq() {
        if (fd >= 0) close(fd);
    }
};

struct kevent change(uintptr_t ident, short filter, unsigned short flags, unsigned fflags = 0,
                     uintptr_t udata = 0) {
    struct kevent ev;
    EV_SET(&ev, ident, filter, flags, fflags, 0, (decltype(ev.udata))udata);
    return ev;
}

int collect(int kq, struct kevent* out, int n, int timeout_ms) {
    const timespec ts{timeout_ms / 1000, long(timeout_ms % 1000) * 1000000L};
    return kevent(kq, nullptr, 0, out, n, &ts);
}

}  // namespace

TEST(reactor_kevent_delete_unregistered_is_enoent) {
    Kq kq;
    Pair s;
    CHECK_GE(kq.fd, 0);
    // With room in the eventlist the error comes back as an EV_ERROR entry...
    struct kevent ch = change(uintptr_t(s.a), EVFILT_READ, EV_DELETE);
    struct kevent out[2];
    CHECK_EQ(kevent(kq.fd, &ch, 1, out, 2, nullptr), 1);
    CHECK(out[0].flags & EV_ERROR);
    CHECK_EQ(out[0].data, intptr_t{ENOENT});
    CHECK_EQ(out[0].ident, uintptr_t(s.a));
    CHECK_EQ(out[0].filter, short{EVFILT_READ});
    // ...without room, as -1 and errno.
    errno = 0;
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), -1);
    CHECK_EQ(errno, ENOENT);
    // Registering READ does not register WRITE: each filter is its own knote.
    struct kevent add = change(uintptr_t(s.a), EVFILT_READ, EV_ADD);
    CHECK_EQ(kevent(kq.fd, &add, 1, nullptr, 0, nullptr), 0);
    ch = change(uintptr_t(s.a), EVFILT_WRITE, EV_DELETE);
    errno = 0;
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), -1);
    CHECK_EQ(errno, ENOENT);
}

TEST(reactor_kevent_receipt_answers_every_change) {
    Kq kq;
    Pair s;
    struct kevent ch[3] = {
        change(uintptr_t(s.a), EVFILT_READ, EV_ADD | EV_RECEIPT),
        change(uintptr_t(s.a), EVFILT_WRITE, EV_DELETE | EV_RECEIPT),
        change(uintptr_t(s.a), EVFILT_WRITE, EV_ADD | EV_RECEIPT),
    };
    CHECK(send_byte(s.b));  // pending events must not be collected by this call
    struct kevent out[8];
    const timespec zero{};
    CHECK_EQ(kevent(kq.fd, ch, 3, out, 8, &zero), 3);
    for (int i = 0; i < 3; ++i) CHECK(out[i].flags & EV_ERROR);
    CHECK_EQ(out[0].data, intptr_t{0});
    CHECK_EQ(out[1].data, intptr_t{ENOENT});
    CHECK_EQ(out[2].data, intptr_t{0});  // applied despite the failure before it
    CHECK_EQ(collect(kq.fd, out, 8, 1000), 2);
}

TEST(reactor_kevent_one_event_per_filter) {
    Kq kq;
    Pair s;
    struct kevent ch[2] = {
        change(uintptr_t(s.a), EVFILT_READ, EV_ADD, 0, 111),
        change(uintptr_t(s.a), EVFILT_WRITE, EV_ADD, 0, 222),
    };
    CHECK_EQ(kevent(kq.fd, ch, 2, nullptr, 0, nullptr), 0);
    CHECK(send_byte(s.b));
    struct kevent out[8];
    const int n = collect(kq.fd, out, 8, 1000);
    CHECK_EQ(n, 2);
    int reads = 0, writes = 0;
    for (int i = 0; i < n; ++i) {
        CHECK_EQ(out[i].ident, uintptr_t(s.a));
        if (out[i].filter == EVFILT_READ) {
            ++reads;
            CHECK_EQ(uintptr_t(out[i].udata), uintptr_t{111});
            CHECK_EQ(out[i].data, intptr_t{1});
        } else if (out[i].filter == EVFILT_WRITE) {
            ++writes;
            CHECK_EQ(uintptr_t(out[i].udata), uintptr_t{222});
        }
        CHECK(!(out[i].flags & EV_EOF));
    }
    CHECK_EQ(reads, 1);
    CHECK_EQ(writes, 1);
    // Room for one: both knotes still come out over two calls.
    reads = writes = 0;
    for (int round = 0; round < 2; ++round) {
        CHECK_EQ(collect(kq.fd, out, 1, 1000), 1);
        reads += out[0].filter == EVFILT_READ;
        writes += out[0].filter == EVFILT_WRITE;
    }
    CHECK_EQ(reads, 1);
    CHECK_EQ(writes, 1);
    // Deleting one filter leaves the other.
    struct kevent del = change(uintptr_t(s.a), EVFILT_READ, EV_DELETE);
    CHECK_EQ(kevent(kq.fd, &del, 1, nullptr, 0, nullptr), 0);
    CHECK_EQ(collect(kq.fd, out, 8, 1000), 1);
    CHECK_EQ(out[0].filter, short{EVFILT_WRITE});
}

TEST(reactor_kevent_disable_and_enable) {
    Kq kq;
    Pair s;
    struct kevent ch = change(uintptr_t(s.a), EVFILT_READ, EV_ADD | EV_DISABLE);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    CHECK(send_byte(s.b));
    struct kevent out[4];
    CHECK_EQ(collect(kq.fd, out, 4, 0), 0);
    ch = change(uintptr_t(s.a), EVFILT_READ, EV_ENABLE);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    CHECK_EQ(collect(kq.fd, out, 4, 1000), 1);
}

TEST(reactor_kevent_eof_on_peer_shutdown) {
    Kq kq;
    Pair s;
    struct kevent ch = change(uintptr_t(s.a), EVFILT_READ, EV_ADD);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    CHECK(send_byte(s.b));
    CHECK_EQ(shutdown(s.b, SHUT_WR), 0);
    struct kevent out[4];
    CHECK_EQ(collect(kq.fd, out, 4, 1000), 1);
    CHECK(out[0].flags & EV_EOF);
    CHECK_EQ(out[0].data, intptr_t{1});  // the byte sent before the EOF
}

TEST(reactor_kevent_user_clear_coalesces) {
    Kq kq;
    struct kevent ch = change(5, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 99);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    struct kevent out[4];
    CHECK_EQ(collect(kq.fd, out, 4, 0), 0);
    ch = change(5, EVFILT_USER, 0, NOTE_TRIGGER);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), 0);
    CHECK_EQ(collect(kq.fd, out, 4, 1000), 1);
    CHECK_EQ(out[0].ident, uintptr_t{5});
    CHECK_EQ(out[0].filter, short{EVFILT_USER});
    CHECK_EQ(uintptr_t(out[0].udata), uintptr_t{99});
    CHECK_EQ(collect(kq.fd, out, 4, 0), 0);
    // Triggering an unregistered user knote fails.
    ch = change(6, EVFILT_USER, 0, NOTE_TRIGGER);
    errno = 0;
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), -1);
    CHECK_EQ(errno, ENOENT);
}

TEST(reactor_kevent_bad_fd_is_ebadf) {
    Kq kq;
    Pair s;
    const int fd = s.a;
    s.close_a();
    struct kevent ch = change(uintptr_t(fd), EVFILT_READ, EV_ADD);
    errno = 0;
    CHECK_EQ(kevent(kq.fd, &ch, 1, nullptr, 0, nullptr), -1);
    CHECK_EQ(errno, EBADF);
}

#endif  // __has_include(<sys/event.h>)
