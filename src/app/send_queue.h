// A connection's pending output: bytes the socket would not take yet. One
// contiguous buffer consumed from the front; a writev of header and payload
// goes straight to the socket when nothing is queued, so only the remainder
// of a partial write is ever copied here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "net/socket.h"

namespace wshub::app {

class SendQueue {
public:
    bool empty() const noexcept { return head_ == buf_.size(); }
    size_t bytes() const noexcept { return buf_.size() - head_; }

    void append(const void* data, size_t len);

    // Writes header then payload: directly if the queue is empty, queuing
    // whatever the socket does not take. Returns false on a socket error.
    bool send(int fd, const void* header, size_t header_len, const void* payload, size_t payload_len);

    // Writes as much queued data as the socket takes. Returns false on a
    // socket error; afterwards empty() tells whether everything went out.
    bool flush(int fd);

    // Frees the buffer's memory (the connection is idle or gone).
    void release() noexcept;

private:
    void consume(size_t n) noexcept;

    std::string buf_;
    size_t head_ = 0;  // bytes of buf_ already written
};

}  // namespace wshub::app
