#include "hub/send_queue.h"

#include <array>

#include "hub/block_cache.h"
#include "metrics/clock.h"

namespace wshub::hub {

namespace {

// For each class: the most entries (a power of two) a ring in its block holds.
constexpr std::array<uint32_t, kBlockClasses> ring_capacities(size_t header) {
    std::array<uint32_t, kBlockClasses> t{};
    for (uint8_t c = 0; c < kBlockClasses; ++c) {
        uint32_t cap = 1;
        while (header + sizeof(Frame*) * size_t(cap) * 2 <= block_class_bytes(c)) cap *= 2;
        t[c] = cap;
    }
    return t;
}

}  // namespace

SendQueue::Ring* SendQueue::make_ring(uint32_t min_capacity) noexcept {
    static constexpr auto kCapacity = ring_capacities(sizeof(Ring));
    // The first ring of a queue (kFirstCapacity) is classed once for all.
    static constexpr uint8_t kFirstClass = block_class(sizeof(Ring) + sizeof(Frame*) * size_t(kFirstCapacity));
    const uint8_t cls = min_capacity == kFirstCapacity ? kFirstClass
                                                       : block_class(sizeof(Ring) + sizeof(Frame*) * size_t(min_capacity));
    // As many entries as the block it needs anyway holds.
    const uint32_t capacity = cls == kUncachedClass ? min_capacity : kCapacity[cls];
    auto* r = static_cast<Ring*>(allocate_block(sizeof(Ring) + sizeof(Frame*) * size_t(capacity), cls));
    if (!r) return nullptr;
    *r = Ring{capacity, 0, 0, 0, 0, cls, 0, 0, nullptr};
    return r;
}

void SendQueue::free_ring(Ring* r) noexcept {
    free_block(r, r->block_class, sizeof(Ring) + sizeof(Frame*) * size_t(r->capacity));
}

bool SendQueue::grow() noexcept {
    Ring* bigger = make_ring(ring_->capacity * 2);
    if (!bigger) return false;
    const Ring& old = *ring_;
    for (uint32_t i = 0; i < old.count; ++i) bigger->slots[i] = at(i);
    bigger->count = old.count;
    bigger->front_offset = old.front_offset;
    bigger->data_messages = old.data_messages;
    bigger->data_bytes = old.data_bytes;
    bigger->pending_bytes = old.pending_bytes;
    bigger->total = old.total;
    free_ring(ring_);
    ring_ = bigger;
    return true;
}

bool SendQueue::push(Frame* f, metrics::Gauge* total) noexcept {
    if (!ring_) {
        ring_ = make_ring(kFirstCapacity);
        if (!ring_) return false;
        ring_->total = total;
    } else if (ring_->count == ring_->capacity && !grow()) {
        return false;
    }
    Ring& r = *ring_;
    retain(f);
    r.slots[(r.head + r.count) & (r.capacity - 1)] = f;
    ++r.count;
    r.pending_bytes += f->size;
    if (r.total) r.total->add(f->size);
    if (!f->control) {
        ++r.data_messages;
        r.data_bytes += f->size;
    }
    return true;
}

// An empty queue gives its block back (the next push takes one again).
void SendQueue::release_if_empty() noexcept {
    if (ring_->count != 0) return;
    free_ring(ring_);
    ring_ = nullptr;
}

void SendQueue::pop_front() noexcept {
    Ring& r = *ring_;
    Frame* f = r.slots[r.head];
    sub_pending(f->size - r.front_offset);
    if (!f->control) {
        --r.data_messages;
        r.data_bytes -= f->size;
    }
    release(f);
    r.head = (r.head + 1) & (r.capacity - 1);
    --r.count;
    r.front_offset = 0;
    release_if_empty();
}

void SendQueue::consume(size_t n, Written& done, metrics::LatencyHistogram* latency) noexcept {
    done.wire += n;
    uint64_t now_us = 0;  // read at the first frame this write completed
    while (n != 0) {
        const Frame* f = at(0);
        const uint32_t left = f->size - ring_->front_offset;
        if (n < left) {
            ring_->front_offset += uint32_t(n);
            sub_pending(n);
            return;
        }
        n -= left;
        if (!f->control) {
            ++done.frames;
            done.bytes += f->size;
            if (latency) {
                if (now_us == 0) now_us = metrics::now_us();
                latency->observe(now_us > f->made_us ? now_us - f->made_us : 0);
            }
        }
        pop_front();  // the last one frees the ring: n is 0 by then
    }
}

size_t SendQueue::drop_data() noexcept {
    if (!ring_) return 0;
    Ring& r = *ring_;
    uint32_t kept = 0, dropped = 0;
    for (uint32_t i = 0; i < r.count; ++i) {
        Frame* f = at(i);
        if (f->control || (i == 0 && r.front_offset != 0)) {
            r.slots[(r.head + kept++) & (r.capacity - 1)] = f;
            continue;
        }
        r.data_messages -= 1;
        r.data_bytes -= f->size;
        sub_pending(f->size);
        release(f);
        ++dropped;
    }
    r.count = kept;
    release_if_empty();
    return dropped;
}

void SendQueue::release_all() noexcept {
    if (!ring_) return;
    sub_pending(ring_->pending_bytes);
    for (uint32_t i = 0; i < ring_->count; ++i) release(at(i));
    free_ring(ring_);
    ring_ = nullptr;
}

}  // namespace wshub::hub
