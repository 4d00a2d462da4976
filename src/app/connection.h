// One client connection on one worker: the HTTP upgrade, then RFC 6455 frames,
// then the close handshake. Only its worker touches it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "app/send_queue.h"
#include "config/config.h"
#include "ws/frame.h"

namespace wshub::app {

class Worker;

class Connection {
public:
    enum class State : uint8_t {
        free,       // slot unused
        handshake,  // reading the upgrade request
        open,       // exchanging frames
        closing,    // our close frame or HTTP answer is queued; waiting for EOF
    };

    explicit Connection(uint64_t max_message) noexcept : decoder_(max_message) {}

    State state() const noexcept { return state_; }
    uint32_t generation() const noexcept { return generation_; }
    int fd() const noexcept { return fd_; }

    // Takes ownership of an accepted socket in slot `slot`.
    void start(Worker& w, int fd, uint32_t slot);
    void on_ready(Worker& w, uint32_t events);
    void on_timer(Worker& w);
    // Closes the socket now and frees the slot (shutdown, fatal errors).
    void terminate(Worker& w);

private:
    void on_readable(Worker& w);
    void on_handshake_bytes(Worker& w, size_t added);
    void accept_upgrade(Worker& w, std::string_view key, std::string_view protocol,
                        const config::Route& route);
    void reject(Worker& w, int status, std::string_view why);
    void on_frames(Worker& w, uint8_t* data, size_t len);
    void on_message(Worker& w, ws::Opcode op, std::string_view payload);

    void send_frame(Worker& w, ws::Opcode op, std::string_view payload);
    void send_raw(std::string_view bytes);
    void start_close(Worker& w, uint16_t code, std::string_view reason);
    void begin_closing(Worker& w);
    void flush(Worker& w);
    void update_interest(Worker& w);
    void schedule(Worker& w);
    uint64_t next_deadline(const Worker& w) const noexcept;

    int fd_ = -1;
    uint32_t slot_ = 0;
    uint32_t generation_ = 0;
    State state_ = State::free;
    uint8_t interest_ = 0;      // what the poller watches now
    bool read_paused_ = false;  // output over budget: stop reading until it drains
    bool write_shut_ = false;   // shutdown(SHUT_WR) done
    bool dead_ = false;         // socket failed: terminate at the end of this event
    bool ping_outstanding_ = false;
    const config::Route* route_ = nullptr;
    uint64_t last_rx_ms_ = 0;    // last byte received
    uint64_t last_ping_ms_ = 0;  // last ping we sent
    uint64_t deadline_ms_ = 0;   // handshake or closing deadline
    uint64_t timer_at_ = 0;      // earliest timer known to be pending for us
    std::string head_;           // the request head while in `handshake`
    ws::Decoder decoder_;
    SendQueue out_;
};

}  // namespace wshub::app
