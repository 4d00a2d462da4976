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
// Returns nullptr if memory is exhausted or the payload exceeds 4 GiB.
Frame* make_frame(ws::Opcode op, std::string_view payload) noexcept;

// Bytes sent as they are (an HTTP answer), queued like a control frame.
Frame* make_raw_frame(std::string_view bytes) noexcept;

inline void retain(Frame* f) noexcept { f->refs.fetch_add(1, std::memory_order_relaxed); }
void release(Frame* f) noexcept;

}  // namespace wshub::hub
