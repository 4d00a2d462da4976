// One client connection on one worker, as a state machine over its socket:
// it reads, decodes RFC 6455 frames for its route's Handler, queues what goes
// out and writes it, keeps what the poller watches and its timers right, and
// runs the close handshake. What a request asks for before the upgrade is
// decided elsewhere (request.cpp routes it to upgrade.cpp, endpoints.cpp or
// publish.cpp), and answered through answer(), refuse() and open(). Only its
// worker touches it, and it is handed that worker when made. It is the
// implementation behind the public wshub::Conn, and a member of rooms to the
// hub (hub::Member).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "app/request.h"
#include "app/upstream.h"
#include "auth/identity.h"
#include "auth/policy.h"
#include "config/config.h"
#include "hub/delivery.h"
#include "hub/member.h"
#include "hub/overflow.h"
#include "hub/send_queue.h"
#include "http/extensions.h"
#include "metrics/counters.h"
#include "net/ip_limiter.h"
#include "wshub/handler.h"
#include "ws/frame.h"

namespace wshub::app {

class Log;
class Worker;

// What admission gave an open connection beyond the defaults: its token's
// identity (,auth routes) and its message budget (--max-msg-rate). Only
// connections that have either hold one.
struct Admitted {
    auth::Identity identity;
    auth::TokenBucket rate;
    uint64_t expires_ms = 0;  // the token's expiry on the loop clock; 0: never
};

// The close code of a connection whose token expired (RFC 6455 section
// 7.4.2: 4000-4999 are the application's).
inline constexpr uint16_t kTokenExpired = 4001;

// What the upgrade decided (upgrade.cpp), for Connection::open.
struct Opening {
    uint16_t route_index;
    std::string_view key;       // Sec-WebSocket-Key, for the 101
    std::string_view protocol;  // the subprotocol chosen, "" for none
    wshub::UpgradeRequest request;         // what the mode's on_upgrade sees
    std::unique_ptr<Admitted> admitted;    // null: nothing beyond the defaults
    const http::DeflateParams* deflate = nullptr;  // permessage-deflate agreed; null: not
};

class Connection : public wshub::Conn, public hub::Member {
public:
    enum class State : uint8_t {
        free,       // slot unused
        handshake,  // reading the request (and a POST /publish body)
        open,       // exchanging frames
        closing,    // our close frame or HTTP answer is queued; waiting for EOF
    };

    Connection(Worker& w, uint32_t slot) noexcept;

    State state() const noexcept { return state_; }
    uint32_t generation() const noexcept { return generation_; }
    uint32_t slot() const noexcept { return slot_; }
    // Public id: worker (8 bits), slot (22 bits), generation (23 bits).
    uint64_t conn_id() const noexcept;
    // The client's address: the accepted peer's, or the one a trusted proxy
    // named (set_client).
    const net::IpKey& peer() const noexcept { return peer_; }
    // Accepted, but nothing received yet; or kept alive after an answer,
    // and nothing of the next request received yet.
    bool idle() const noexcept {
        return state_ == State::handshake && (bytes_in_ == 0 || (hs_ && hs_->between_requests()));
    }

    // The loop's side (worker.cpp, drain.cpp).
    void start(int fd, const net::Address& peer);  // takes ownership of an accepted socket
    void on_ready(uint32_t events);
    void on_timer();
    // Closes the socket now and frees the slot (shutdown, fatal errors).
    void terminate();
    // Drain: an open connection is closed with 1001 behind what it has
    // queued; others finish what they are doing.
    void go_away();
    // Writes what is queued; called by the worker at the end of a pass.
    void flush_dirty();
    // Puts it on the worker's flush list once per pass: false if already there.
    bool set_dirty() noexcept {
        if (dirty_) return false;
        dirty_ = true;
        return true;
    }

    // The hub's side. A message from a room or a direct message: applies
    // --overflow. `gate` is the publisher's (--overflow block), or null.
    void deliver(hub::Frame* frame, hub::Gate* gate);
    // Its route (Hub::broadcast's scope); kNoRoute before the upgrade.
    static constexpr uint16_t kNoRoute = UINT16_MAX;
    uint16_t route_index() const noexcept { return route_index_; }
    // This publisher, held back by its gate or by the hub's lanes, may be
    // read again (if nothing else still holds it).
    void resume_reading();

    // The request stage's side: each ends the request. answer() queues a
    // complete HTTP response and closes; refuse() counts the refusal, logs
    // it and answers it; open() is called holding a place under the caps
    // (hub::Caps), which the connection gives back when it ends: the route's
    // mode decides, and on its yes the 101 goes out.
    void answer(std::string_view response);
    void refuse(metrics::Reject reason, int status, std::string_view why);
    void refuse(metrics::Reject reason, int status, std::string_view why, std::string_view extra_headers);
    void open(Opening&& o);
    // An HTTP answer after which the connection may take another request
    // (keep_alive) rather than close, and whose body may be a file read in
    // pieces as the client takes them (conn_respond.cpp): `head` is the
    // whole response head (or a whole response, fd -1); `fd`, which the
    // connection owns from now on, has `size` bytes that follow it. Nothing
    // more is read from the client until it is all out.
    void respond(std::string_view head, int fd, uint64_t size, bool keep_alive);
    // POST /publish (publish.cpp): read `length` body bytes behind the head
    // (`head_len` bytes), then finish_publish answers. `interim` (100
    // Continue) is sent if the body is not all in yet.
    void expect_body(PublishHead publish, size_t head_len, size_t length, std::string_view interim);
    // The client as a trusted proxy names it (proxied.cpp), set before the
    // request is routed and so before anything is counted under an address:
    // the accepted peer becomes the proxy the client came through (via=).
    // `port` is the one the proxy's header gave, 0 when it gave none.
    void set_client(const net::IpKey& ip, uint16_t port);
    // A proxy route (conn_proxy.cpp): upgrade() hands the client to an
    // Upstream instead of opening it, holding its place under the caps;
    // the 101 waits for the upstream's. `key` is the client's
    // Sec-WebSocket-Key.
    void start_upstream(const http::Request& req, uint16_t route_index, std::unique_ptr<Admitted> admitted,
                        std::string_view key);
    void on_upstream_ready(uint32_t events);
    // What its Upstream tells it: the upstream's 101 (the client gets its
    // own, with the upstream's subprotocol), its failure before that (the
    // client gets `status`), a piece of one of its messages, its close (or
    // loss, as 1014), and that it has room for the client's messages again.
    void upstream_opened(std::string_view protocol);
    void upstream_refused(int status, std::string_view why);
    void upstream_piece(const ws::Event& piece);
    void upstream_closed(uint16_t code, std::string_view reason);
    void upstream_drained();
    void mark_upstream_dirty();
    // Log lines (conn_log.cpp).
    void log_refused(int status, std::string_view reason, std::string_view why);
    void log_http(std::string_view path, int status);
    // peer=, and via= for a client named by a proxy.
    void log_peer(Log& line) const;
    std::string peer_text() const;

    // The public API (wshub::Conn forwards here; conn_api.cpp).
    wshub::SendResult send_message(std::string_view data, wshub::MessageType type);
    wshub::JoinResult join_room(std::string_view room, std::string_view password = {});
    bool leave_room(std::string_view room);
    // The room queries are the hub's (wshub::Conn's of the same names forward here).
    using hub::Member::is_member;
    using hub::Member::room_name;
    // Members of `room` on every worker and, with --redis, on the other
    // nodes as this worker knows them (0 if not in it).
    size_t room_members(std::string_view room) const noexcept;
    // wshub::Conn::list_members.
    bool list_members(std::string_view room, size_t max, std::vector<wshub::RoomMember>& out) const;
    // Its handler's farewell for `room` (wshub::Handler::farewell).
    bool farewell(std::string_view room, std::string& out, wshub::MessageType& type);
    size_t room_count() const noexcept { return rooms.size(); }
    size_t publish_to(std::string_view room, std::string_view data, wshub::MessageType type, bool include_self);
    bool send_to_id(uint64_t target, std::string_view data, wshub::MessageType type);
    void broadcast(std::string_view data, wshub::MessageType type, bool include_self);
    std::string_view refresh_token(std::string_view token);
    void close_with(uint16_t code, std::string_view reason);
    std::string_view route_path() const noexcept;
    std::string_view user() const noexcept { return admitted_ ? std::string_view(admitted_->identity.user) : ""; }
    bool read_only() const noexcept { return admitted_ && admitted_->identity.read_only; }
    void* user_data_ = nullptr;

private:
    Worker& w() const noexcept { return w_; }
    const config::Route* route() const noexcept;
    wshub::Handler* handler() const noexcept;  // once upgraded_

    // Reading (connection.cpp) and the request (conn_request.cpp).
    void on_readable();
    void on_handshake_bytes(size_t added);
    void on_body_bytes();
    void release_handshake() noexcept;
    void continue_response();
    void next_request();
    void finish_open(const Opening& o);
    uint64_t loop_time_of(int64_t unix_s) const noexcept;
    // Frames (conn_frames.cpp). drained: the read these bytes came from
    // left nothing in the socket.
    void on_frames(uint8_t* data, size_t len, bool drained);
    void hold_back(bool lane_hit, const uint8_t* rest, size_t rest_len);
    bool within_rate() noexcept;  // inline in worker.h: one compare when there is no --max-msg-rate
    bool take_rate_token() noexcept;
    void hold_input(const uint8_t* data, size_t len);
    void on_message(const ws::Event& ev);
    void on_piece(const ws::Event& ev);
    void forward_up(const ws::Event& piece);  // conn_proxy.cpp
    hub::Frame* form_of(hub::Frame* f) noexcept;  // conn_out.cpp
    // Out (conn_out.cpp): into out_, which keeps the worker's
    // wshub_queued_bytes up to date; written by flush.
    bool enqueue(hub::Frame* f) noexcept;
    void deliver_form(hub::Frame* frame, hub::Gate* gate);
    void queue_control(ws::Opcode op, std::string_view payload);
    void queue_raw(std::string_view bytes);
    void flush();
    void after_flush();
    void park(hub::Frame* frame, hub::Gate* gate);
    void unpark(bool past_budget = false);
    void release_parked() noexcept;
    // Closing (conn_close.cpp).
    void report_close(uint16_t code, std::string_view reason);
    void fail(uint16_t code, std::string_view reason);  // on_error, then close
    void start_close(uint16_t code, std::string_view reason);
    void begin_closing();
    void release_caps() noexcept;
    void leave_all_rooms() noexcept;
    // The poller and the timers (connection.cpp).
    void update_interest();
    void schedule();
    uint64_t next_deadline() const noexcept;
    void on_open_timer(uint64_t now);
    void log_opened();
    void log_closed();

    Worker& w_;
    int fd_ = -1;
    uint32_t slot_;
    uint32_t generation_ = 0;
    State state_ = State::free;
    uint8_t interest_ = 0;      // what the poller watches now
    bool read_paused_ : 1 = false;     // own replies over budget: stop reading until they drain
    bool write_shut_ : 1 = false;      // shutdown(SHUT_WR) done
    bool dead_ : 1 = false;            // socket failed: terminate at the end of this event
    bool dirty_ : 1 = false;           // on the worker's flush list
    bool counted_ : 1 = false;         // holds a place under the caps (Shared::caps)
    bool close_reported_ : 1 = false;  // on_close delivered
    bool upgraded_ : 1 = false;        // the 101 went out: its handler has it
    bool close_after_flush_ : 1 = false;  // closing in a drain: --close-timeout starts once out
    bool socket_full_ : 1 = false;     // the last write left bytes queued: the kernel's buffer is full
    // The hub's lanes to other workers are over their bound (or, for a POST
    // /publish, were before it published): not read until they open.
    bool lanes_held_ : 1 = false;
    // The peer's close frame came with nothing unread behind it: once our
    // answer is out, close() at once (RFC 6455 section 5.5.1) rather than
    // send FIN and wait for the peer's EOF.
    bool close_when_flushed_ : 1 = false;
    // permessage-deflate was agreed: data frames go out in the form
    // Compression::form_for gives a window of 2^deflate_window_ bits.
    bool deflate_ : 1 = false;
    uint8_t deflate_window_ : 4 = 0;
    // A proxy route's upstream has more of this client's messages queued
    // than --queue-bytes: not read until it takes them.
    bool upstream_held_ : 1 = false;
    // Its handler takes messages in pieces (Handler::takes_fragments).
    bool fragments_ : 1 = false;
    // Its route in config().routes (a 2-byte index rather than pointers to
    // the route and its handler, which are found from it).
    uint16_t route_index_ = kNoRoute;
    net::IpKey peer_;            // the client's address, for --max-conns-per-ip
    uint16_t peer_port_ = 0;     // for the log; 0 when a proxy named the client without one
    uint16_t close_code_ = 0;    // as reported to the handler, for the log
    // Loop-clock times in 32 bits: milliseconds mod 2^32 (see connection.cpp's
    // age and reached). Every duration they meet is at most 2^31 ms (config),
    // and each is refreshed or acted on within that, so ages and deadlines
    // taken modulo 2^32 are exact.
    uint32_t last_rx_ = 0;  // last byte received
    // One or the other, never both: a connection pings only while open, and
    // has a deadline only before (handshake) and after (closing).
    union {
        uint32_t last_ping_ = 0;  // open: last ping we sent
        uint32_t deadline_;       // handshake or closing deadline
    };
    uint64_t opened_ms_ = 0;     // accepted (loop clock)
    uint64_t bytes_in_ = 0;      // read from the socket, the HTTP request included
    uint64_t bytes_out_ = 0;     // written to the socket, HTTP answers included
    // Only while reading a request: freed at the 101 or the answer.
    struct Handshake {
        std::string head;  // the request head (and a /publish body behind it)
        PublishHead publish;  // what a /publish's answer needs from its head, kept while the body comes
        uint64_t accepted_us = 0;  // metrics::now_us() at accept, for the handshake histogram
        // Reading a /publish body: where it starts in head (0: still reading
        // the head) and its Content-Length.
        uint32_t body_at = 0;
        uint32_t body_len = 0;
        // Once the head is parsed, its request line's place in head (the
        // method starts it), for a refusal's log line; method_len 0 before.
        uint32_t method_len = 0;
        uint32_t target_at = 0;
        uint32_t target_len = 0;
        // A parsed request is being answered: its views into head are in use
        // up the stack, so head is freed after the answer, not by it.
        bool answering = false;
        // respond(): an answer is going out; then the next request, or the close.
        bool responding = false;
        bool keep_alive = false;
        uint32_t request_len = 0;  // the head being answered: what comes after it is the next request
        uint32_t served = 0;       // answers given on this connection (keep-alive)
        // The file body still to read (respond()): from file_at, file_left bytes.
        int file_fd = -1;
        uint64_t file_at = 0;
        uint64_t file_left = 0;

        Handshake() = default;
        Handshake(const Handshake&) = delete;
        Handshake& operator=(const Handshake&) = delete;
        ~Handshake() { close_file(); }
        void close_file() noexcept;
        // Kept alive after an answer, with nothing of the next request yet.
        bool between_requests() const noexcept { return served != 0 && !responding && head.empty(); }

        std::string_view method() const noexcept { return std::string_view(head).substr(0, method_len); }
        std::string_view target() const noexcept { return std::string_view(head).substr(target_at, target_len); }
        std::string_view body() const noexcept { return std::string_view(head).substr(body_at, body_len); }
    };
    std::unique_ptr<Handshake> hs_;
    // Allocated only while needed. As a publisher: its gate (--overflow
    // block), and input read but held back while the gate is closed or the
    // hub's lanes are full. As a consumer (--overflow block): deliveries
    // waiting for room in out_.
    struct Blocking {
        hub::Gate* gate = nullptr;
        std::string held_input;
        hub::ParkedList parked;
    };
    std::unique_ptr<Blocking> blk_;
    Blocking& blocking() {
        if (!blk_) blk_ = std::make_unique<Blocking>();
        return *blk_;
    }
    hub::Gate* gate() const noexcept { return blk_ ? blk_->gate : nullptr; }
    bool has_parked() const noexcept { return blk_ && !blk_->parked.empty(); }
    bool has_held_input() const noexcept { return blk_ && !blk_->held_input.empty(); }
    bool publisher_blocked() const noexcept { return hub::blocked(gate()); }
    ws::Decoder decoder_;
    hub::SendQueue out_;
    std::unique_ptr<Admitted> admitted_;
    // The hops around the client, held only by connections that have one:
    // the proxy a client named by a trusted proxy came through (set_client),
    // the accepted peer, for the logs; and a proxy route's upstream, from
    // the upgrade on.
    struct Via {
        net::IpKey ip;
        uint16_t port;
    };
    struct Hops {
        bool has_via = false;
        Via via{};
        std::unique_ptr<Upstream> upstream;
    };
    std::unique_ptr<Hops> hops_;
    Hops& hops() {
        if (!hops_) hops_ = std::make_unique<Hops>();
        return *hops_;
    }
    const Via* via() const noexcept { return hops_ && hops_->has_via ? &hops_->via : nullptr; }
    Upstream* upstream() const noexcept { return hops_ ? hops_->upstream.get() : nullptr; }
};

}  // namespace wshub::app
