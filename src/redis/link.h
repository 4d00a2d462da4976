// One connection to one Redis server, speaking RESP3, driven by its owner's
// event loop. The owner (a worker) forwards the socket's readiness and the
// link's one timer to it, and hears back through a LinkHost; the link never
// blocks, sleeps or starts a thread, so it lives on the worker's loop like a
// client connection does, and a test drives it over a loop of its own.
//
// The life of a link: connecting (a non-blocking connect), handshaking
// (HELLO 3 [AUTH], SELECT, CLIENT SETNAME written together), up (commands
// accepted, replies and pushes delivered), and after any loss waiting (the
// socket closed, a reconnect due when the timer fires, after a capped
// exponential backoff with full jitter that starts again from its minimum
// once a connection comes up).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "net/address.h"
#include "reactor/poller.h"
#include "redis/backoff.h"
#include "redis/resp.h"

namespace wshub::redis {

class Link;

enum class LinkState : uint8_t {
    idle,         // not started
    connecting,   // a connect in progress
    handshaking,  // connected, the handshake's replies awaited
    up,           // commands accepted
    waiting,      // lost; the next connect is due when the timer fires
};

const char* state_name(LinkState s) noexcept;

// Where a link goes and who it says it is.
struct Endpoint {
    net::Address address;  // numeric IPv4 or IPv6, and port
    std::string user = "default";
    std::string password;     // empty: no AUTH
    unsigned db = 0;          // not 0: SELECT db
    std::string client_name;  // not empty: CLIENT SETNAME client_name
};

struct LinkOptions {
    Limits limits;                        // every reply; one past them is a loss
    size_t queue_bytes = 1 << 20;         // commands held before they are written
    uint32_t connect_timeout_ms = 2000;   // from connect() to up, handshake included
    uint32_t backoff_first_ms = 100;      // the first reconnect's ceiling
    uint32_t backoff_cap_ms = 5000;       // the largest ceiling
    uint64_t seed = 0;                    // the jitter's; 0: from the clock and the link's address
};

// A loss, as told to the owner.
struct LinkDown {
    std::string_view reason;  // short, e.g. "closed by server"; never the password
    bool was_up = false;      // false: an attempt that failed before up
    // What the owner had queued and is lost: commands not written whole (one
    // cut short never runs: the server sees the connection end mid-command)
    // and their bytes. Commands written whole may or may not have run, and
    // their replies never come.
    size_t dropped_commands = 0;
    size_t dropped_bytes = 0;
    uint32_t retry_ms = 0;  // until the next attempt
};

// The owner's side of a link. Every call comes from inside one of the
// link's methods, on the owner's thread. The host identifies the link by
// link.token() in its poller and timers.
class LinkHost {
public:
    // The poller: `interest` is reactor::kReadable | kWritable. watch and
    // rewatch return 0 or an errno (which the link takes as a loss).
    virtual int watch(Link& link, int fd, uint32_t interest) = 0;
    virtual int rewatch(Link& link, int fd, uint32_t old_interest, uint32_t interest) = 0;
    virtual void unwatch(Link& link, int fd, uint32_t old_interest) = 0;
    // The link's one timer: a deadline replaces any pending one. When it
    // fires, the owner calls link.on_timer().
    virtual void set_timer(Link& link, uint64_t deadline_ms) = 0;
    virtual void cancel_timer(Link& link) = 0;
    // The loop's clock, in milliseconds.
    virtual uint64_t now_ms() = 0;

    // The handshake is done: send() works (resubscribe here).
    virtual void on_up(Link& link) = 0;
    // Once per loss: of a link that was up, or of an attempt.
    virtual void on_down(Link& link, const LinkDown& down) = 0;
    // A RESP3 push ('>') while up: pub/sub messages and subscription
    // confirmations. Its views are valid until the call returns.
    virtual void on_push(Link& link, const Value& push) = 0;
    // Every other reply, errors included, in the order of the commands.
    // Its views are valid until the call returns.
    virtual void on_reply(Link& link, const Value& reply) = 0;

protected:
    ~LinkHost() = default;
};

class Link {
public:
    // `token` is the owner's name for this link (its poller token, its
    // timer). The host outlives the link.
    Link(LinkHost& host, uint64_t token, Endpoint endpoint, LinkOptions options);
    // Closes the socket and cancels the timer; no on_down. Not from inside
    // one of the host's callbacks.
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Starts connecting (from idle; otherwise nothing). A connect that fails
    // at once is reported through on_down before this returns.
    void start();
    // Readiness of the socket the host watches for this link.
    void on_ready(uint32_t events);
    // The link's timer fired.
    void on_timer();

    // Queues one command, written by the next flush(). False, and nothing
    // queued, unless the link is up and the bytes held (queued, plus the
    // written part of a command cut short by a partial write) stay within
    // queue_bytes.
    bool send(const std::string_view* args, size_t count);
    bool send(std::initializer_list<std::string_view> args) { return send(args.begin(), args.size()); }
    // Writes what is queued (the owner calls it once per loop pass, so many
    // commands go in one write). What the socket does not take is written
    // when it is writable again.
    void flush();
    // Drops the connection as a loss ("disconnected by owner"); a reconnect
    // follows. Nothing while waiting or idle.
    void disconnect();

    uint64_t token() const noexcept { return token_; }
    const Endpoint& endpoint() const noexcept { return endpoint_; }
    LinkState state() const noexcept { return state_; }
    // Queued bytes not yet written.
    size_t queued_bytes() const noexcept { return out_.size() - sent_; }
    // Memory the buffers hold (capacities).
    size_t write_buffer_capacity() const noexcept { return out_.capacity(); }
    size_t read_buffer_capacity() const noexcept { return in_capacity_; }
    // Connects started after a loss.
    uint64_t reconnects() const noexcept { return reconnects_; }
    // The reason of the last loss, or "".
    const std::string& last_down_reason() const noexcept { return last_down_reason_; }

private:
    LinkHost& host_;
    const uint64_t token_;
    const Endpoint endpoint_;
    const LinkOptions options_;
    Backoff backoff_;
    Parser parser_;
    LinkState state_ = LinkState::idle;
    int fd_ = -1;
    uint32_t interest_ = 0;    // what the host watches fd_ for; 0: not watched
    uint64_t generation_ = 0;  // counts losses: a callback that caused one ends the dispatch
    unsigned handshake_left_ = 0;
    std::string out_;  // commands; [0, sent_) written
    size_t sent_ = 0;
    std::unique_ptr<char[]> in_;  // replies; [in_begin_, in_end_) unread
    size_t in_capacity_ = 0;
    size_t in_begin_ = 0;
    size_t in_end_ = 0;
    uint64_t reconnects_ = 0;
    std::string last_down_reason_;

    void connect();
    void finish_connect();
    void begin_handshake();
    void take_handshake_reply(const Value& reply);
    void lose(std::string_view reason);
    void close_socket() noexcept;
    bool set_interest(uint32_t interest);

    void read_replies();
    bool take_replies(uint64_t generation);
    size_t make_read_room();
    void shrink_read_buffer();
    void write_queued();
    void reserve_queue(size_t bytes);
    void compact_queue();
    size_t unsent_commands() const noexcept;
};

}  // namespace wshub::redis
