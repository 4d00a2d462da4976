// What every scenario keeps per connection, and the socket work they share:
// level-triggered epoll (EPOLLIN always, EPOLLOUT while writes are pending),
// reads into one buffer shared by the whole loop, one epoll batch at a time.
#pragma once

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "server_frames.h"

namespace wsbench {

struct ConnBase {
    int fd = -1;
    uint32_t id = 0;            // index in the scenario's connections: the epoll token
    bool alive = false;
    bool closing = false;       // our close frame is queued or sent
    bool watching_out = false;  // EPOLLOUT is registered
    ServerFrames decoder;       // the server's frames
};

// The loop's epoll set; -1 (said on stderr) on failure.
inline int open_epoll() {
    int epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) std::fprintf(stderr, "wsbench: epoll_create1: %s\n", std::strerror(errno));
    return epfd;
}

// Registers or drops EPOLLOUT for c.
inline void watch_out(int epfd, ConnBase& c, bool on) {
    if (c.watching_out == on) return;
    epoll_event ev{};
    ev.events = on ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.u64 = c.id;
    epoll_ctl(epfd, EPOLL_CTL_MOD, c.fd, &ev);
    c.watching_out = on;
}

// How read_rounds ended: ended says the connection did (r 0: EOF, r < 0: err).
struct ReadEnd {
    bool ended = false;
    ssize_t r = 0;
    int err = 0;
};

// Reads fd into buf. One read normally drains the socket; loop only while the
// buffer fills (level-triggered: anything left is reported again). got(n) takes
// each read's n bytes and returns whether the connection still lives.
template <class Got>
ReadEnd read_rounds(int fd, uint8_t* buf, size_t cap, Got&& got) {
    for (int round = 0; round < 4; ++round) {
        ssize_t r = read(fd, buf, cap);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        if (r <= 0) return {true, r, errno};
        if (!got(size_t(r)) || size_t(r) < cap) break;
    }
    return {};
}

enum class Waited { batch, interrupted, failed };

// One epoll_wait, then each live connection's events: readable (or error,
// hangup) to on_readable, writable to on_writable. failed (said on stderr)
// when epoll_wait failed for good.
template <class Conn, class Readable, class Writable>
Waited wait_and_dispatch(int epfd, std::vector<epoll_event>& events, int timeout_ms, std::vector<Conn>& conns,
                       Readable&& on_readable, Writable&& on_writable) {
    int n = epoll_wait(epfd, events.data(), int(events.size()), timeout_ms);
    if (n < 0) {
        if (errno == EINTR) return Waited::interrupted;
        std::fprintf(stderr, "wsbench: epoll_wait: %s\n", std::strerror(errno));
        return Waited::failed;
    }
    for (int i = 0; i < n; ++i) {
        Conn& c = conns[events[size_t(i)].data.u64];
        uint32_t ev = events[size_t(i)].events;
        if (!c.alive) continue;  // dropped earlier in this batch
        if (ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) on_readable(c);
        if (c.alive && (ev & EPOLLOUT)) on_writable(c);
    }
    return Waited::batch;
}

}  // namespace wsbench
