// BSD and macOS backend: kqueue with one level-triggered knote per direction
// (EVFILT_READ, EVFILT_WRITE) and an EVFILT_USER knote for cross-thread wake-ups.
// On Linux the test build links it against tests/kqueue_shim instead.
#include "reactor/poller.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace wshub::reactor {
namespace {

// udata is void* on most BSDs and intptr_t on NetBSD; a cast through uintptr_t
// suits both without an #ifdef.
using Udata = decltype(kevent::udata);

// Tokens travel in udata, so they must survive the round trip.
static_assert(sizeof(uintptr_t) >= sizeof(uint64_t),
              "the kqueue backend carries 64-bit tokens in udata: 64-bit targets only");

Udata to_udata(uint64_t token) { return Udata(uintptr_t(token)); }
uint64_t from_udata(Udata u) { return uint64_t(uintptr_t(u)); }

// The one EVFILT_USER knote; its ident lives in a namespace apart from fds.
constexpr uintptr_t kWakeIdent = 0;
constexpr int kMaxChanges = 2;

// Applies up to kMaxChanges changes in one call and returns 0 or the first
// errno. EV_RECEIPT makes the kernel apply every change and answer each one in
// the eventlist, instead of stopping at the first failure; and, since answers
// take up the eventlist, kevent() returns them at once without collecting
// pending events (which would swallow an EV_CLEAR wake-up).
int apply(int kq, struct kevent* changes, int n) {
    if (n == 0) return 0;
    struct kevent results[kMaxChanges];
    for (int i = 0; i < n; ++i) changes[i].flags |= EV_RECEIPT;
    const timespec zero{};
    const int r = kevent(kq, changes, n, results, n, &zero);
    if (r < 0) return errno;
    for (int i = 0; i < r; ++i)
        if ((results[i].flags & EV_ERROR) && results[i].data != 0) return int(results[i].data);
    return 0;
}

// Appends to `changes` the knotes that move the fd from `old_interest` to
// `interest`. Wanted directions are (re-)added so their udata carries `token`.
int plan(struct kevent* changes, int fd, uint64_t token, uint32_t old_interest,
         uint32_t interest) {
    int n = 0;
    const struct {
        uint32_t bit;
        short filter;
    } dirs[] = {{kReadable, EVFILT_READ}, {kWritable, EVFILT_WRITE}};
    for (const auto& d : dirs) {
        // EV_SET is a macro on some systems: no side effects in its arguments.
        if (interest & d.bit) {
            EV_SET(&changes[n], uintptr_t(fd), d.filter, EV_ADD, 0, 0, to_udata(token));
            ++n;
        } else if (old_interest & d.bit) {
            EV_SET(&changes[n], uintptr_t(fd), d.filter, EV_DELETE, 0, 0, to_udata(0));
            ++n;
        }
    }
    return n;
}

}  // namespace

Poller::Poller() noexcept {
    fd_ = kqueue();
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    // kqueue1()/kqueuex() with a close-on-exec flag are not on every BSD.
    if (fcntl(fd_, F_SETFD, FD_CLOEXEC) < 0) {
        error_ = errno;
        return;
    }
    // EV_CLEAR resets the knote once reported: wake-ups coalesce and stop being
    // reported after one wait(), like the drained eventfd of the epoll backend.
    struct kevent ev;
    EV_SET(&ev, kWakeIdent, EVFILT_USER, EV_ADD | EV_CLEAR, 0, 0, to_udata(kWakeToken));
    error_ = apply(fd_, &ev, 1);
}

Poller::~Poller() {
    // wake_fd_ is never opened here (EVFILT_USER needs no descriptor); it stays
    // in the shared header for the epoll backend.
    if (wake_fd_ >= 0) close(wake_fd_);
    if (fd_ >= 0) close(fd_);
}

int Poller::add(int fd, uint64_t token, uint32_t interest) noexcept {
    struct kevent changes[kMaxChanges];
    return apply(fd_, changes, plan(changes, fd, token, 0, interest));
}

int Poller::modify(int fd, uint64_t token, uint32_t old_interest, uint32_t interest) noexcept {
    struct kevent changes[kMaxChanges];
    return apply(fd_, changes, plan(changes, fd, token, old_interest, interest));
}

int Poller::remove(int fd, uint32_t old_interest) noexcept {
    struct kevent changes[kMaxChanges];
    return apply(fd_, changes, plan(changes, fd, 0, old_interest, 0));
}

int Poller::wait(Ready* out, int capacity, int timeout_ms) noexcept {
    constexpr int kBatch = 256;
    if (capacity <= 0) return -EINVAL;  // as epoll_wait with maxevents <= 0
    struct kevent events[kBatch];
    timespec ts;
    timespec* tsp = nullptr;
    if (timeout_ms >= 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = long(timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    const int n = kevent(fd_, nullptr, 0, events, capacity < kBatch ? capacity : kBatch, tsp);
    if (n < 0) return errno == EINTR ? 0 : -errno;

    // The fd of each entry in `out`, to merge the read and write knotes of one fd
    // into one entry as epoll reports them. An fd appears at most twice per batch,
    // so a scan of what this batch produced (at most kBatch) is enough.
    uintptr_t idents[kBatch];
    constexpr uintptr_t kNoFd = ~uintptr_t{0};
    int count = 0;
    for (int i = 0; i < n; ++i) {
        const struct kevent& ev = events[i];
        if (ev.filter == EVFILT_USER) {
            idents[count] = kNoFd;
            out[count++] = {kWakeToken, kReadable};
            continue;
        }
        uint32_t mask = ev.filter == EVFILT_WRITE ? kWritable : kReadable;
        // Hang-ups and errors fold into both directions so the owner's next read
        // or write finds out. EV_EOF on the read knote also marks a half-close,
        // which epoll reports as readable only: the extra writable bit is harmless.
        if (ev.flags & (EV_EOF | EV_ERROR)) mask = kReadable | kWritable;
        int j = 0;
        while (j < count && idents[j] != ev.ident) ++j;
        if (j < count) {
            out[j].events |= mask;
            continue;
        }
        idents[count] = ev.ident;
        out[count++] = {from_udata(ev.udata), mask};
    }
    return count;
}

void Poller::wake() noexcept {
    struct kevent ev;
    EV_SET(&ev, kWakeIdent, EVFILT_USER, 0, NOTE_TRIGGER, 0, to_udata(kWakeToken));
    // Fails only if the kqueue is gone, and then there is no wait() to wake.
    (void)kevent(fd_, &ev, 1, nullptr, 0, nullptr);
}

}  // namespace wshub::reactor
