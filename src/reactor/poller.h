// The OS readiness backend behind the reactor: one file per OS with these same
// functions, chosen by the Makefile (poller_epoll.cpp on Linux, poller_kqueue.cpp
// on BSD and macOS). Backends only translate native events into {token, mask};
// errors and hang-ups are reported as both readable and writable so the owner
// finds out through its next read or write. Level-triggered.
#pragma once

#include <cstdint>

namespace wshub::reactor {

enum Interest : uint32_t {
    kReadable = 1u << 0,
    kWritable = 1u << 1,
};

struct Ready {
    uint64_t token;
    uint32_t events;  // kReadable | kWritable
};

// Token reported when another thread called wake().
constexpr uint64_t kWakeToken = ~uint64_t{0};

class Poller {
public:
    Poller() noexcept;
    ~Poller();
    Poller(const Poller&) = delete;
    Poller& operator=(const Poller&) = delete;

    // 0 if the backend initialised, else the errno that stopped it.
    int error() const noexcept { return error_; }

    // Each returns 0 or an errno. `old_interest` is what the fd is registered
    // with now (kqueue keeps one filter per direction and must know which to drop).
    int add(int fd, uint64_t token, uint32_t interest) noexcept;
    int modify(int fd, uint64_t token, uint32_t old_interest, uint32_t interest) noexcept;
    int remove(int fd, uint32_t old_interest) noexcept;

    // Waits up to timeout_ms (-1: forever) and fills at most `capacity` entries.
    // Returns how many, 0 on timeout or EINTR, or -errno on failure.
    int wait(Ready* out, int capacity, int timeout_ms) noexcept;

    // Thread-safe: makes a wait() in progress (or the next one) return with a
    // kWakeToken entry. Wake-ups are level-triggered until drained by wait().
    void wake() noexcept;

private:
    int fd_ = -1;       // epoll or kqueue descriptor
    int wake_fd_ = -1;  // eventfd (epoll); unused by kqueue (EVFILT_USER)
    int error_ = 0;
};

}  // namespace wshub::reactor
