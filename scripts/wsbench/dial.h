// Opening many WebSocket connections at once without overrunning the server's
// listen backlog: non-blocking connects and upgrade handshakes, at most
// Options::dial_batch in progress, each within Options::dial_timeout_s.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wsbench {

struct Options;
class Rng;

struct DialedConn {
    int fd = -1;            // non-blocking, TCP_NODELAY, registered in the epoll set
    std::string leftover;   // bytes after the 101 head: already frames
    int64_t start_ns = 0;   // socket() called
    int64_t connect_ns = 0; // TCP connected
    int64_t ready_ns = 0;   // 101 checked
};

struct DialStats {
    uint32_t connect_errors = 0;    // socket/connect failed or timed out
    uint32_t handshake_errors = 0;  // bad or missing 101, or timed out after connect
    std::string first_error;        // the first failure, in words
};

// Dials opts.connections connections to opts.target using the epoll set epfd.
// Every returned fd stays registered in epfd with an arbitrary token: the
// caller re-registers it (EPOLL_CTL_MOD) before its next epoll_wait. Failed
// attempts are closed and counted in stats.
std::vector<DialedConn> dial_all(int epfd, const Options& opts, Rng& rng, DialStats& stats);

}  // namespace wsbench
