// Linux backend: epoll, level-triggered, plus an eventfd for cross-thread wake-ups.
#include "reactor/poller.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace wshub::reactor {
namespace {

uint32_t to_epoll(uint32_t interest) {
    uint32_t ev = 0;
    if (interest & kReadable) ev |= EPOLLIN | EPOLLRDHUP;
    if (interest & kWritable) ev |= EPOLLOUT;
    return ev;
}

int control(int epfd, int op, int fd, uint64_t token, uint32_t interest) {
    epoll_event ev{};
    ev.events = to_epoll(interest);
    ev.data.u64 = token;
    return epoll_ctl(epfd, op, fd, &ev) == 0 ? 0 : errno;
}

}  // namespace

Poller::Poller() noexcept {
    fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (fd_ < 0) {
        error_ = errno;
        return;
    }
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        error_ = errno;
        return;
    }
    error_ = control(fd_, EPOLL_CTL_ADD, wake_fd_, kWakeToken, kReadable);
}

Poller::~Poller() {
    if (wake_fd_ >= 0) close(wake_fd_);
    if (fd_ >= 0) close(fd_);
}

int Poller::add(int fd, uint64_t token, uint32_t interest) noexcept {
    return control(fd_, EPOLL_CTL_ADD, fd, token, interest);
}

int Poller::modify(int fd, uint64_t token, uint32_t, uint32_t interest) noexcept {
    return control(fd_, EPOLL_CTL_MOD, fd, token, interest);
}

int Poller::remove(int fd, uint32_t) noexcept {
    return epoll_ctl(fd_, EPOLL_CTL_DEL, fd, nullptr) == 0 ? 0 : errno;
}

int Poller::wait(Ready* out, int capacity, int timeout_ms) noexcept {
    constexpr int kBatch = 256;
    epoll_event events[kBatch];
    int n = epoll_wait(fd_, events, capacity < kBatch ? capacity : kBatch, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; ++i) {
        const uint32_t e = events[i].events;
        uint32_t mask = 0;
        if (e & (EPOLLIN | EPOLLRDHUP)) mask |= kReadable;
        if (e & EPOLLOUT) mask |= kWritable;
        if (e & (EPOLLERR | EPOLLHUP)) mask |= kReadable | kWritable;
        out[i] = {events[i].data.u64, mask};
        if (events[i].data.u64 == kWakeToken) {
            uint64_t count;
            // Drain so the level-triggered eventfd stops reporting; EAGAIN is fine.
            [[maybe_unused]] ssize_t r = read(wake_fd_, &count, sizeof count);
        }
    }
    return n;
}

void Poller::wake() noexcept {
    const uint64_t one = 1;
    // EAGAIN means the counter is saturated: a wake-up is pending anyway.
    [[maybe_unused]] ssize_t r = write(wake_fd_, &one, sizeof one);
}

}  // namespace wshub::reactor
