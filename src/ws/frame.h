// RFC 6455 framing, server side: an incremental decoder for client frames and
// writers for server frames. Policy-free: the decoder reports messages, control
// frames and protocol errors (with the close code to use); the owner decides.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

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
// 1000-1003, 1007-1011 (1012-1014 as registered by IANA), 3000-4999.
bool close_code_allowed_on_wire(uint16_t code) noexcept;

// One decoded event. Views (payload, reason) stay valid until the next feed().
struct Event {
    enum class Kind : uint8_t {
        none,    // all input consumed, need more bytes
        text,    // a complete, UTF-8-valid text message
        binary,  // a complete binary message
        ping,
        pong,
        close,   // a valid close frame: code (1005 if the payload was empty) and reason
        error,   // protocol violation: close the connection with `code`; reason says why
    };
    Kind kind = Kind::none;
    uint16_t code = 0;
    std::string_view payload;  // message / ping / pong payload, unmasked
    std::string_view reason;   // close reason, or a short description of the error
};

// Decodes a stream of client-to-server frames. Bytes may arrive split at any
// point. Validates each header (RSV, opcode, mask, control-frame rules, 64-bit
// length, --max-message) before touching its payload; unmasks; reassembles
// fragmented messages (control frames may be interleaved); validates text
// incrementally so invalid UTF-8 is reported at the first impossible byte,
// even before the frame or message is complete. After an error it reports the
// same error forever.
class Decoder {
public:
    explicit Decoder(uint64_t max_message) noexcept : max_message_(max_message) {}

    // Consumes bytes from data[0, len) until one event is complete or the input
    // is exhausted, and returns the number of bytes consumed. `data` is mutable
    // because the decoder may unmask in place and return a payload view into it
    // (when a whole unfragmented frame is in the buffer), avoiding a copy.
    size_t feed(uint8_t* data, size_t len, Event& out) noexcept;

    // True while part of a message or frame is buffered.
    bool mid_message() const noexcept;

    // Releases the reassembly buffer's memory (call when the connection idles).
    void shrink() noexcept;

private:
    // Implementation-defined state; keep it small: it is per connection.
    uint64_t max_message_;
    std::vector<uint8_t> message_;  // reassembly (and control payload) buffer
    uint64_t frame_remaining_ = 0;  // payload bytes of the current frame not yet read
    uint64_t frame_len_ = 0;
    uint32_t mask_ = 0;
    uint8_t mask_offset_ = 0;
    uint8_t header_[14];
    uint8_t header_len_ = 0;
    uint8_t state_ = 0;
    uint8_t frame_opcode_ = 0;
    uint8_t message_opcode_ = 0;  // 0 when no fragmented message is in progress
    bool frame_fin_ = false;
    uint16_t error_code_ = 0;
    const char* error_reason_ = nullptr;
    Utf8Validator utf8_;
};

// Writes an unmasked server frame header (fin set) into out, which must hold
// at least kMaxHeader bytes; returns its length (2, 4 or 10).
constexpr size_t kMaxHeader = 10;
size_t write_header(uint8_t* out, Opcode op, uint64_t payload_len, bool fin = true) noexcept;

// Builds a close payload: 2-byte code then reason, truncated on a UTF-8
// boundary so the whole payload fits 125 bytes. out must hold 125 bytes.
size_t write_close_payload(uint8_t* out, uint16_t code, std::string_view reason) noexcept;

}  // namespace wshub::ws
