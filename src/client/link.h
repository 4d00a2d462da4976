// The client side of one WebSocket connection on a reactor's poller: the
// upgrade request written and the answer checked (http/client_handshake.h),
// then frames both ways, masked going out with a fresh key each
// (ws::MaskSource) and read coming in by the client-side ws::Decoder. It is
// handed a socket whose connect was started; it tells its LinkOwner what
// happens. Whoever owns it picks the address, keeps the deadline and counts.
// Both of wshub's clients run on it: a proxy route's upstream
// (app/upstream.h) and the public client (wshub/client.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "metrics/counter.h"
#include "reactor/poller.h"
#include "ws/frame.h"
#include "ws/mask_source.h"

namespace wshub::client {

// What every link of one thread shares: its poller, masking keys and read
// buffer, and the limits they hold to.
struct LinkContext {
    reactor::Poller* poller = nullptr;
    ws::MaskSource* masks = nullptr;
    uint8_t* read_buffer = nullptr;
    size_t read_size = 0;
    size_t max_head = 0;         // the answer's head, in bytes
    uint64_t fragment_size = 0;  // 0: messages go out whole
    size_t queue_bytes = 0;      // link_drained below half of it
    // Counted when given (proxy routes' metrics): sockets open, and bytes
    // through them, HTTP heads included.
    metrics::Gauge* sockets = nullptr;
    metrics::Counter* bytes_sent = nullptr;
    metrics::Counter* bytes_received = nullptr;
};

// Why a link ended before it opened.
enum class LinkFailure : uint8_t {
    connect,  // the connect, or a write before the answer, failed
    refused,  // a well-formed answer other than 101 (a redirect among them)
    invalid,  // not a WebSocket upgrade answer, or the connection ended before one
};

// How an open link ended.
enum class LinkEnd : uint8_t {
    closed,  // the peer's close frame: its code (1005 for none) and reason
    broken,  // the peer broke the protocol: the code and reason it was sent
    lost,    // the connection ended, or failed, with no close frame
};

// A refused or invalid answer, for the owner's message.
struct LinkAnswer {
    int status = 0;
    std::string_view reason;  // the status line's
    std::string_view why;     // http::UpgradeResponse::why
};

class LinkOwner {
public:
    // Before open, once: `answer` is the parsed answer for refused and
    // invalid (its views valid during the call), null otherwise. The socket
    // is closed.
    virtual void link_failed(LinkFailure why, const LinkAnswer* answer) = 0;
    virtual void link_opened(std::string_view protocol) = 0;
    // A data message, or a piece of one when the link streams, until
    // link_ended (after our close too).
    virtual void link_message(const ws::Event& message) = 0;
    // Once, after link_opened, whichever comes first of the peer's close
    // frame, a protocol error, or the end of the connection.
    virtual void link_ended(LinkEnd how, uint16_t code, std::string_view reason) = 0;
    // Frames were queued: flush() soon (on this thread).
    virtual void link_queued() = 0;
    // The queue went down to half of LinkContext::queue_bytes or under.
    virtual void link_drained() = 0;

protected:
    ~LinkOwner() = default;
};

// A fresh Sec-WebSocket-Key: 16 bytes of the keystream, in base64.
std::string new_client_key(ws::MaskSource& masks);

class Link {
public:
    enum class Phase : uint8_t {
        idle,        // no socket
        connecting,  // TCP connect in progress
        upgrading,   // request sent (or going), waiting for the 101
        open,        // frames both ways
        closing,     // our close frame is queued or sent; nothing more goes out
        done,        // the socket is closed
    };

    // `streaming`: messages reach the owner piece by piece as they arrive
    // (ws::Decoder::stream_messages), else whole.
    Link(const LinkContext& ctx, LinkOwner& owner, uint64_t max_message, bool streaming);
    // Writes what the socket takes now of what is queued, then closes it
    // (an owner that wants the peer told sends close() first); the owner
    // hears nothing more.
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    // Takes `fd` (a non-blocking socket whose connect was started; done:
    // already connected), registered with the poller under `token`, and
    // sends `request` (a whole upgrade request head offering `key` and
    // `protocols`, http::write_client_request). A link that failed may be
    // started again on another socket.
    void start(int fd, bool done, uint64_t token, std::string request, std::string key, std::string protocols);
    void on_ready(uint32_t events);
    // Closes the socket with no callback: the owner's deadline passed.
    void abandon() noexcept;

    Phase phase() const noexcept { return phase_; }
    bool pending() const noexcept { return phase_ == Phase::connecting || phase_ == Phase::upgrading; }
    bool close_sent() const noexcept { return close_sent_; }

    // A data message, or a piece of one (first, last) when pieces go out as
    // they come: queued as frames of at most fragment_size.
    void send(std::string_view payload, bool text, bool first, bool last);
    void ping(std::string_view payload);
    // Our close frame (code 0: an empty one); nothing more goes out after it.
    void close(uint16_t code, std::string_view reason);
    // Bytes queued for the socket.
    size_t queued() const noexcept { return out_.size() - out_at_; }
    void flush();
    // Not read while the owner's consumer is behind.
    void hold_reading(bool held);

private:
    void fail(LinkFailure why, const LinkAnswer* answer);
    bool write_out() noexcept;
    void on_readable();
    void take_answer();
    void on_frames(uint8_t* data, size_t len);
    void on_event(const ws::Event& ev);
    void queue_frame(ws::Opcode op, std::string_view payload, bool fin);
    void end(LinkEnd how, uint16_t code, std::string_view reason);
    void lost();
    void close_socket() noexcept;
    void update_interest();

    const LinkContext& ctx_;
    LinkOwner& owner_;
    Phase phase_ = Phase::idle;
    bool read_held_ = false;
    bool close_sent_ = false;
    bool ended_ = false;   // link_ended was called
    bool broken_ = false;  // the peer broke the protocol: its bytes are no longer read as frames
    uint8_t interest_ = 0;
    int fd_ = -1;
    uint64_t token_ = 0;
    std::string key_;        // until open: the answer must accept it
    std::string protocols_;  // until open: the answer may choose one
    std::string in_;         // the answer, until its blank line
    std::string out_;        // bytes for the socket from out_at_ on
    size_t out_at_ = 0;
    ws::Decoder decoder_;
};

}  // namespace wshub::client
