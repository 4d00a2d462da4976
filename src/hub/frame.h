// A server frame encoded once and shared by reference: a publish to a room
// becomes one Frame whatever the number of members, and every member's send
// queue holds a reference to it. The last release frees it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ws/frame.h"

namespace wshub::hub {

struct Frame {
    std::atomic<uint32_t> refs;
    // A data frame's permessage-deflate form (hub/deflated.h), made by the
    // first member that needs it and shared by every later one: null until
    // then; the frame itself when compressing did not make it smaller.
    // Holds a reference, released with this frame.
    std::atomic<Frame*> deflated;
    uint32_t size;         // header + payload bytes in data
    uint64_t made_us;      // data frames: when made (metrics::now_us), for the publish-to-write histogram
    uint32_t payload_len;  // payload bytes (what queue budgets count)
    bool control;          // pong/close/ping: never dropped, outside the data budget
    uint8_t block_class;   // its memory's size class (block_cache.h)
    uint8_t data[];        // header then payload

    std::string_view bytes() const noexcept { return {reinterpret_cast<const char*>(data), size}; }
};

// Encodes op + payload into a new Frame with one reference (the caller's);
// a data frame is stamped with the time, once for all its receivers.
// `compressed`: the payload is a deflated message, and the header says so
// (RSV1, RFC 7692). Returns nullptr if memory is exhausted or the payload
// exceeds 4 GiB.
Frame* make_frame(ws::Opcode op, std::string_view payload, bool compressed = false) noexcept;

// One frame of a message sent in pieces (a proxy carries messages on as
// they come): `op` text or binary for the first, continuation after; `fin`
// on the last. A data frame, counted and stamped as make_frame's are.
Frame* make_piece_frame(ws::Opcode op, std::string_view payload, bool fin) noexcept;

// The opcode and the payload of a frame made by make_frame.
inline ws::Opcode opcode_of(const Frame& f) noexcept { return static_cast<ws::Opcode>(f.data[0] & 0x0F); }
inline std::string_view payload_of(const Frame& f) noexcept {
    return {reinterpret_cast<const char*>(f.data) + (f.size - f.payload_len), f.payload_len};
}

// Bytes sent as they are (an HTTP answer), queued like a control frame.
Frame* make_raw_frame(std::string_view bytes) noexcept;

inline void retain(Frame* f) noexcept { f->refs.fetch_add(1, std::memory_order_relaxed); }
void release(Frame* f) noexcept;

}  // namespace wshub::hub
