// A connection that carries no data messages, for the connect and idle
// scenarios. While open it answers pings and takes anything else from the
// server (data, close, EOF) as a failure. begin_close() sends close 1000 and
// then waits for the server's close frame and its EOF: the server closes TCP
// first (RFC 6455 section 7.1.1), so the TIME_WAIT state stays on its side
// and the generator does not run out of ephemeral ports when it opens tens of
// thousands of connections a minute.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "attempt.h"
#include "conn_errors.h"
#include "server_frames.h"
#include "ws/frame.h"

namespace wshub::ws {
class MaskSource;
}

namespace wsbench {

class QuietConn {
public:
    // Bytes that came with the 101 head, or from a read. Frames sent in
    // answer are masked with keys from masks.
    Step feed(int fd, uint8_t* p, size_t n, wshub::ws::MaskSource& masks);
    // Reads what is there into buf (cap bytes) and feeds it.
    Step on_readable(int fd, uint8_t* buf, size_t cap, wshub::ws::MaskSource& masks);
    // Sends close 1000; failed if it could not be written whole.
    Step begin_close(int fd, wshub::ws::MaskSource& masks);

    bool closing() const noexcept { return closing_; }
    // After failed: the counter it belongs to, and the reason.
    uint64_t ConnErrors::*kind() const noexcept { return kind_; }
    const std::string& why() const noexcept { return why_; }

    // ServerFrames sink.
    void on_data(const uint8_t*, size_t, uint64_t) noexcept {}
    void on_message(wshub::ws::Opcode opcode, uint64_t length);
    void on_control(const wshub::ws::Event& e);
    bool stopped() const noexcept { return kind_ != nullptr; }

private:
    Step fail(uint64_t ConnErrors::*kind, std::string why);
    void write_control(wshub::ws::Opcode op, const uint8_t* payload, size_t n);

    ServerFrames decoder_;
    bool closing_ = false;
    bool got_close_ = false;
    // Set by the sink while feeding: a failure to report, or a pong to send.
    int fd_ = -1;
    wshub::ws::MaskSource* masks_ = nullptr;
    uint64_t ConnErrors::*kind_ = nullptr;
    std::string why_;
};

}  // namespace wsbench
