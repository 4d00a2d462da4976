#include "app/worker.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "app/log.h"
#include "net/socket.h"

namespace wshub::app {
namespace {

// Tokens that are not connections: the slot part is never a valid slot.
constexpr uint64_t kListenerToken = 0xFFFFFFFFull;
constexpr uint64_t kAcceptRetryToken = 0xFFFFFFFEull;
constexpr int kAcceptsPerEvent = 64;       // fairness: let other sockets run between bursts
constexpr uint64_t kAcceptRetryMs = 100;   // back-off after EMFILE/ENFILE/ENOMEM

}  // namespace

Worker::Worker(const config::Config& cfg, unsigned index)
    : cfg_(cfg), index_(index), read_buf_(new uint8_t[kReadBufferSize]) {}

Worker::~Worker() {
    if (listen_fd_ >= 0) close(listen_fd_);
}

bool Worker::listen(std::string& error) {
    if (loop_.error() != 0) {
        error = std::string("event loop: ") + std::strerror(loop_.error());
        return false;
    }
    listen_fd_ = net::listen_on(cfg_.listen, 1024, error);
    if (listen_fd_ < 0) return false;
    if (int err = loop_.poller().add(listen_fd_, kListenerToken, reactor::kReadable); err != 0) {
        error = std::string("poller: ") + std::strerror(err);
        return false;
    }
    listening_ = true;
    return true;
}

void Worker::run() {
    while (!stop_.load(std::memory_order_acquire)) {
        if (int err = loop_.run_once(*this); err < 0) {
            log_error("worker %u: event loop failed: %s", index_, std::strerror(-err));
            break;
        }
    }
    for (auto& c : slots_)
        if (c->state() != Connection::State::free) c->terminate(*this);
}

void Worker::request_stop() noexcept {
    stop_.store(true, std::memory_order_release);
    loop_.poller().wake();
}

void Worker::on_wake() {}

Connection* Worker::lookup(uint64_t token) noexcept {
    const uint32_t slot = uint32_t(token);
    if (slot >= slots_.size()) return nullptr;
    Connection* c = slots_[slot].get();
    // A stale event or timer for a connection that has since closed (and
    // maybe had its slot reused) carries an old generation.
    if (c->state() == Connection::State::free || c->generation() != uint32_t(token >> 32)) return nullptr;
    return c;
}

void Worker::on_ready(uint64_t token, uint32_t events) {
    if (token == kListenerToken) {
        accept_ready();
        return;
    }
    if (Connection* c = lookup(token)) c->on_ready(*this, events);
}

void Worker::on_timer(uint64_t token) {
    if (token == kAcceptRetryToken) {
        resume_accepting();
        return;
    }
    if (Connection* c = lookup(token)) c->on_timer(*this);
}

void Worker::accept_ready() {
    for (int i = 0; i < kAcceptsPerEvent; ++i) {
        const int fd = net::accept_connection(listen_fd_, nullptr);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                // Out of descriptors: stop watching the listener (it would
                // report readable forever) and retry from a timer.
                log_warn("worker %u: accept: %s; pausing accepts for %llu ms", index_,
                         std::strerror(errno), static_cast<unsigned long long>(kAcceptRetryMs));
                loop_.poller().remove(listen_fd_, reactor::kReadable);
                listening_ = false;
                loop_.add_timer(loop_.now_ms() + kAcceptRetryMs, kAcceptRetryToken);
            }
            return;  // EAGAIN, or a connection that died in the backlog
        }
        net::set_nodelay(fd);
        uint32_t slot;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = uint32_t(slots_.size());
            slots_.push_back(std::make_unique<Connection>(cfg_.max_message));
        }
        ++live_;
        slots_[slot]->start(*this, fd, slot);
    }
}

void Worker::resume_accepting() {
    if (listening_ || stop_.load(std::memory_order_acquire)) return;
    if (loop_.poller().add(listen_fd_, kListenerToken, reactor::kReadable) == 0) {
        listening_ = true;
    } else {
        loop_.add_timer(loop_.now_ms() + kAcceptRetryMs, kAcceptRetryToken);
    }
}

void Worker::release_slot(uint32_t slot) noexcept {
    free_slots_.push_back(slot);
    --live_;
}

}  // namespace wshub::app
