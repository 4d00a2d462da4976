#include "hub/send_queue.h"

#include <sys/uio.h>

#include <cstdlib>

#include "metrics/clock.h"
#include "net/socket.h"

namespace wshub::hub {

bool SendQueue::grow() noexcept {
    const uint32_t cap = capacity_ ? capacity_ * 2 : 4;
    auto** ring = static_cast<Frame**>(std::malloc(sizeof(Frame*) * cap));
    if (!ring) return false;
    for (uint32_t i = 0; i < count_; ++i) ring[i] = at(i);
    std::free(ring_);
    ring_ = ring;
    capacity_ = cap;
    head_ = 0;
    return true;
}

bool SendQueue::push(Frame* f) noexcept {
    if (count_ == capacity_ && !grow()) return false;
    retain(f);
    ring_[(head_ + count_) & (capacity_ - 1)] = f;
    ++count_;
    add_pending(f->size);
    if (!f->control) {
        ++data_messages_;
        data_bytes_ += f->size;
    }
    return true;
}

void SendQueue::pop_front() noexcept {
    Frame* f = ring_[head_];
    sub_pending(f->size - front_offset_);
    if (!f->control) {
        --data_messages_;
        data_bytes_ -= f->size;
    }
    release(f);
    head_ = (head_ + 1) & (capacity_ - 1);
    --count_;
    front_offset_ = 0;
}

bool SendQueue::flush(int fd, Written& done, metrics::LatencyHistogram* latency) noexcept {
    constexpr uint32_t kMaxIov = 64;
    while (count_ != 0) {
        iovec iov[kMaxIov];
        const uint32_t n = count_ < kMaxIov ? count_ : kMaxIov;
        for (uint32_t i = 0; i < n; ++i) {
            Frame* f = at(i);
            const uint32_t skip = i == 0 ? front_offset_ : 0;
            iov[i] = {f->data + skip, f->size - skip};
        }
        size_t written = 0;
        const net::IoStatus st = net::write_some(fd, iov, int(n), written);
        if (st == net::IoStatus::error) return false;
        if (st == net::IoStatus::would_block) return true;
        done.wire += written;
        uint64_t now_us = 0;  // read at the first frame this writev completed
        while (written != 0) {
            const Frame* f = at(0);
            const uint32_t left = f->size - front_offset_;
            if (written < left) {
                front_offset_ += uint32_t(written);
                sub_pending(written);
                return true;  // the socket took less than offered: it is full
            }
            written -= left;
            if (!f->control) {
                ++done.frames;
                done.bytes += f->size;
                if (latency) {
                    if (now_us == 0) now_us = metrics::now_us();
                    latency->observe(now_us > f->made_us ? now_us - f->made_us : 0);
                }
            }
            pop_front();
        }
    }
    return true;
}

size_t SendQueue::drop_data() noexcept {
    uint32_t kept = 0, dropped = 0;
    for (uint32_t i = 0; i < count_; ++i) {
        Frame* f = at(i);
        if (f->control || (i == 0 && front_offset_ != 0)) {
            ring_[(head_ + kept++) & (capacity_ - 1)] = f;
            continue;
        }
        data_messages_ -= 1;
        data_bytes_ -= f->size;
        sub_pending(f->size);
        release(f);
        ++dropped;
    }
    count_ = kept;
    return dropped;
}

void SendQueue::release_all() noexcept {
    sub_pending(pending_bytes_);
    for (uint32_t i = 0; i < count_; ++i) release(at(i));
    std::free(ring_);
    ring_ = nullptr;
    capacity_ = head_ = count_ = front_offset_ = data_messages_ = 0;
    data_bytes_ = pending_bytes_ = 0;
}

}  // namespace wshub::hub
