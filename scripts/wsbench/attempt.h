// One client connection through TCP connect and the RFC 6455 opening
// handshake, as a state machine the caller drives with epoll events. Shared
// by the dialer (a fixed number of connections kept open) and the connect
// scenario (connections opened and closed again, continuously).
#pragma once

#include <cstdint>
#include <string>

#include "handshake.h"

namespace wshub::ws {
class MaskSource;
}

namespace wsbench {

struct Target;

// A connection that completed its upgrade.
struct DialedConn {
    int fd = -1;            // non-blocking, TCP_NODELAY, still registered in the epoll set
    std::string leftover;   // bytes after the 101 head: already frames
    int64_t start_ns = 0;   // socket() called
    int64_t connect_ns = 0; // TCP connected
    int64_t ready_ns = 0;   // 101 checked
    DeflateAnswer deflate;  // permessage-deflate as the 101 agreed (when offered)
};

enum class Step { pending, done, failed };

class Attempt {
public:
    // Opens a non-blocking socket, starts connecting and registers it in epfd
    // under token; the whole attempt must end by timeout_ns after now. The
    // Sec-WebSocket-Key comes from random.
    Step start(int epfd, uint64_t token, const Target& target, wshub::ws::MaskSource& random, int64_t now,
               int64_t timeout_ns);
    // Advances on the events epoll reported for this attempt.
    Step on_event(int epfd, uint64_t token, uint32_t events);
    // Fails the attempt if its deadline has passed.
    Step expire(int64_t now);

    bool active() const noexcept { return fd_ >= 0; }
    // Gives up an attempt under way: closes its socket, counts nothing.
    void abandon() noexcept;
    // After done: the connection, whose fd the caller now owns.
    DialedConn take() noexcept;
    // After failed: whether it failed before the TCP connection was up, and why.
    bool failed_connecting() const noexcept { return failed_connecting_; }
    const std::string& why() const noexcept { return why_; }

private:
    enum class Stage { connecting, sending, receiving };

    Step fail(bool connecting, std::string why);
    Step on_writable(int epfd, uint64_t token);
    Step send_request(int epfd, uint64_t token);
    Step watch(int epfd, uint64_t token, uint32_t events);
    Step on_readable();

    int fd_ = -1;
    Stage stage_ = Stage::connecting;
    std::string key_;
    bool offered_deflate_ = false;
    std::string request_;  // its unsent part
    size_t request_off_ = 0;
    std::string response_;
    int64_t deadline_ns_ = 0;
    bool registered_ = false;  // in the epoll set, waiting for events_
    uint32_t events_ = 0;
    DialedConn conn_;
    bool failed_connecting_ = false;
    std::string why_;
};

}  // namespace wsbench
