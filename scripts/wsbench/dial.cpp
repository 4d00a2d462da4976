#include "dial.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "clock.h"
#include "handshake.h"
#include "options.h"
#include "rng.h"

namespace wsbench {

namespace {

enum class Stage { connecting, sending, receiving };

struct Attempt {
    int fd = -1;
    Stage stage = Stage::connecting;
    std::string key;
    std::string request;  // unsent part
    std::string response;
    int64_t deadline_ns = 0;
    DialedConn conn;
};

class Dialer {
public:
    Dialer(int epfd, const Options& opts, Rng& rng, DialStats& stats)
        : epfd_(epfd), opts_(opts), rng_(rng), stats_(stats) {}

    std::vector<DialedConn> run();

private:
    void start_one();
    void on_event(size_t slot, uint32_t events);
    void on_writable(Attempt& a);
    void on_readable(Attempt& a);
    void expire(int64_t now);
    void fail(Attempt& a, bool during_connect, const std::string& why);
    void finish(Attempt& a);  // success
    void retire(Attempt& a);  // leaves the in-progress set

    int epfd_;
    const Options& opts_;
    Rng& rng_;
    DialStats& stats_;
    std::vector<Attempt> slots_;  // reused; index is the epoll token
    std::vector<size_t> free_;
    size_t in_progress_ = 0;
    uint32_t started_ = 0;
    std::vector<DialedConn> done_;
};

std::vector<DialedConn> Dialer::run() {
    slots_.resize(opts_.dial_batch < opts_.connections ? opts_.dial_batch : opts_.connections);
    for (size_t i = slots_.size(); i-- > 0;) free_.push_back(i);
    done_.reserve(opts_.connections);
    std::vector<epoll_event> events(1024);
    int64_t next_expiry_scan = 0;
    while (started_ < opts_.connections || in_progress_ > 0) {
        while (started_ < opts_.connections && !free_.empty()) start_one();
        if (in_progress_ == 0) continue;
        int n = epoll_wait(epfd_, events.data(), int(events.size()), 50);
        if (n < 0 && errno != EINTR) {
            stats_.first_error = std::string("epoll_wait: ") + std::strerror(errno);
            break;
        }
        for (int i = 0; i < n; ++i) on_event(size_t(events[size_t(i)].data.u64), events[size_t(i)].events);
        int64_t now = now_ns();
        if (now >= next_expiry_scan) {
            expire(now);
            next_expiry_scan = now + 50'000'000;
        }
    }
    return std::move(done_);
}

void Dialer::start_one() {
    size_t slot = free_.back();
    free_.pop_back();
    ++started_;
    ++in_progress_;
    Attempt& a = slots_[slot];
    a = Attempt{};
    a.conn.start_ns = now_ns();
    a.deadline_ns = a.conn.start_ns + int64_t(opts_.dial_timeout_s * 1e9);
    uint8_t nonce[16];
    rng_.fill(nonce, sizeof nonce);
    a.key = make_key(nonce);
    a.request = build_request(opts_.target, a.key);

    const sockaddr* sa = reinterpret_cast<const sockaddr*>(&opts_.target.addr);
    a.fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (a.fd < 0) return fail(a, true, std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(a.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(a.fd, sa, opts_.target.addr_len) != 0 && errno != EINPROGRESS)
        return fail(a, true, std::string("connect: ") + std::strerror(errno));
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = slot;
    if (epoll_ctl(epfd_, EPOLL_CTL_ADD, a.fd, &ev) != 0)
        return fail(a, true, std::string("epoll_ctl: ") + std::strerror(errno));
}

void Dialer::on_event(size_t slot, uint32_t events) {
    Attempt& a = slots_[slot];
    if (a.fd < 0) return;  // failed earlier in this batch
    if (a.stage != Stage::receiving && (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) on_writable(a);
    else if (a.stage == Stage::receiving && (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(a);
}

void Dialer::on_writable(Attempt& a) {
    if (a.stage == Stage::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(a.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
        if (err != 0) return fail(a, true, std::string("connect: ") + std::strerror(err));
        a.conn.connect_ns = now_ns();
        a.stage = Stage::sending;
    }
    ssize_t w;
    do w = write(a.fd, a.request.data(), a.request.size());
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno == EAGAIN) return;
    if (w < 0) return fail(a, false, std::string("write: ") + std::strerror(errno));
    a.request.erase(0, size_t(w));
    if (!a.request.empty()) return;
    a.stage = Stage::receiving;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = uint64_t(&a - slots_.data());
    epoll_ctl(epfd_, EPOLL_CTL_MOD, a.fd, &ev);
}

void Dialer::on_readable(Attempt& a) {
    char buf[4096];
    ssize_t r;
    do r = read(a.fd, buf, sizeof buf);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN) return;
    if (r < 0) return fail(a, false, std::string("read: ") + std::strerror(errno));
    if (r == 0) return fail(a, false, "connection closed before the 101 response");
    a.response.append(buf, size_t(r));
    size_t head_len = 0;
    std::string why;
    switch (check_response(a.response, a.key, head_len, why)) {
    case HeadStatus::incomplete:
        return;
    case HeadStatus::error:
        return fail(a, false, why);
    case HeadStatus::ok:
        a.conn.leftover = a.response.substr(head_len);
        return finish(a);
    }
}

void Dialer::expire(int64_t now) {
    for (auto& a : slots_)
        if (a.fd >= 0 && now > a.deadline_ns)
            fail(a, a.stage == Stage::connecting, a.stage == Stage::connecting ? "connect timed out"
                                                                                : "handshake timed out");
}

void Dialer::fail(Attempt& a, bool during_connect, const std::string& why) {
    ++(during_connect ? stats_.connect_errors : stats_.handshake_errors);
    if (stats_.first_error.empty()) stats_.first_error = why;
    if (a.fd >= 0) close(a.fd);  // also leaves the epoll set
    retire(a);
}

void Dialer::finish(Attempt& a) {
    a.conn.fd = a.fd;
    a.conn.ready_ns = now_ns();
    done_.push_back(std::move(a.conn));
    retire(a);
}

void Dialer::retire(Attempt& a) {
    a.fd = -1;
    --in_progress_;
    free_.push_back(size_t(&a - slots_.data()));
}

}  // namespace

std::vector<DialedConn> dial_all(int epfd, const Options& opts, Rng& rng, DialStats& stats) {
    return Dialer(epfd, opts, rng, stats).run();
}

}  // namespace wsbench
