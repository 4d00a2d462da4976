// RFC 6455 section 5 from the client's side: masked frames out, and an
// incremental decoder for the server's unmasked frames in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace wsbench {

enum Opcode : uint8_t { kCont = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA };

// Size of a masked client frame carrying len payload bytes.
size_t masked_frame_size(uint64_t len) noexcept;

// Writes the head of one final masked frame (FIN set) carrying len payload
// bytes: opcode byte, length, mask key. Returns its size, which is
// masked_frame_size(len) - len; the masked payload goes right after it.
size_t write_masked_head(uint8_t* out, Opcode op, uint64_t len, const uint8_t (&mask)[4]) noexcept;

// Writes one final masked frame (FIN set) into out, which holds at least
// masked_frame_size(len) bytes; returns the bytes written.
size_t write_masked_frame(uint8_t* out, Opcode op, const uint8_t* payload, uint64_t len,
                          const uint8_t (&mask)[4]) noexcept;

// Incremental decoder for frames a server sends. Feed it whatever arrived, in
// any split; it calls back into Sink as soon as it can, without copying data
// payloads (only control payloads, at most 125 bytes, are gathered):
//   void on_data(const uint8_t* p, size_t n, uint64_t offset);  // message bytes at offset
//   void on_message(uint8_t opcode, uint64_t length);           // after the last fragment
//   void on_control(uint8_t opcode, const uint8_t* p, size_t n);
// A Sink may not feed the same decoder re-entrantly. Validates each header
// before its payload: RSV bits, known opcode, no mask, control frames final and
// at most 125 bytes, continuation rules, message size at most max_message (of
// payload as sent, so compressed when compressed).
class FrameDecoder {
public:
    // With compressed_allowed (permessage-deflate was negotiated, RFC 7692
    // section 6), RSV1 may be set on the first frame of a data message, which
    // marks the message as compressed; never on a continuation or control frame.
    explicit FrameDecoder(uint64_t max_message = uint64_t(1) << 40, bool compressed_allowed = false) noexcept
        : max_message_(max_message), compressed_allowed_(compressed_allowed) {}

    // Consumes all n bytes; false on a protocol error (error() says which),
    // after which the decoder must not be fed again.
    template <class Sink>
    bool feed(const uint8_t* p, size_t n, Sink& sink) noexcept;

    const char* error() const noexcept { return error_; }

    // Whether the data message being delivered (in on_data and on_message)
    // had RSV1 set: its payload is compressed.
    bool compressed() const noexcept { return msg_compressed_; }

private:
    bool header_complete() noexcept;  // validates hdr_, sets up the payload state

    uint64_t max_message_;
    bool compressed_allowed_;
    const char* error_ = nullptr;

    uint8_t hdr_[14];
    size_t hdr_have_ = 0;
    size_t hdr_need_ = 2;
    bool in_payload_ = false;

    uint8_t frame_op_ = 0;
    bool frame_fin_ = false;
    uint64_t frame_left_ = 0;

    bool in_message_ = false;  // a data message has started and not ended
    uint8_t msg_op_ = 0;
    uint64_t msg_len_ = 0;
    bool msg_compressed_ = false;

    uint8_t ctrl_[125];
    size_t ctrl_len_ = 0;
};

template <class Sink>
bool FrameDecoder::feed(const uint8_t* p, size_t n, Sink& sink) noexcept {
    while (n > 0) {
        if (!in_payload_) {
            size_t take = hdr_need_ - hdr_have_;
            if (take > n) take = n;
            std::memcpy(hdr_ + hdr_have_, p, take);
            hdr_have_ += take;
            p += take;
            n -= take;
            if (hdr_have_ < hdr_need_) return true;
            if (!header_complete()) return false;
            if (hdr_have_ < hdr_need_) continue;  // an extended length follows
            if (in_payload_) continue;
            // An empty payload: the frame is already whole; fall through below.
        } else {
            size_t take = frame_left_ < n ? size_t(frame_left_) : n;
            if (frame_op_ >= kClose) {
                std::memcpy(ctrl_ + ctrl_len_, p, take);
                ctrl_len_ += take;
            } else {
                sink.on_data(p, take, msg_len_);
                msg_len_ += take;
            }
            frame_left_ -= take;
            p += take;
            n -= take;
            if (frame_left_ > 0) return true;
        }
        // The frame is complete.
        in_payload_ = false;
        hdr_have_ = 0;
        hdr_need_ = 2;
        if (frame_op_ >= kClose) {
            sink.on_control(frame_op_, ctrl_, ctrl_len_);
        } else if (frame_fin_) {
            in_message_ = false;
            sink.on_message(msg_op_, msg_len_);
        }
    }
    return true;
}

}  // namespace wsbench
