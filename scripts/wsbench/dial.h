// Opening many WebSocket connections at once without overrunning the server's
// listen backlog: non-blocking connects and upgrade handshakes, at most
// Options::dial_batch in progress, each within Options::dial_timeout_s.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "attempt.h"

namespace wshub::ws {
class MaskSource;
}

namespace wsbench {

struct Options;

struct DialStats {
    uint32_t connect_errors = 0;    // socket/connect failed or timed out
    uint32_t handshake_errors = 0;  // bad or missing 101, or timed out after connect
    std::string first_error;        // the first failure, in words
};

// Called now and then while dialing (about 4 times a second): connections
// upgraded so far, and attempts that failed.
using DialProgress = std::function<void(uint32_t upgraded, uint32_t failed)>;

// Dials opts.connections connections to opts.target using the epoll set epfd.
// Every returned fd stays registered in epfd with an arbitrary token: the
// caller re-registers it (EPOLL_CTL_MOD) before its next epoll_wait. Failed
// attempts are closed and counted in stats. Keys come from random.
std::vector<DialedConn> dial_all(int epfd, const Options& opts, wshub::ws::MaskSource& random, DialStats& stats,
                                 const DialProgress& progress = {});

}  // namespace wsbench
