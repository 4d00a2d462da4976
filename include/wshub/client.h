// The WebSocket client: connections from a program of your own to
// WebSocket servers (wshub or any other), on an event loop of their own.
// It is the client wshub's proxy routes use to reach their upstreams (the
// same upgrade checks, the same frame decoder and UTF-8 validation as the
// server's), behind an API like the server's Handler.
//
// A ClientLoop is one thread's reactor (epoll or kqueue). The thread that
// calls run() is the loop's thread: every callback runs there, and connect()
// and every Client method may be called only there (from a callback, or
// before run()). Other threads hand work over with post(), and end run()
// with stop().
//
//     struct Printer : wshub::ClientHandler {
//         void on_open(wshub::Client& c, std::string_view) override { c.send("hello", wshub::MessageType::text); }
//         void on_message(wshub::Client& c, std::string_view data, wshub::MessageType) override {
//             std::cout << data << "\n";
//             c.close(wshub::CloseCode::normal, "bye");
//         }
//         void on_close(wshub::Client&, wshub::CloseCode, std::string_view) override { loop->stop(); }
//         wshub::ClientLoop* loop;
//     };
//
// Not done: wss:// (no TLS), following redirects (a 3xx fails the
// connection), extensions (permessage-deflate is never offered).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "wshub/handler.h"

namespace wshub {

class Client;

struct ClientOptions {
    // ws://HOST[:PORT][/PATH][?QUERY]: HOST is an IPv4 address, an IPv6
    // one in brackets, or a name (see ClientLoop::connect).
    std::string url;
    // Offered in Sec-WebSocket-Protocol, in this order; the server's choice
    // must be one of them, or none.
    std::vector<std::string> protocols;
    // Extra request header lines, "Name: value" each (Origin,
    // Authorization, Cookie, ...). No CR or LF; none of the handshake's own.
    std::vector<std::string> headers;
    // A message from the server over this closes the connection with 1009.
    uint64_t max_message = 16 * 1024 * 1024;
    // Connect plus upgrade; past it, on_fail (status 0, "timed out").
    uint32_t open_timeout_ms = 10'000;
    // Bytes queued to the server past which send() drops (see send()).
    size_t queue_bytes = 1024 * 1024;
    // Messages over this go out as fragments of at most this size (0: whole).
    uint64_t fragment_size = 0;
};

// A Client& is valid from connect() until on_fail or on_close returns.
class ClientHandler {
public:
    virtual ~ClientHandler() = default;

    // The server accepted the upgrade, choosing `protocol` ("" for none).
    virtual void on_open(Client& c, std::string_view protocol) {
        (void)c;
        (void)protocol;
    }
    // A whole message (fragments reassembled; text checked for UTF-8).
    virtual void on_message(Client& c, std::string_view data, MessageType type) = 0;
    // The queue went down to half of queue_bytes after send() dropped.
    virtual void on_drain(Client& c) { (void)c; }
    // It never opened: `status` is the server's HTTP status when it refused
    // the upgrade (a 3xx among them), else 0 (no connect, timed out, an
    // answer that is not a WebSocket upgrade); `why` is one line. Last call.
    virtual void on_fail(Client& c, int status, std::string_view why) {
        (void)c;
        (void)status;
        (void)why;
    }
    // It was open and has ended: the server's close code and reason
    // (no_status when its close frame had none), the code the client sent
    // when the server broke the protocol (protocol_error, invalid_payload,
    // too_big), or abnormal when the connection ended with no close frame.
    // Last call.
    virtual void on_close(Client& c, CloseCode code, std::string_view reason) {
        (void)c;
        (void)code;
        (void)reason;
    }
};

class Client {
public:
    // Queues a message (masked with a fresh key, as RFC 6455 10.3 wants).
    // `dropped` when queue_bytes are already queued (on_drain follows once
    // the queue is down to half), `closed` once the close began or before
    // on_open.
    SendResult send(std::string_view data, MessageType type);
    // A ping (at most 125 bytes of payload); the server's pongs are not
    // reported. The server's pings are answered without the handler.
    bool ping(std::string_view payload = {});
    // Starts the close handshake; on_close follows with the server's answer
    // (or abnormal if it gives none within 5 seconds). Before on_open, ends
    // the attempt: on_fail follows.
    void close(CloseCode code = CloseCode::normal, std::string_view reason = {});
    void close(uint16_t code, std::string_view reason) { close(CloseCode{code}, reason); }

    bool is_open() const noexcept;
    size_t queued_bytes() const noexcept;
    const std::string& url() const noexcept;

    void* user_data() const noexcept;
    void set_user_data(void* data) noexcept;

protected:
    Client() = default;
    ~Client() = default;
};

class ClientLoop {
public:
    ClientLoop();
    // Cuts every connection still open, with no callback.
    ~ClientLoop();
    ClientLoop(const ClientLoop&) = delete;
    ClientLoop& operator=(const ClientLoop&) = delete;

    // Starts a connection; the handler outlives it. A host name is resolved
    // before this returns, without libc (the hosts file, then DNS to
    // resolv.conf's nameservers), which can block for the resolver's
    // timeouts: give an address where that matters. Null, with `error`
    // saying why, for a bad URL or a name that does not resolve; a connect
    // that fails later is told to on_fail.
    Client* connect(const ClientOptions& options, ClientHandler& handler, std::string& error);

    // Serves the connections until stop(). False, with `error`, if the
    // loop's poller could not be made.
    bool run(std::string& error);
    // Any thread: run() returns after its current pass. The connections
    // stay as they are (run() may be called again).
    void stop();
    // Any thread: `task` runs on the loop's thread, in order, during run().
    void post(std::function<void()> task);

    // Connections not yet ended (their last callback not yet made).
    size_t size() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace wshub
