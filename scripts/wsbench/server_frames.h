// The frames a server sends, as wsbench's scenarios read them: the library's
// decoder (ws::Decoder, Side::client) streaming, so that a data message is
// never copied or gathered, only handed over in pieces that point into the
// caller's read buffer, as they arrive. A scenario keeps what it needs of
// them (usually a few first bytes) and learns the message's end.
//
// A Sink takes the events of one feed() (it may not feed the same
// ServerFrames again from inside them):
//   void on_data(const uint8_t* p, size_t n, uint64_t offset);  // message bytes at offset
//   void on_message(wshub::ws::Opcode op, uint64_t length);     // after its last piece
//   void on_control(const wshub::ws::Event& e);                 // ping, pong or close
//   bool stopped() const;  // after an event: read no further (the connection goes)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ws/frame.h"

namespace wsbench {

class ServerFrames {
public:
    // max_message bounds a message's payload as sent (compressed when it is).
    // With compressed_allowed (permessage-deflate was agreed), RSV1 may mark
    // a message compressed: its text is then not checked for UTF-8.
    explicit ServerFrames(uint64_t max_message = wshub::ws::Decoder::kMaxDecodedMessage,
                          bool compressed_allowed = false) noexcept
        : decoder_(max_message, wshub::ws::Side::client) {
        decoder_.stream_messages();
        if (compressed_allowed) decoder_.allow_compressed();
    }

    // Decodes p[0, n) (the decoder may write into it) and calls the sink,
    // until the input is used up, sink.stopped() after an event, or a
    // protocol error (failed()). Returns the bytes used: those after them
    // belong to later frames.
    template <class Sink>
    size_t feed(uint8_t* p, size_t n, Sink& sink) noexcept;

    // A protocol error ended the stream; error() says which (the library's words).
    bool failed() const noexcept { return !error_.empty(); }
    std::string_view error() const noexcept { return error_; }

    // Whether the message being delivered (in on_data and on_message) came
    // compressed (RSV1 on its first frame).
    bool compressed() const noexcept { return compressed_; }

private:
    wshub::ws::Decoder decoder_;
    uint64_t received_ = 0;  // bytes of the message being delivered so far
    bool compressed_ = false;
    std::string_view error_;  // static text
};

template <class Sink>
size_t ServerFrames::feed(uint8_t* p, size_t n, Sink& sink) noexcept {
    using Kind = wshub::ws::Event::Kind;
    size_t used = 0;
    wshub::ws::Event e;
    while (used < n && error_.empty()) {
        used += decoder_.feed(p + used, n - used, e);
        switch (e.kind) {
        case Kind::none:  // the decoder took all of the input
            return used;
        case Kind::text:
        case Kind::binary:
            if (e.first) {
                received_ = 0;
                compressed_ = e.compressed;
            }
            if (!e.payload.empty())
                sink.on_data(reinterpret_cast<const uint8_t*>(e.payload.data()), e.payload.size(), received_);
            received_ += e.payload.size();
            if (e.last && !sink.stopped())
                sink.on_message(e.kind == Kind::text ? wshub::ws::Opcode::text : wshub::ws::Opcode::binary,
                                received_);
            break;
        case Kind::ping:
        case Kind::pong:
        case Kind::close:
            sink.on_control(e);
            break;
        case Kind::error:
            error_ = e.reason;
            return used;
        }
        if (sink.stopped()) return used;
    }
    return used;
}

}  // namespace wsbench
