#include "quiet.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "masked_frame.h"
#include "ws/mask_source.h"

namespace wsbench {

using wshub::ws::Opcode;

Step QuietConn::feed(int fd, uint8_t* p, size_t n, wshub::ws::MaskSource& masks) {
    fd_ = fd;
    masks_ = &masks;
    decoder_.feed(p, n, *this);
    if (decoder_.failed()) return fail(&ConnErrors::protocol, "bad frame: " + std::string(decoder_.error()));
    return kind_ ? Step::failed : Step::pending;
}

Step QuietConn::on_readable(int fd, uint8_t* buf, size_t cap, wshub::ws::MaskSource& masks) {
    ssize_t r;
    do r = read(fd, buf, cap);
    while (r < 0 && errno == EINTR);
    if (r < 0 && errno == EAGAIN) return Step::pending;
    if (r > 0) return feed(fd, buf, size_t(r), masks);
    // The end of the connection: expected only after the server's close frame.
    // A reset after it still completes the closing handshake.
    if (got_close_) return Step::done;
    if (closing_) return fail(&ConnErrors::close_handshake, kEndedBeforeClose);
    return fail(&ConnErrors::closed, read_end_reason(r, errno));
}

Step QuietConn::begin_close(int fd, wshub::ws::MaskSource& masks) {
    fd_ = fd;
    masks_ = &masks;
    closing_ = true;
    static const uint8_t kNormal[2] = {0x03, 0xE8};  // 1000
    write_control(Opcode::close, kNormal, sizeof kNormal);
    return kind_ ? Step::failed : Step::pending;
}

void QuietConn::on_message(Opcode, uint64_t length) {
    if (closing_) return;  // after our close, whatever was in flight may still arrive
    fail(&ConnErrors::protocol, "unexpected message of " + std::to_string(length) + " bytes");
}

void QuietConn::on_control(const wshub::ws::Event& e) {
    using Kind = wshub::ws::Event::Kind;
    if (e.kind == Kind::ping && !closing_) {
        write_control(Opcode::pong, reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size());
    } else if (e.kind == Kind::close) {
        if (!closing_) {
            fail(&ConnErrors::closed, "server sent close " + std::to_string(e.code) + " mid-run");
            return;
        }
        got_close_ = true;
    }
}

// Control frames are at most 131 bytes: a socket that has sent nothing else
// takes them whole, and one that cannot is failing anyway.
void QuietConn::write_control(Opcode op, const uint8_t* payload, size_t n) {
    uint8_t frame[kMaxControlFrame];
    size_t len = write_masked_frame(frame, op, payload, n, masks_->next());
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
