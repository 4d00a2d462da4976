#include "quiet.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "rng.h"

namespace wsbench {

Step QuietConn::feed(int fd, const uint8_t* p, size_t n, Rng& rng) {
    fd_ = fd;
    rng_ = &rng;
    if (!decoder_.feed(p, n, *this)) return fail(&ConnErrors::protocol, std::string("bad frame: ") + decoder_.error());
    return kind_ ? Step::failed : Step::pending;
}

Step QuietConn::on_readable(int fd, uint8_t* buf, size_t cap, Rng& rng) {
    ssize_t r;
    do r = read(fd, buf, cap);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN) return Step::pending;
    if (r > 0) return feed(fd, buf, size_t(r), rng);
    // The end of the connection: expected only after the server's close frame.
    // A reset after it still completes the closing handshake.
    if (got_close_) return Step::done;
    if (closing_) return fail(&ConnErrors::close_handshake, kEndedBeforeClose);
    return fail(&ConnErrors::closed, read_end_reason(r, errno));
}

Step QuietConn::begin_close(int fd, Rng& rng) {
    fd_ = fd;
    rng_ = &rng;
    closing_ = true;
    static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
    write_control(kClose, kNormal, sizeof kNormal);
    return kind_ ? Step::failed : Step::pending;
}

void QuietConn::on_message(uint8_t, uint64_t length) {
    if (closing_ || kind_) return;  // after our close, whatever was in flight may still arrive
    fail(&ConnErrors::protocol, "unexpected message of " + std::to_string(length) + " bytes");
}

void QuietConn::on_control(uint8_t opcode, const uint8_t* p, size_t n) {
    if (kind_) return;
    if (opcode == kPing && !closing_) {
        write_control(kPong, p, n);
    } else if (opcode == kClose) {
        if (!closing_) {
            fail(&ConnErrors::closed, "server sent close " + std::to_string(close_code(p, n)) + " mid-run");
            return;
        }
        got_close_ = true;
    }
}

// Control frames are at most 131 bytes: a socket that has sent nothing else
// takes them whole, and one that cannot is failing anyway.
void QuietConn::write_control(Opcode op, const uint8_t* payload, size_t n) {
    uint8_t frame[2 + 4 + 125];
    uint8_t mask[4];
    rng_->fill(mask, 4);
    size_t len = write_masked_frame(frame, op, payload, n, mask);
    ssize_t w;
    do w = write(fd_, frame, len);
    while (w < 0 && errno == EINTR);
    if (w == ssize_t(len)) return;
    fail(closing_ ? &ConnErrors::close_handshake : &ConnErrors::closed,
         w < 0 ? std::string("write: ") + std::strerror(errno) : "control frame written in part");
}

Step QuietConn::fail(uint64_t ConnErrors::*kind, std::string why) {
    if (!kind_) {
        kind_ = kind;
        why_ = std::move(why);
    }
    return Step::failed;
}

}  // namespace wsbench
