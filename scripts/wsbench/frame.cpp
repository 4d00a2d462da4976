#include "frame.h"

namespace wsbench {

size_t masked_frame_size(uint64_t len) noexcept {
    size_t ext = len < 126 ? 0 : len <= 0xFFFF ? 2 : 8;
    return 2 + ext + 4 + size_t(len);
}

size_t write_masked_head(uint8_t* out, Opcode op, uint64_t len, const uint8_t (&mask)[4]) noexcept {
    uint8_t* o = out;
    *o++ = uint8_t(0x80 | op);
    if (len < 126) {
        *o++ = uint8_t(0x80 | len);
    } else if (len <= 0xFFFF) {
        *o++ = 0x80 | 126;
        *o++ = uint8_t(len >> 8);
        *o++ = uint8_t(len);
    } else {
        *o++ = 0x80 | 127;
        for (int shift = 56; shift >= 0; shift -= 8) *o++ = uint8_t(len >> shift);
    }
    std::memcpy(o, mask, 4);
    return size_t(o - out) + 4;
}

size_t write_masked_frame(uint8_t* out, Opcode op, const uint8_t* payload, uint64_t len,
                          const uint8_t (&mask)[4]) noexcept {
    uint8_t* o = out + write_masked_head(out, op, len, mask);
    for (uint64_t i = 0; i < len; ++i) o[i] = payload[i] ^ mask[i & 3];
    return size_t(o - out) + size_t(len);
}

bool FrameDecoder::header_complete() noexcept {
    const uint8_t b0 = hdr_[0], b1 = hdr_[1];
    if (hdr_have_ == 2) {
        // First look: reject what no length can fix, then ask for the rest.
        if (b0 & (compressed_allowed_ ? 0x30 : 0x70))
            return error_ = compressed_allowed_ ? "RSV2 or RSV3 set (no extension uses them)"
                                                : "RSV bit set (no extension was negotiated)",
                   false;
        if (b1 & 0x80) return error_ = "masked frame from the server", false;
        uint8_t len7 = b1 & 0x7F;
        hdr_need_ = len7 == 126 ? 4 : len7 == 127 ? 10 : 2;
        if (hdr_need_ > 2) return true;  // more header bytes to come
    }
    const uint8_t op = b0 & 0x0F;
    const bool fin = (b0 & 0x80) != 0;
    const bool rsv1 = (b0 & 0x40) != 0;
    if (rsv1 && op >= kClose) return error_ = "RSV1 set on a control frame", false;
    if (rsv1 && op == kCont) return error_ = "RSV1 set on a continuation frame", false;
    uint64_t len = b1 & 0x7F;
    if (len == 126) {
        len = uint64_t(hdr_[2]) << 8 | hdr_[3];
        if (len < 126) return error_ = "16-bit length below 126 (not minimal)", false;
    } else if (len == 127) {
        len = 0;
        for (int i = 2; i < 10; ++i) len = len << 8 | hdr_[i];
        if (len >> 63) return error_ = "64-bit length with the top bit set", false;
        if (len <= 0xFFFF) return error_ = "64-bit length below 65536 (not minimal)", false;
    }

    if (op >= kClose) {
        if (op != kClose && op != kPing && op != kPong) return error_ = "reserved control opcode", false;
        if (!fin) return error_ = "fragmented control frame", false;
        if (len > 125) return error_ = "control frame longer than 125 bytes", false;
        ctrl_len_ = 0;
    } else if (op == kCont) {
        if (!in_message_) return error_ = "continuation frame without a message", false;
    } else if (op == kText || op == kBinary) {
        if (in_message_) return error_ = "new message before the previous one ended", false;
        in_message_ = true;
        msg_op_ = op;
        msg_len_ = 0;
        msg_compressed_ = rsv1;
    } else {
        return error_ = "reserved data opcode", false;
    }
    if (op < kClose && len > max_message_ - msg_len_) return error_ = "message longer than expected", false;

    frame_op_ = op;
    frame_fin_ = fin;
    frame_left_ = len;
    in_payload_ = len > 0;
    return true;
}

}  // namespace wsbench
