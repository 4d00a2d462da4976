// The fanout scenario's outgoing side: the queue of whole frames waiting for
// a write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

namespace wsbench {

// Whole frames waiting to be written, in order. Grows only when more is queued
// than ever before; a publisher's is sized up front for its whole window.
class OutQueue {
public:
    void reserve(size_t n) {
        if (n > cap_) grow(n);
    }
    uint8_t* append(size_t n) {
        if (cap_ - end_ < n) make_room(n);
        uint8_t* p = buf_.get() + end_;
        end_ += n;
        return p;
    }
    const uint8_t* data() const noexcept { return buf_.get() + begin_; }
    size_t size() const noexcept { return end_ - begin_; }
    void consume(size_t n) noexcept {
        begin_ += n;
        if (begin_ == end_) begin_ = end_ = 0;
    }

private:
    void make_room(size_t n) {
        size_t used = end_ - begin_;
        if (cap_ - used >= n) {
            std::memmove(buf_.get(), buf_.get() + begin_, used);
            begin_ = 0;
            end_ = used;
        } else {
            grow(used + n > 2 * cap_ ? used + n : 2 * cap_);
        }
    }
    void grow(size_t cap) {
        size_t used = end_ - begin_;
        std::unique_ptr<uint8_t[]> nb(new uint8_t[cap]);
        if (used > 0) std::memcpy(nb.get(), buf_.get() + begin_, used);
        buf_ = std::move(nb);
        cap_ = cap;
        begin_ = 0;
        end_ = used;
    }

    std::unique_ptr<uint8_t[]> buf_;
    size_t cap_ = 0, begin_ = 0, end_ = 0;
};

}  // namespace wsbench
