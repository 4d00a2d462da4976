// HTTP answers that keep the connection (conn_request.cpp's answer() closes
// it): the built-in pages and static files. One request at a time: the
// connection is not read while an answer goes out, and a request sent
// behind another (pipelined) waits in the buffer until the first is all out.
// A file body is read a piece at a time as the client takes what is queued,
// so a large file costs the send queue's budget, not its size, and a worker
// never reads more than a piece of it for one connection in a pass.
#include <unistd.h>

#include <algorithm>

#include "app/connection.h"
#include "app/worker.h"
#include "metrics/clock.h"

namespace wshub::app {

void Connection::Handshake::close_file() noexcept {
    if (file_fd >= 0) ::close(file_fd);
    file_fd = -1;
    file_left = 0;
}

void Connection::respond(std::string_view head, int fd, uint64_t size, bool keep_alive) {
    Handshake& h = *hs_;
    h.responding = true;
    h.keep_alive = keep_alive && !w().draining();
    h.file_fd = fd;
    h.file_at = 0;
    h.file_left = fd >= 0 ? size : 0;
    if (fd >= 0 && size == 0) h.close_file();
    queue_raw(head);
    // A client that stops taking the answer is cut after the handshake
    // timeout without progress (each piece read renews it).
    deadline_ = uint32_t(w().now_ms() + w().config().handshake_timeout_ms);
    schedule();
}

// After a write: the next piece of the file once the queue is down to half
// the budget, and once everything is out, the next request or the close.
void Connection::continue_response() {
    Handshake& h = *hs_;
    const uint64_t budget = w().config().queue_bytes;
    if (h.file_left != 0) {
        if (out_.pending_bytes() > budget / 2) return;
        const size_t piece = size_t(std::min<uint64_t>({h.file_left, Worker::kReadBufferSize, budget}));
        uint8_t* buf = w().read_buffer();
        const ssize_t n = ::pread(h.file_fd, buf, piece, off_t(h.file_at));
        if (n <= 0) {
            // Shrunk or unreadable since it was opened: the Content-Length
            // already sent cannot be met, so the client must see the cut.
            dead_ = true;
            return;
        }
        hub::Frame* f = hub::make_raw_frame({reinterpret_cast<const char*>(buf), size_t(n)});
        if (!f || !enqueue(f)) dead_ = true;
        if (f) hub::release(f);
        h.file_at += uint64_t(n);
        h.file_left -= uint64_t(n);
        if (h.file_left == 0) h.close_file();
        deadline_ = uint32_t(w().now_ms() + w().config().handshake_timeout_ms);
        return;  // written when the socket takes it (update_interest asks)
    }
    if (!out_.empty()) return;
    ++h.served;
    if (!h.keep_alive || w().draining()) {
        release_handshake();
        begin_closing();
        return;
    }
    next_request();
}

// Keep-alive: what followed the answered head is the start of the next
// request, parsed as if it had just arrived.
void Connection::next_request() {
    Handshake& h = *hs_;
    h.head.erase(0, std::min<size_t>(h.request_len, h.head.size()));
    h.responding = h.keep_alive = false;
    h.publish = {};
    h.request_len = h.method_len = h.target_at = h.target_len = h.body_at = h.body_len = 0;
    h.accepted_us = metrics::now_us();
    deadline_ = uint32_t(w().now_ms() + w().config().handshake_timeout_ms);
    schedule();
    if (!h.head.empty()) on_handshake_bytes(h.head.size());
}

}  // namespace wshub::app
