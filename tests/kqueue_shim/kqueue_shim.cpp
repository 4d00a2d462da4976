// TEST-ONLY emulation of the kqueue subset that src/reactor/poller_kqueue.cpp
// uses, over epoll + eventfd, so the kqueue backend runs (and is tested) on Linux.
// Written from the FreeBSD kqueue(2) manual page.
//
// Emulated:
//  - knotes keyed by (ident, filter): EVFILT_READ and EVFILT_WRITE on one fd are
//    independent; the shim keeps fd -> {read, write} per kqueue and registers the
//    fd once with epoll under the combined mask; one epoll event expands into up
//    to two kevents, one per (ident, filter).
//  - EV_ADD (re-adding updates udata and does not re-enable), EV_DELETE,
//    EV_ENABLE, EV_DISABLE, EV_RECEIPT; ENOENT for a change to an unregistered
//    knote, EBADF for a bad fd, EINVAL for an unknown filter.
//  - changelist errors: returned as EV_ERROR entries with data = errno while the
//    eventlist has room (and then kevent() returns at once, without collecting
//    events), else kevent() fails with -1/errno at that change.
//  - level-triggered READ/WRITE; READ: data = bytes readable (FIONREAD), EV_EOF
//    when the peer shut down its side or hung up; WRITE: EV_EOF on hang-up/error.
//  - EVFILT_USER with NOTE_TRIGGER, with or without EV_CLEAR; thread-safe, so
//    another thread can trigger while one waits.
//  - when only one slot is left for an fd whose two filters both fired, the
//    filters alternate between calls, as a real kqueue's active queue rotates.
//  - timeouts never expire early (rounded up to milliseconds).
//
// NOT emulated (unverified by the Linux test runs; real kqueue may differ):
//  - close(fd) does not drop its knotes: the shim only notices when epoll_ctl
//    later reports ENOENT for that descriptor number; an epoll registration kept
//    alive by a dup of a closed fd can still report under the old number (and,
//    if the shim has forgotten that number, make a wait spin until its timeout).
//  - EV_CLEAR on READ/WRITE (edge-triggered), EV_ONESHOT, EV_DISPATCH, NOTE_LOWAT,
//    NOTE_FF* user flags, EV_ADD|EV_DELETE or EV_ENABLE|EV_DISABLE together: all
//    rejected with EINVAL rather than half-emulated. Other filters: EINVAL.
//  - fflags carrying the socket error with EV_EOF; WRITE data (send space);
//    READ data on listening sockets (real: backlog length; here 0).
//  - files epoll cannot watch (regular files, directories): epoll_ctl's EPERM is
//    returned, where kqueue would report them always ready.
//  - EPOLLERR without hang-up is reported as readable without EV_EOF and as
//    writable with EV_EOF; real kqueue decides per socket state.
//  - the order of returned events, sub-millisecond timeouts, a kqueue's own
//    readiness (kqueue fds inside other pollers), fork() semantics, and freeing
//    the shim's per-kqueue state on close(kq) (it is reclaimed when kqueue()
//    reuses the number).
#include <sys/epoll.h>
#include <sys/event.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <map>
#include <mutex>
#include <unordered_map>

namespace {

// epoll data for the eventfd behind EVFILT_USER; fds are stored as themselves.
constexpr uint64_t kUserMarker = ~uint64_t{0};

struct FdNote {
    bool registered = false;
    bool enabled = false;
    void* udata = nullptr;
};

struct FdEntry {
    FdNote read, write;
    bool in_epoll = false;
    bool write_first = false;  // which filter goes first when only one fits
};

struct UserNote {
    bool enabled = true;
    bool clear = false;
    bool triggered = false;
    void* udata = nullptr;
};

struct Kq {
    int user_fd = -1;  // eventfd, non-zero while an enabled user knote is triggered
    std::unordered_map<int, FdEntry> fds;
    std::map<uintptr_t, UserNote> users;
};

// One lock for every kqueue: this is a test shim, and wake() from other threads
// must see consistent state. Never held across epoll_wait.
std::mutex g_mutex;

std::unordered_map<int, Kq>& registry() {
    // Leaked on purpose: threads may still call kevent() while statics are torn down.
    static auto* kqs = new std::unordered_map<int, Kq>;
    return *kqs;
}

uint32_t epoll_mask(const FdEntry& e) {
    uint32_t m = 0;
    if (e.read.enabled) m |= EPOLLIN | EPOLLRDHUP;
    if (e.write.enabled) m |= EPOLLOUT;
    return m;
}

// Brings epoll in line with `after`. Disabled knotes leave the fd out of epoll
// so its hang-ups do not wake a wait that has nothing to report.
int sync_epoll(int epfd, int fd, FdEntry& after) {
    const uint32_t mask = epoll_mask(after);
    epoll_event ev{};
    ev.events = mask;
    ev.data.u64 = uint64_t(fd);
    int op;
    if (mask == 0) {
        if (!after.in_epoll) return 0;
        op = EPOLL_CTL_DEL;
    } else {
        op = after.in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
    }
    if (epoll_ctl(epfd, op, fd, &ev) < 0) return errno;
    after.in_epoll = mask != 0;
    return 0;
}

int change_fd(int epfd, Kq& kq, const struct kevent& kev, unsigned flags) {
    if ((flags & EV_CLEAR) || kev.fflags != 0) return EINVAL;
    if (kev.ident > uintptr_t(INT_MAX) || fcntl(int(kev.ident), F_GETFD) < 0) return EBADF;
    const int fd = int(kev.ident);
    auto it = kq.fds.find(fd);
    FdEntry after = it == kq.fds.end() ? FdEntry{} : it->second;
    FdNote& note = kev.filter == EVFILT_READ ? after.read : after.write;
    if (!note.registered && !(flags & EV_ADD)) return ENOENT;
    if (flags & EV_DELETE) {
        note = FdNote{};
    } else {
        if (flags & EV_ADD) {
            if (!note.registered) note.enabled = true;
            note.registered = true;
            note.udata = kev.udata;
        }
        if (flags & EV_ENABLE) note.enabled = true;
        if (flags & EV_DISABLE) note.enabled = false;
    }
    int err = sync_epoll(epfd, fd, after);
    if (err == ENOENT && it != kq.fds.end() && it->second.in_epoll) {
        // epoll forgot the fd, so it was closed (maybe reused): a real kqueue
        // dropped its knotes then. Forget them too and apply the change afresh.
        kq.fds.erase(it);
        return change_fd(epfd, kq, kev, flags);
    }
    if (err != 0) return err;
    if (after.read.registered || after.write.registered)
        kq.fds[fd] = after;
    else if (it != kq.fds.end())
        kq.fds.erase(it);
    return 0;
}

// Keeps the eventfd readable exactly while some enabled user knote is triggered.
void sync_user_signal(Kq& kq) {
    bool pending = false;
    for (const auto& [ident, n] : kq.users) pending |= n.enabled && n.triggered;
    uint64_t v = 1;
    ssize_t r = pending ? write(kq.user_fd, &v, sizeof v) : read(kq.user_fd, &v, sizeof v);
    (void)r;  // EAGAIN: already in the wanted state
}

int change_user(Kq& kq, const struct kevent& kev, unsigned flags) {
    if (kev.fflags & ~unsigned(NOTE_TRIGGER)) return EINVAL;
    auto it = kq.users.find(kev.ident);
    if (it == kq.users.end() && !(flags & EV_ADD)) return ENOENT;
    if (flags & EV_DELETE) {
        kq.users.erase(it);
    } else {
        if (flags & EV_ADD) {
            if (it == kq.users.end()) it = kq.users.emplace(kev.ident, UserNote{}).first;
            if (flags & EV_CLEAR) it->second.clear = true;
            it->second.udata = kev.udata;
        }
        if (flags & EV_ENABLE) it->second.enabled = true;
        if (flags & EV_DISABLE) it->second.enabled = false;
        if (kev.fflags & NOTE_TRIGGER) it->second.triggered = true;
    }
    sync_user_signal(kq);
    return 0;
}

int apply_change(int epfd, Kq& kq, const struct kevent& kev) {
    // Like the kernel, ignore the output-only bits on input.
    const unsigned flags = kev.flags & ~unsigned(EV_ERROR | EV_EOF);
    const unsigned known = EV_ADD | EV_DELETE | EV_ENABLE | EV_DISABLE | EV_CLEAR | EV_RECEIPT;
    if ((flags & ~known) || ((flags & EV_ADD) && (flags & EV_DELETE)) ||
        ((flags & EV_ENABLE) && (flags & EV_DISABLE)))
        return EINVAL;
    if (kev.filter == EVFILT_READ || kev.filter == EVFILT_WRITE)
        return change_fd(epfd, kq, kev, flags);
    if (kev.filter == EVFILT_USER) return change_user(kq, kev, flags);
    return EINVAL;
}

int collect_user(Kq& kq, struct kevent* out, int room) {
    int k = 0;
    for (auto& [ident, n] : kq.users) {
        if (k == room) break;
        if (!n.enabled || !n.triggered) continue;
        EV_SET(&out[k], ident, EVFILT_USER, n.clear ? EV_CLEAR : 0, 0, 0, n.udata);
        ++k;
        if (n.clear) n.triggered = false;
    }
    sync_user_signal(kq);
    return k;
}

struct kevent fd_event(int fd, short filter, const FdNote& note, uint32_t e) {
    struct kevent ev;
    unsigned short flags = 0;
    intptr_t data = 0;
    if (filter == EVFILT_READ) {
        if (e & (EPOLLRDHUP | EPOLLHUP)) flags |= EV_EOF;
        int avail = 0;
        if (ioctl(fd, FIONREAD, &avail) == 0) data = avail;
    } else if (e & (EPOLLHUP | EPOLLERR)) {
        flags |= EV_EOF;
    }
    EV_SET(&ev, uintptr_t(fd), filter, flags, 0, data, note.udata);
    return ev;
}

// Turns one epoll_wait batch into kevents; stops when `room` is used up (the
// rest is level-triggered and comes back on the next call).
int expand(Kq& kq, const epoll_event* evs, int n, struct kevent* out, int room) {
    int k = 0;
    for (int i = 0; i < n && k < room; ++i) {
        if (evs[i].data.u64 == kUserMarker) {
            k += collect_user(kq, out + k, room - k);
            continue;
        }
        const int fd = int(evs[i].data.u64);
        auto it = kq.fds.find(fd);
        if (it == kq.fds.end()) continue;
        FdEntry& ent = it->second;
        const uint32_t e = evs[i].events;
        bool r = ent.read.enabled && (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR));
        bool w = ent.write.enabled && (e & (EPOLLOUT | EPOLLHUP | EPOLLERR));
        if (r && w && room - k == 1) {
            (ent.write_first ? r : w) = false;
            ent.write_first = !ent.write_first;
        }
        if (r) out[k++] = fd_event(fd, EVFILT_READ, ent.read, e);
        if (w) out[k++] = fd_event(fd, EVFILT_WRITE, ent.write, e);
    }
    return k;
}

int64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

extern "C" int kqueue(void) {
    // Real kqueue descriptors are not close-on-exec unless asked, so neither is this.
    const int ep = epoll_create1(0);
    if (ep < 0) return -1;
    const int user_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kUserMarker;
    if (user_fd < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, user_fd, &ev) < 0) {
        const int err = errno;
        if (user_fd >= 0) close(user_fd);
        close(ep);
        errno = err;
        return -1;
    }
    std::lock_guard lock(g_mutex);
    Kq& kq = registry()[ep];
    if (kq.user_fd >= 0) close(kq.user_fd);  // state of an earlier, closed kqueue
    kq = Kq{};
    kq.user_fd = user_fd;
    return ep;
}

extern "C" int kevent(int kqfd, const struct kevent* changes, int nchanges, struct kevent* events,
                      int nevents, const struct timespec* timeout) {
    if (nchanges < 0 || nevents < 0 ||
        (timeout && (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000L))) {
        errno = EINVAL;
        return -1;
    }
    // Round up so a timeout never expires early.
    int64_t wait_ms = -1;
    if (timeout) {
        const int64_t ms = int64_t(timeout->tv_sec) * 1000 + (timeout->tv_nsec + 999999) / 1000000;
        wait_ms = ms > INT_MAX || ms < 0 ? INT_MAX : ms;
    }
    const int64_t deadline = wait_ms < 0 ? 0 : now_ms() + wait_ms;

    std::unique_lock lock(g_mutex);
    auto found = registry().find(kqfd);
    if (found == registry().end()) {
        errno = EBADF;
        return -1;
    }
    int placed = 0;
    for (int i = 0; i < nchanges; ++i) {
        const int err = apply_change(kqfd, found->second, changes[i]);
        if (err == 0 && !(changes[i].flags & EV_RECEIPT)) continue;
        if (placed == nevents) {
            if (err == 0) continue;
            errno = err;
            return -1;
        }
        events[placed] = changes[i];
        events[placed].flags = EV_ERROR;
        events[placed].data = err;
        ++placed;
    }
    if (placed > 0 || nevents == 0) return placed;

    constexpr int kMax = 256;
    epoll_event evs[kMax];
    for (;;) {
        lock.unlock();
        const int n = epoll_wait(kqfd, evs, nevents < kMax ? nevents : kMax, int(wait_ms));
        const int err = errno;
        lock.lock();
        if (n < 0) {
            errno = err;
            return -1;
        }
        found = registry().find(kqfd);
        if (found == registry().end()) {
            errno = EBADF;
            return -1;
        }
        const int k = expand(found->second, evs, n, events, nevents);
        // Everything epoll reported may have been stale; a real kqueue would
        // still be waiting, so wait out the rest of the timeout.
        if (k > 0 || n == 0 || wait_ms == 0) return k;
        if (wait_ms >= 0) {
            wait_ms = deadline - now_ms();
            if (wait_ms < 0) wait_ms = 0;
        }
    }
}
