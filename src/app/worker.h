// A worker: one thread, one event loop, one listening socket (SO_REUSEPORT)
// and the connections it accepted. Share-nothing: nothing here is touched by
// another thread except request_stop().
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/connection.h"
#include "config/config.h"
#include "reactor/loop.h"

namespace wshub::app {

class Worker {
public:
    Worker(const config::Config& cfg, unsigned index);
    ~Worker();
    Worker(const Worker&) = delete;
    Worker& operator=(const Worker&) = delete;

    // Opens the listening socket; false with `error` set on failure.
    bool listen(std::string& error);
    // Runs until request_stop(); then closes every connection.
    void run();
    // Thread-safe.
    void request_stop() noexcept;

    // Loop sink.
    void on_ready(uint64_t token, uint32_t events);
    void on_wake();
    void on_timer(uint64_t token);

    // For connections.
    const config::Config& config() const noexcept { return cfg_; }
    reactor::Loop& loop() noexcept { return loop_; }
    uint64_t now_ms() const noexcept { return loop_.now_ms(); }
    // The per-worker read buffer: every read lands here first.
    uint8_t* read_buffer() noexcept { return read_buf_.get(); }
    static constexpr size_t kReadBufferSize = 64 * 1024;
    // Output bytes over which a connection stops being read (echo backpressure).
    static constexpr size_t kOutputBudget = 1024 * 1024;

    static uint64_t token_of(uint32_t slot, uint32_t generation) noexcept {
        return uint64_t(generation) << 32 | slot;
    }
    void release_slot(uint32_t slot) noexcept;
    size_t connection_count() const noexcept { return live_; }

private:
    void accept_ready();
    void resume_accepting();
    Connection* lookup(uint64_t token) noexcept;

    const config::Config& cfg_;
    unsigned index_;
    reactor::Loop loop_;
    int listen_fd_ = -1;
    bool listening_ = false;  // listener registered with the poller
    std::atomic<bool> stop_{false};
    std::unique_ptr<uint8_t[]> read_buf_;
    std::vector<std::unique_ptr<Connection>> slots_;
    std::vector<uint32_t> free_slots_;
    size_t live_ = 0;
};

}  // namespace wshub::app
