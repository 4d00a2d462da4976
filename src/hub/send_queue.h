// A member's bounded send queue: references to shared Frames, which its
// owner writes with one writev of what gather() offers, then tells the queue
// how much went (consume). Data frames count against a budget of messages
// and bytes; control frames (pong, close, ping) do not, so a slow reader still
// gets its pong and its close frame. Deciding what to do when the budget is
// exhausted is overflow.h's: push() only says whether memory ran out.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "hub/frame.h"
#include "hub/policy.h"
#include "metrics/counter.h"
#include "metrics/histogram.h"

namespace wshub::hub {

// One pointer per connection: the ring and every count live in a block from
// the block cache that exists only while something is queued, so an idle
// connection's queue costs 8 bytes, and a busy one recycles its block.
class SendQueue {
public:
    SendQueue() = default;
    ~SendQueue() { release_all(); }
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;

    bool empty() const noexcept { return ring_ == nullptr; }
    uint32_t data_messages() const noexcept { return ring_ ? ring_->data_messages : 0; }
    uint64_t data_bytes() const noexcept { return ring_ ? ring_->data_bytes : 0; }
    // Total bytes still to write, control frames included.
    uint64_t pending_bytes() const noexcept { return ring_ ? ring_->pending_bytes : 0; }

    // Would a data frame of `size` bytes fit the budget now? A queue with no
    // data waiting takes one of any size: a message over the byte budget (up
    // to --max-message) still reaches a member that keeps up, rather than
    // closing or skipping every member of the room. So a queue holds at most
    // the budget or one message, whichever is larger.
    bool fits(const QueueLimits& limits, size_t size) const noexcept {
        if (data_messages() == 0) return limits.max_messages > 0;
        return data_messages() < limits.max_messages && data_bytes() + size <= limits.max_bytes;
    }

    // Appends a frame and takes a reference to it: data frames count against
    // the budget (the caller checks fits() first when the budget applies),
    // control frames do not. `total` (a worker's wshub_queued_bytes), given to
    // the push that finds the queue empty, follows pending_bytes() until the
    // queue is empty again; pass the same one every time. False only if
    // memory for the queue ran out.
    bool push(Frame* f, metrics::Gauge* total = nullptr) noexcept;

    // Data frames (and their bytes) that went out completely, and every
    // byte written (control frames, HTTP answers and partial frames too).
    struct Written {
        uint64_t frames = 0;
        uint64_t bytes = 0;
        uint64_t wire = 0;
    };

    // Fills `iov` with up to `max` entries of what is queued, the front
    // frame from where the last write stopped, for the owner to write.
    // Returns the entries filled (0 when empty); `bytes` is their total.
    uint32_t gather(iovec* iov, uint32_t max, size_t& bytes) const noexcept {
        bytes = 0;
        if (!ring_) return 0;
        const uint32_t n = ring_->count < max ? ring_->count : max;
        for (uint32_t i = 0; i < n; ++i) {
            Frame* f = at(i);
            const uint32_t skip = i == 0 ? ring_->front_offset : 0;
            iov[i] = {f->data + skip, f->size - skip};
        }
        if (n == ring_->count) {
            bytes = ring_->pending_bytes;  // all of it: its total is known
        } else {
            for (uint32_t i = 0; i < n; ++i) bytes += iov[i].iov_len;
        }
        return n;
    }

    // `n` bytes of what gather offered were written: frames that went out
    // completely leave the queue and are added to `written`. With `latency`,
    // each data frame completed is observed there: the time since it was
    // made, with one clock read per call.
    void consume(size_t n, Written& written, metrics::LatencyHistogram* latency = nullptr) noexcept;

    // Drops every queued data frame that has not started going out, keeping
    // control frames and a partly written front frame (cutting it would
    // corrupt the stream). Returns the number dropped.
    size_t drop_data() noexcept;

    // Releases every reference and the ring's memory.
    void release_all() noexcept;

private:
    struct Ring {
        uint32_t capacity;      // entries in slots, a power of two
        uint32_t head;
        uint32_t count;         // never 0: an empty queue has no ring
        uint32_t front_offset;  // bytes of the front frame already written
        uint32_t data_messages;
        uint8_t block_class;    // of its memory (block_cache.h)
        uint64_t data_bytes;
        uint64_t pending_bytes;
        metrics::Gauge* total;
        Frame* slots[];
    };

    static constexpr uint32_t kFirstCapacity = 8;
    static Ring* make_ring(uint32_t min_capacity) noexcept;
    static void free_ring(Ring* r) noexcept;
    bool grow() noexcept;
    Frame* at(uint32_t i) const noexcept { return ring_->slots[(ring_->head + i) & (ring_->capacity - 1)]; }
    void pop_front() noexcept;
    void sub_pending(uint64_t n) noexcept {
        ring_->pending_bytes -= n;
        if (ring_->total) ring_->total->sub(n);
    }
    void release_if_empty() noexcept;

    Ring* ring_ = nullptr;
};

}  // namespace wshub::hub
