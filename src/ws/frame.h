// RFC 6455 framing for both ends: an incremental decoder for the peer's frames
// (a server reads masked client frames, a client unmasked server frames) and
// writers for unmasked server frames and masked client frames. Policy-free: the
// decoder reports messages (or, streaming, pieces of them), control frames and
// protocol errors (with the close code to use); the owner decides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ws/utf8.h"

namespace wshub::ws {

enum class Opcode : uint8_t {
    continuation = 0x0,
    text = 0x1,
    binary = 0x2,
    close = 0x8,
    ping = 0x9,
    pong = 0xA,
};

namespace close_code {
constexpr uint16_t normal = 1000;
constexpr uint16_t going_away = 1001;
constexpr uint16_t protocol_error = 1002;
constexpr uint16_t unsupported_data = 1003;
constexpr uint16_t no_status = 1005;  // never on the wire: "close frame had no code"
constexpr uint16_t abnormal = 1006;   // never on the wire
constexpr uint16_t invalid_payload = 1007;
constexpr uint16_t policy = 1008;
constexpr uint16_t too_big = 1009;
constexpr uint16_t internal_error = 1011;
}  // namespace close_code

// RFC 6455 7.4: may this code appear in a close frame on the wire?
// 1000-1003, 1007-1014 (1012-1014 as registered by IANA), 3000-4999; never
// 1004-1006, 1015, 0-999, 1016-2999 or 5000 and above.
bool close_code_allowed_on_wire(uint16_t code) noexcept;

// One decoded event. Views (payload, reason) stay valid until the next feed().
struct Event {
    enum class Kind : uint8_t {
        none,    // all input consumed, need more bytes
        text,    // a complete, UTF-8-valid text message (streaming: a piece of one, valid so far)
        binary,  // a complete binary message (streaming: a piece of one)
        ping,
        pong,
        close,   // a valid close frame: code (1005 if the payload was empty) and reason
        error,   // protocol violation: close the connection with `code`; reason says why
    };
    // The small fields first, side by side: feed() resets an Event with one
    // store for them all.
    Kind kind = Kind::none;
    // text/binary: the payload is the message compressed (RFC 7692: RSV1 on
    // its first frame), its text not yet checked for UTF-8. Streaming, set on
    // every piece of such a message.
    bool compressed = false;
    // text/binary: the payload is the message's first / final piece. Both true
    // for a whole message, always so unless the Decoder streams.
    bool first = true;
    bool last = true;
    uint16_t code = 0;
    std::string_view payload;  // message / ping / pong payload, unmasked
    std::string_view reason;   // close reason, or a short description of the error
};

// Which end of the connection the Decoder is on: a server reads client frames,
// which must be masked; a client reads server frames, which must not be (RFC
// 6455 5.1: either end closes on a frame masked the wrong way, with 1002).
enum class Side : uint8_t { server, client };

// Decodes a stream of the peer's frames. Bytes may arrive split at any
// point. Validates each header (RSV, opcode, mask, control-frame rules, 64-bit
// length, --max-message) before touching its payload; unmasks (server side);
// reassembles fragmented messages (control frames may be interleaved);
// validates text incrementally so invalid UTF-8 is reported at the first
// impossible byte, even before the frame or message is complete. Once
// permessage-deflate is negotiated (allow_compressed), RSV1 may mark the
// first frame of a data message as compressed (RFC 7692 section 6); such a
// message is reported flagged compressed (whole, or streaming every piece),
// its text unchecked. After an error it reports the same error forever:
// every later feed() consumes all its input (returns len) and reports that
// error again.
//
// Streaming (stream_messages()): data messages are not reassembled. Each feed
// reports at most one piece of a message: the bytes of one frame that this
// input holds (a piece never spans two frames), as a text/binary Event whose
// payload is a view into the caller's input, unmasked in place; nothing of a
// data message is copied or buffered. `first` marks the message's first piece,
// `last` its final one. A frame with no payload bytes in the input yields no
// piece, except an empty frame that begins or ends its message (so the owner
// always sees first and last). max_message bounds the message, the sum of its
// frames: 1009 as soon as a header would pass it. Text is checked as it comes:
// a piece is reported only once its bytes are valid UTF-8 (else that feed
// reports 1007 instead), the last one only if the text is complete. Control
// frames between fragments are reported as without streaming. The pieces
// already reported of a message that later fails stay reported: the owner
// discards them on the error.
class Decoder {
public:
    // max_message is at most kMaxDecodedMessage.
    explicit Decoder(uint64_t max_message, Side side = Side::server) noexcept
        : max_message_(uint32_t(max_message < kMaxDecodedMessage ? max_message : kMaxDecodedMessage)),
          flags_(side == Side::server ? kPeerMasks : 0) {}
    ~Decoder();
    Decoder(Decoder&& other) noexcept;
    Decoder& operator=(Decoder&& other) noexcept;
    Decoder(const Decoder&) = delete;
    Decoder& operator=(const Decoder&) = delete;

    // The largest max_message: the reassembly buffer (a message plus a
    // control payload staged after it) must fit 32-bit sizes.
    static constexpr uint64_t kMaxDecodedMessage = (uint64_t(1) << 32) - 256;

    // Consumes bytes from data[0, len) until one event is complete or the input
    // is exhausted, and returns the number of bytes consumed. `data` is mutable
    // because the decoder may unmask in place and return a payload view into it
    // (when a whole unfragmented frame is in the buffer, or streaming), avoiding
    // a copy; control frames wholly in the buffer are returned the same way.
    // Bytes before the end of the input that are not consumed belong to later
    // events: feed them again. The feed that detects an error returns the bytes
    // it read before stopping. Close frames are validated: a 1-byte payload or a
    // code not allowed on the wire is error 1002, a reason that is not UTF-8 is
    // error 1007. A length encoded in more bytes than needed is accepted.
    size_t feed(uint8_t* data, size_t len, Event& out) noexcept;

    // permessage-deflate was negotiated: RSV1 is legal on the first frame of
    // a data message (and still a 1002 on control frames and continuations).
    void allow_compressed() noexcept { flags_ |= kCompressedOk; }

    // Report data messages in pieces as they arrive (see above). Call once,
    // before the first feed().
    void stream_messages() noexcept { flags_ |= kStreaming; }

    // True while part of a frame or data message has been received (and,
    // unless streaming, is buffered).
    bool mid_message() const noexcept;

    // Releases the reassembly buffer's memory (call when the connection idles).
    // Ends the views of the last event; keeps a message in progress (and then
    // releases nothing).
    void shrink() noexcept;

private:
    // Per connection, so kept to 48 bytes (plus the heap buffer, which exists
    // only while a message is being reassembled or a control frame staged).
    uint8_t* buf_ = nullptr;   // message being reassembled; the payload of a control
                               // frame that arrived split is staged after it
    uint32_t buf_size_ = 0;
    uint32_t buf_cap_ = 0;
    uint32_t max_message_;
    uint32_t remaining_ = 0;   // payload bytes of the current frame not yet read
    uint32_t msg_total_ = 0;   // the data message's length so far: its frames' lengths
                               // as declared in their headers (the current one's included)
    uint8_t hdr_[14] = {};     // the current frame's header as received (if masked, its
                               // last 4 bytes, hdr_[hdr_len_ - 4..], the masking key)
    uint8_t hdr_len_ = 0;      // header bytes received so far (0 between frames)
    uint8_t phase_ = 0;        // header / payload / clean up after an event (frame.cpp)
    uint8_t msg_op_ = 0;       // opcode of the data message in progress, 0 if none
    uint8_t error_ = 0;        // the sticky error (index into a table), 0 if none
    Utf8Validator utf8_;      // text message in progress
    uint8_t flags_;           // the booleans below, one bit each

    enum : uint8_t {
        kPeerMasks = 0x80,      // Side::server: the peer's frames are masked. The
                                // MASK bit's own place in a header, so one XOR
                                // tells a frame masked the wrong way.
        kStreaming = 0x01,      // stream_messages()
        kCompressedOk = 0x02,   // allow_compressed()
        kMsgCompressed = 0x04,  // the data message in progress had RSV1
        kPieceSent = 0x08,      // streaming: a piece of that message was reported
    };
    bool has(uint8_t flag) const noexcept { return (flags_ & flag) != 0; }
    void set(uint8_t flag, bool on) noexcept { flags_ = uint8_t(on ? flags_ | flag : flags_ & ~flag); }
    bool masked() const noexcept { return (hdr_[1] & 0x80) != 0; }
    void unmask_next(uint8_t* p, size_t n) const noexcept;
    bool append(const uint8_t* p, size_t n) noexcept;
    template <bool kMasked>
    size_t whole_frame(uint8_t* data, size_t len, Event& out) noexcept;
    bool take_header(const uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept;
    size_t take_control(uint8_t* data, size_t len, size_t pos, Event& out) noexcept;
    bool take_data(uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept;
    bool take_piece(uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept;
    uint8_t check_first_bytes() const noexcept;
    uint8_t begin_frame() noexcept;
    void cleanup() noexcept;
    size_t fail(uint8_t err, size_t consumed, Event& out) noexcept;
    size_t control(const uint8_t* p, size_t n, size_t consumed, Event& out) noexcept;
};

// Writes an unmasked server frame header (FIN bit from `fin`) into out, which
// must hold at least kMaxHeader bytes; returns its length (2, 4 or 10).
constexpr size_t kMaxHeader = 10;
size_t write_header(uint8_t* out, Opcode op, uint64_t payload_len, bool fin = true) noexcept;

// Writes a masked client frame header: the MASK bit set and, last, the 4 key
// bytes, which are `mask`'s bytes in memory order (so the payload is masked
// with mask_copy(..., mask, ...)). out must hold kMaxClientHeader bytes;
// returns the header's length (6, 8 or 14). RFC 6455 10.3 wants a fresh,
// unpredictable key per frame: see MaskSource (ws/mask_source.h).
constexpr size_t kMaxClientHeader = 14;
size_t write_masked_header(uint8_t* out, Opcode op, uint64_t payload_len, bool fin, uint32_t mask) noexcept;

// dst[0, n) = src[0, n) XOR the masking key (mask's bytes in memory order),
// where `offset` payload bytes of the frame precede src, so a payload may be
// masked in pieces. dst may equal src (unmasking in place) but not otherwise
// overlap it. Masking and unmasking are the same operation.
void mask_copy(uint8_t* dst, const uint8_t* src, size_t n, uint32_t mask, size_t offset) noexcept;

// Builds a close payload: 2-byte code then reason, truncated on a UTF-8
// boundary so the whole payload fits 125 bytes. out must hold 125 bytes.
size_t write_close_payload(uint8_t* out, uint16_t code, std::string_view reason) noexcept;

}  // namespace wshub::ws
