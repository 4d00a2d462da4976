// One connection of the public client (wshub/client.h): a Link whose owner
// speaks to the program's ClientHandler, and whose last callback (on_fail
// or on_close) is made exactly once, always from the loop, never from
// inside connect() or close().
#pragma once

#include <cstdint>
#include <string>

#include "client/link.h"
#include "net/address.h"
#include "wshub/client.h"

namespace wshub::client {

class ClientLoopCore;

class ClientConn final : public wshub::Client, private LinkOwner {
public:
    // How long an ended connection waits for the server to close its side.
    static constexpr uint32_t kCloseTimeoutMs = 5000;

    ClientConn(ClientLoopCore& loop, uint32_t slot, uint64_t token, const ClientOptions& options,
               ClientHandler& handler);

    // Starts connecting to `to` with the upgrade `request` for `key`.
    void start(const net::Address& to, std::string request, std::string key, std::string protocols);
    void on_ready(uint32_t events);
    void on_timer();
    void flush() { link_.flush(); }

    uint32_t slot() const noexcept { return slot_; }
    // The last callback was made and the socket is closed: it may be freed.
    bool finished() const noexcept { return told_ && link_.phase() == Link::Phase::done; }
    // Its last callback is still to come.
    bool live() const noexcept { return !told_; }

    // wshub::Client
    SendResult send_message(std::string_view data, MessageType type);
    bool send_ping(std::string_view payload);
    void begin_close(uint16_t code, std::string_view reason);
    bool open() const noexcept { return link_.phase() == Link::Phase::open && !told_; }
    size_t queued() const noexcept { return link_.queued(); }
    const std::string& url() const noexcept { return url_; }
    void* user_data() const noexcept { return user_data_; }
    void set_user_data(void* data) noexcept { user_data_ = data; }

private:
    void fail_later(std::string why);
    void tell_failed(int status, std::string_view why);
    void tell_closed(uint16_t code, std::string_view reason);

    void link_failed(LinkFailure why, const LinkAnswer* answer) override;
    void link_opened(std::string_view protocol) override;
    void link_message(const ws::Event& message) override;
    void link_ended(LinkEnd how, uint16_t code, std::string_view reason) override;
    void link_queued() override;
    void link_drained() override;

    ClientLoopCore& loop_;
    ClientHandler& handler_;
    uint32_t slot_;
    uint64_t token_;
    uint32_t open_timeout_ms_;
    bool told_ = false;        // on_fail or on_close was made
    bool want_drain_ = false;  // send() dropped: on_drain when the queue is down to half
    std::string url_;
    std::string failure_;      // a failure to tell from the loop (fail_later)
    void* user_data_ = nullptr;
    LinkContext ctx_;
    Link link_;
};

}  // namespace wshub::client
