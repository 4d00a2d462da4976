#include "attempt.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "clock.h"
#include "handshake.h"
#include "options.h"

namespace wsbench {

Step Attempt::start(int epfd, uint64_t token, const Target& target, wshub::ws::MaskSource& random, int64_t now,
                    int64_t timeout_ns) {
    stage_ = Stage::connecting;
    conn_ = DialedConn{};
    conn_.start_ns = now;
    deadline_ns_ = now + timeout_ns;
    failed_connecting_ = false;
    registered_ = false;
    why_.clear();
    response_.clear();
    key_ = new_key(random);
    offered_deflate_ = target.offer_deflate;
    request_ = build_request(target, key_);
    request_off_ = 0;

    const sockaddr* sa = reinterpret_cast<const sockaddr*>(&target.addr);
    fd_ = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return fail(true, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd_, sa, target.addr_len) != 0 && errno != EINPROGRESS)
        return fail(true, std::string("connect: ") + std::strerror(errno));
    // On loopback the TCP handshake has usually completed by now: try the
    // request at once and spare a wake-up (EAGAIN while still connecting).
    return send_request(epfd, token);
}

Step Attempt::on_event(int epfd, uint64_t token, uint32_t events) {
    if (fd_ < 0) return Step::failed;  // failed earlier in this batch
    if (stage_ != Stage::receiving && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return on_writable(epfd, token);
    if (stage_ == Stage::receiving && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return on_readable();
    return Step::pending;
}

Step Attempt::on_writable(int epfd, uint64_t token) { return send_request(epfd, token); }

// Writes what is left of the request. While connecting, EAGAIN means the
// connection is not up yet, and an error is the connect's own (a write
// reports it as getsockopt(SO_ERROR) would).
Step Attempt::send_request(int epfd, uint64_t token) {
    ssize_t w;
    do w = write(fd_, request_.data() + request_off_, request_.size() - request_off_);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno == EAGAIN) return watch(epfd, token, EPOLLOUT);
    if (w < 0)
        return stage_ == Stage::connecting ? fail(true, std::string("connect: ") + std::strerror(errno))
                                           : fail(false, std::string("write: ") + std::strerror(errno));
    if (stage_ == Stage::connecting) {
        conn_.connect_ns = now_ns();
        stage_ = Stage::sending;
    }
    request_off_ += size_t(w);
    if (request_off_ < request_.size()) return watch(epfd, token, EPOLLOUT);
    stage_ = Stage::receiving;
    return watch(epfd, token, EPOLLIN);
}

// Registers the socket in epfd for events, or changes what it waits for.
Step Attempt::watch(int epfd, uint64_t token, uint32_t events) {
    if (registered_ && events_ == events) return Step::pending;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = token;
    if (epoll_ctl(epfd, registered_ ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd_, &ev) != 0)
        return fail(stage_ == Stage::connecting, std::string("epoll_ctl: ") + std::strerror(errno));
    registered_ = true;
    events_ = events;
    return Step::pending;
}

Step Attempt::on_readable() {
    char buf[4096];
    ssize_t r;
    do r = read(fd_, buf, sizeof buf);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN) return Step::pending;
    if (r < 0) return fail(false, std::string("read: ") + std::strerror(errno));
    if (r == 0) return fail(false, "connection closed before the 101 response");
    response_.append(buf, size_t(r));
    size_t head_len = 0;
    std::string why;
    switch (check_response(response_, key_, offered_deflate_, head_len, conn_.deflate, why)) {
    case HeadStatus::incomplete:
        return Step::pending;
    case HeadStatus::error:
        return fail(false, why);
    case HeadStatus::ok:
        break;
    }
    conn_.leftover = response_.substr(head_len);
    conn_.ready_ns = now_ns();
    conn_.fd = fd_;
    return Step::done;
}

Step Attempt::expire(int64_t now) {
    if (fd_ < 0 || now <= deadline_ns_) return Step::pending;
    bool connecting = stage_ == Stage::connecting;
    return fail(connecting, connecting ? "connect timed out" : "handshake timed out");
}

void Attempt::abandon() noexcept {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
}

DialedConn Attempt::take() noexcept {
    fd_ = -1;
    return std::move(conn_);
}

Step Attempt::fail(bool connecting, std::string why) {
    failed_connecting_ = connecting;
    why_ = std::move(why);
    if (fd_ >= 0) close(fd_);  // also leaves the epoll set
    fd_ = -1;
    return Step::failed;
}

}  // namespace wsbench
