#include "app/send_queue.h"

namespace wshub::app {

bool SendQueue::send(int fd, const void* header, size_t header_len, const void* payload,
                     size_t payload_len) {
    size_t written = 0;
    if (empty()) {
        iovec iov[2] = {{const_cast<void*>(header), header_len},
                        {const_cast<void*>(payload), payload_len}};
        const net::IoStatus st = net::write_some(fd, iov, payload_len ? 2 : 1, written);
        if (st == net::IoStatus::error) return false;
        if (written == header_len + payload_len) return true;
    }
    if (written < header_len) {
        append(static_cast<const char*>(header) + written, header_len - written);
        written = 0;
    } else {
        written -= header_len;
    }
    append(static_cast<const char*>(payload) + written, payload_len - written);
    return true;
}

void SendQueue::append(const void* data, size_t len) {
    // Drop the written front once it is at least half the buffer, so a
    // consumer that never fully drains cannot make the buffer grow forever.
    if (head_ > 0 && head_ * 2 >= buf_.size()) {
        buf_.erase(0, head_);
        head_ = 0;
    }
    buf_.append(static_cast<const char*>(data), len);
}

bool SendQueue::flush(int fd) {
    while (!empty()) {
        iovec iov{buf_.data() + head_, bytes()};
        size_t n = 0;
        const net::IoStatus st = net::write_some(fd, &iov, 1, n);
        if (st == net::IoStatus::error) return false;
        if (st == net::IoStatus::would_block || n == 0) return true;
        consume(n);
    }
    return true;
}

void SendQueue::consume(size_t n) noexcept {
    head_ += n;
    if (head_ == buf_.size()) {
        buf_.clear();
        head_ = 0;
    }
}

void SendQueue::release() noexcept {
    std::string().swap(buf_);
    head_ = 0;
}

}  // namespace wshub::app
