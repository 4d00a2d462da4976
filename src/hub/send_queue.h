// A connection's bounded send queue: references to shared Frames, written
// with one writev per flush. Data frames count against a budget of messages
// and bytes; control frames (pong, close, ping) do not, so a slow reader still
// gets its pong and its close frame. Deciding what to do when the budget is
// exhausted (close, drop, block) is the caller's: push() only says so.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hub/frame.h"
#include "metrics/counter.h"
#include "metrics/histogram.h"

namespace wshub::hub {

struct QueueLimits {
    uint32_t max_messages = 1024;
    uint64_t max_bytes = 1024 * 1024;
};

class SendQueue {
public:
    SendQueue() = default;
    // `total` (the worker's wshub_queued_bytes) follows pending_bytes() of
    // every queue that shares it.
    explicit SendQueue(metrics::Gauge* total) noexcept : total_(total) {}
    ~SendQueue() { release_all(); }
    SendQueue(const SendQueue&) = delete;
    SendQueue& operator=(const SendQueue&) = delete;

    bool empty() const noexcept { return count_ == 0; }
    uint32_t data_messages() const noexcept { return data_messages_; }
    uint64_t data_bytes() const noexcept { return data_bytes_; }
    // Total bytes still to write, control frames included.
    uint64_t pending_bytes() const noexcept { return pending_bytes_; }

    // Would a data frame of `size` bytes fit the budget now?
    bool fits(const QueueLimits& limits, size_t size) const noexcept {
        return data_messages_ < limits.max_messages && data_bytes_ + size <= limits.max_bytes;
    }

    // Appends a frame and takes a reference to it: data frames count against
    // the budget (the caller checks fits() first when the budget applies),
    // control frames do not. False only if memory for the queue ran out.
    bool push(Frame* f) noexcept;

    // Data frames (and their bytes) that went out completely, and every
    // byte written (control frames, HTTP answers and partial frames too).
    struct Written {
        uint64_t frames = 0;
        uint64_t bytes = 0;
        uint64_t wire = 0;
    };

    // Writes queued frames (up to 64 per writev) until the socket would block
    // or the queue is empty, adding what went out to `written`. Returns false
    // on a socket error. With `latency`, each data frame that went out
    // completely is observed there: the time since it was made, measured
    // with one clock read per writev.
    bool flush(int fd, Written& written, metrics::LatencyHistogram* latency = nullptr) noexcept;

    // Drops every queued data frame that has not started going out, keeping
    // control frames and a partly written front frame (cutting it would
    // corrupt the stream). Returns the number dropped.
    size_t drop_data() noexcept;

    // Releases every reference and the ring's memory.
    void release_all() noexcept;

private:
    bool grow() noexcept;
    Frame* at(uint32_t i) const noexcept { return ring_[(head_ + i) & (capacity_ - 1)]; }
    void pop_front() noexcept;
    void add_pending(uint64_t n) noexcept {
        pending_bytes_ += n;
        if (total_) total_->add(n);
    }
    void sub_pending(uint64_t n) noexcept {
        pending_bytes_ -= n;
        if (total_) total_->sub(n);
    }

    Frame** ring_ = nullptr;  // capacity_ entries, a power of two
    uint32_t capacity_ = 0;
    uint32_t head_ = 0;
    uint32_t count_ = 0;
    uint32_t front_offset_ = 0;  // bytes of the front frame already written
    uint32_t data_messages_ = 0;
    uint64_t data_bytes_ = 0;
    uint64_t pending_bytes_ = 0;
    metrics::Gauge* total_ = nullptr;
};

}  // namespace wshub::hub
