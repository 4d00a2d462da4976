#include "dial.h"

#include <sys/epoll.h>

#include <cerrno>
#include <cstring>

#include "clock.h"
#include "options.h"

namespace wsbench {

namespace {

constexpr int64_t kExpiryScanNs = 50'000'000;
constexpr int64_t kProgressNs = 250'000'000;

void count_failure(const Attempt& a, DialStats& stats) {
    ++(a.failed_connecting() ? stats.connect_errors : stats.handshake_errors);
    if (stats.first_error.empty()) stats.first_error = a.why();
}

}  // namespace

std::vector<DialedConn> dial_all(int epfd, const Options& opts, wshub::ws::MaskSource& random, DialStats& stats,
                                 const DialProgress& progress) {
    // The slot index is the epoll token; free slots are reused.
    std::vector<Attempt> slots(opts.dial_batch < opts.connections ? opts.dial_batch : opts.connections);
    std::vector<size_t> free;
    for (size_t i = slots.size(); i-- > 0;) free.push_back(i);
    std::vector<DialedConn> done;
    done.reserve(opts.connections);
    const int64_t timeout_ns = int64_t(opts.dial_timeout_s * 1e9);
    uint32_t started = 0;
    size_t in_progress = 0;
    auto settle = [&](size_t slot, Step s) {
        if (s == Step::pending) return;
        if (s == Step::done) done.push_back(slots[slot].take());
        else count_failure(slots[slot], stats);
        --in_progress;
        free.push_back(slot);
    };

    std::vector<epoll_event> events(1024);
    int64_t next_scan = 0, next_progress = now_ns() + kProgressNs;
    while (started < opts.connections || in_progress > 0) {
        while (started < opts.connections && !free.empty()) {
            size_t slot = free.back();
            free.pop_back();
            ++started;
            ++in_progress;
            settle(slot, slots[slot].start(epfd, slot, opts.target, random, now_ns(), timeout_ns));
        }
        if (in_progress == 0) continue;
        int n = epoll_wait(epfd, events.data(), int(events.size()), 50);
        if (n < 0 && errno != EINTR) {
            stats.first_error = std::string("epoll_wait: ") + std::strerror(errno);
            break;
        }
        for (int i = 0; i < n; ++i) {
            size_t slot = size_t(events[size_t(i)].data.u64);
            if (!slots[slot].active()) continue;  // failed earlier in this batch
            settle(slot, slots[slot].on_event(epfd, slot, events[size_t(i)].events));
        }
        int64_t now = now_ns();
        if (now >= next_scan) {
            for (size_t slot = 0; slot < slots.size(); ++slot)
                if (slots[slot].active()) settle(slot, slots[slot].expire(now));
            next_scan = now + kExpiryScanNs;
        }
        if (progress && now >= next_progress) {
            progress(uint32_t(done.size()), stats.connect_errors + stats.handshake_errors);
            next_progress = now + kProgressNs;
        }
    }
    return done;
}

}  // namespace wsbench
