// The failures a scenario counts on its open connections, and the words for
// the ways a server's side of one can end.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstring>
#include <string>

namespace wsbench {

struct ConnErrors {
    uint64_t protocol = 0;         // bad frame, or a message the scenario did not expect
    uint64_t closed = 0;           // close frame, EOF or reset from the server during the run
    uint64_t close_handshake = 0;  // no close frame back at the end
    std::string first;             // the first one, in words

    void note(const std::string& why) {
        if (first.empty()) first = why;
    }
};

constexpr const char* kNoCloseBack = "no close frame back within 2 s";
constexpr const char* kEndedBeforeClose = "connection ended before the server's close frame";

// A read that ended the connection mid-run: r is its result, err its errno.
inline std::string read_end_reason(ssize_t r, int err) {
    return r == 0 ? "server closed the connection (EOF) mid-run" : std::string("read: ") + std::strerror(err);
}

}  // namespace wsbench
