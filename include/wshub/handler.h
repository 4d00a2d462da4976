// The public handler API: how a route mode is written. wshub's own modes
// (echo, raw, json) use exactly this, and so can an embedder's.
//
// A Handler is shared by every worker thread: keep per-connection state in
// the connection's user data, and make any state of your own thread-safe.
// Every callback for one connection runs on that connection's worker thread,
// one at a time; a Conn& is valid only during the callback that received it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wshub/upgrade_request.h"

namespace wshub {

// Unique among the server's live connections; may be reused after a close.
// Fits in 53 bits, so JavaScript numbers hold it exactly.
using ConnId = uint64_t;

enum class MessageType : uint8_t { text = 1, binary = 2 };

// What became of a message handed to send(): backpressure is explicit.
enum class SendResult : uint8_t {
    queued,   // on its way
    dropped,  // the send queue was full and the overflow policy is `drop`
    closed,   // the connection is closing (or was closed by the overflow policy)
};

enum class JoinResult : uint8_t {
    joined,
    already_member,
    room_full,       // --max-room-conns reached
    too_many_rooms,  // --max-rooms-per-conn reached
    bad_name,        // empty, over 128 bytes, or containing control characters
    forbidden,       // the connection's token does not list this room (its rooms claim)
    wrong_password,  // the room has a password (--room-password) and this was not it
};

// Close codes, RFC 6455 section 7.4.1 and the IANA registry (1012-1014).
// A CloseCode holds any 16-bit value: 3000-3999 (registered with IANA) and
// 4000-4999 (private use) are an application's own, e.g. CloseCode{4001}.
// no_status, abnormal and tls_handshake are never sent: a handler may be
// told them (on_close), but Conn::close must be given a code that may go
// on the wire (1000-1003, 1007-1014, 3000-4999).
enum class CloseCode : uint16_t {
    normal = 1000,
    going_away = 1001,           // the server drains, or an idle timeout
    protocol_error = 1002,
    unsupported_data = 1003,     // e.g. binary where only text is understood
    no_status = 1005,            // the peer's close frame had no code
    abnormal = 1006,             // the connection ended without a close frame
    invalid_payload = 1007,      // e.g. a text message that is not UTF-8
    policy = 1008,               // policy violation: slow consumer, rate limit
    too_big = 1009,              // a message over --max-message
    mandatory_extension = 1010,  // sent by clients only
    internal_error = 1011,
    service_restart = 1012,
    try_again_later = 1013,
    bad_gateway = 1014,
    tls_handshake = 1015,
    // wshub's own, in the application's range: an ,auth route's token
    // expired and no fresh one came (Conn::refresh).
    token_expired = 4001,
};

// A member of a room, as Conn::list_members gives it.
struct RoomMember {
    ConnId id;
    std::string user;  // its token's sub on an ,auth route; "" otherwise
};

class Conn {
public:
    ConnId id() const noexcept;
    std::string_view path() const noexcept;  // the route's path

    // On a route marked ,auth: the token's `sub` claim ("" if it has none).
    // "" on public routes.
    std::string_view user() const noexcept;
    // True when the token's `scope` claim is present without "publish": the
    // connection may receive but should not send to others (the built-in
    // modes refuse; publish() and send_to() themselves do not check).
    bool read_only() const noexcept;

    // Queues a message to this connection. Own replies are never refused:
    // when the queue is over its budget the connection stops being read
    // until it drains (the client slows itself down).
    SendResult send(std::string_view data, MessageType type);

    // `password` is checked only for rooms that have one (in constant time).
    JoinResult join(std::string_view room, std::string_view password = {});
    bool leave(std::string_view room);  // false if not a member
    bool is_member(std::string_view room) const noexcept;
    size_t room_count() const noexcept;
    // Members of a room this connection is in, across all workers and, with
    // several nodes, the others' as this worker knows them (0 if it is not
    // a member).
    size_t room_members(std::string_view room) const noexcept;
    std::string_view room_name(size_t index) const noexcept;
    // Appends to `out` up to `max` members of a room this connection is in
    // (itself among them): this node's on every worker, then, with several
    // nodes, the others' as this worker knows them (a user over 256 bytes is
    // not carried between nodes: "" there). Each
    // worker's part is its list at some moment during the call. False, and
    // nothing appended, if this connection is not a member.
    bool list_members(std::string_view room, size_t max, std::vector<RoomMember>& out) const;

    // Delivers a message to every member of `room` on every worker (except
    // this connection unless include_self), encoded into a frame once. The
    // caller need not be a member. Returns the number of members the room had
    // (with several nodes, those of the others as this worker knows them).
    size_t publish(std::string_view room, std::string_view data, MessageType type, bool include_self);

    // Delivers a message to one connection by id, on any worker. False if no
    // open connection has that id. (A target that closes while the message
    // is on its way to another worker does not get it.)
    bool send_to(ConnId target, std::string_view data, MessageType type);

    // Delivers a message to every open connection of this connection's
    // route, on every worker (except this one unless include_self), encoded
    // once. A connection that opens while it is on its way may or may not
    // get it.
    void broadcast(std::string_view data, MessageType type, bool include_self);

    // On a route marked ,auth, a connection is closed with 4001 "token
    // expired" when its token's exp (plus --jwt-leeway) passes, unless it is
    // given a fresh one first: `token` is verified like the first (and must
    // name the same user, hold the route's scope=, and allow every room the
    // connection is in). Empty reason: taken. Else why not:
    // "not_authenticated" (a public route), "other_user", "rooms_claim",
    // "insufficient_scope", or the token's refusal ("expired",
    // "bad_signature", ...).
    std::string_view refresh(std::string_view token);

    // Starts the close handshake with this code and reason (at most 123
    // bytes of it are sent, cut at a UTF-8 character boundary).
    void close(CloseCode code, std::string_view reason);
    // The same, with the code as a number (e.g. c.close(4000, "bye")).
    void close(uint16_t code, std::string_view reason) { close(CloseCode{code}, reason); }

    void* user_data() const noexcept;
    void set_user_data(void* data) noexcept;

protected:
    Conn() = default;
    ~Conn() = default;
};

// A back end's POST /publish, as Handler::encode_publish sees it.
struct Publication {
    std::string_view room;
    std::string_view body;
    MessageType type;  // binary when sent as application/octet-stream
    uint64_t unix_ms;  // when the server took it
};

class Handler {
public:
    virtual ~Handler() = default;

    // What a POST /publish to `room` becomes for this mode's members: the
    // message written to `out`, with its type; false: they get nothing. By
    // default, the body as it came. Called once per publish (not per
    // member) on any worker thread; modes whose messages come out byte for
    // byte the same share one frame.
    virtual bool encode_publish(const Publication& p, std::string& out, MessageType& type) {
        out.assign(p.body);
        type = p.type;
        return true;
    }

    // Before the 101: may join rooms and set user data. Return 0 to accept,
    // or an HTTP status (e.g. 403, 503) and a short reason to refuse; a
    // refused connection's rooms are left and no other callback follows.
    // The request's views (headers, peer, ...) are valid during this call only.
    virtual int on_upgrade(Conn&, const UpgradeRequest&, std::string& why) {
        (void)why;
        return 0;
    }
    // After the 101 has been queued.
    virtual void on_open(Conn&) {}
    virtual void on_message(Conn& c, std::string_view data, MessageType type) = 0;
    // Messages in pieces, for a handler that passes them on as they come
    // (to a file, a socket, a digest) rather than hold them whole. When this
    // is true, on_fragment gets every data message of the route's
    // connections piece by piece as it arrives, and on_message is never
    // called: a piece is what one read brought of one frame (never two
    // frames), `first` marks a message's first piece and `last` its final
    // one (a message in one piece has both). The pieces of one message come
    // in order, each once, with nothing of another message between them.
    // --max-message still bounds the whole message (1009 as soon as a frame
    // header would pass it), and text is checked for UTF-8 before each piece
    // is handed over (1007 instead of the piece that breaks it; the pieces
    // already handed over stay so). Asked as each connection opens; a route
    // whose handler takes fragments never agrees permessage-deflate.
    virtual bool takes_fragments() const noexcept { return false; }
    virtual void on_fragment(Conn& c, std::string_view piece, MessageType type, bool first, bool last) {
        (void)c;
        (void)piece;
        (void)type;
        (void)first;
        (void)last;
    }
    // The connection failed: protocol error (1002, 1007, 1009), slow
    // consumer (1008), idle timeout (1001). on_close follows.
    virtual void on_error(Conn&, CloseCode code, std::string_view reason) {
        (void)code;
        (void)reason;
    }
    // With several nodes (--redis): what the members of `room` on the other
    // nodes receive in this connection's name if its node dies, or drains,
    // before they hear it leave (json mode: its presence `leave`), written
    // to `out` with its type; at most 512 bytes (a longer one is not kept).
    // Asked as it joins `room`, and when another node asks who is in the
    // room, on its worker. False, the default: nothing.
    virtual bool farewell(const Conn& c, std::string_view room, std::string& out, MessageType& type) {
        (void)c;
        (void)room;
        (void)out;
        (void)type;
        return false;
    }
    // Last call for this connection: its rooms are still listed (they are
    // left right after), messages can no longer be sent to it. `code`: the
    // one that closed it, whichever side sent it first (no_status when the
    // client's close frame had none, abnormal when the socket ended without
    // a close handshake).
    virtual void on_close(Conn&, CloseCode code, std::string_view reason) {
        (void)code;
        (void)reason;
    }
};

}  // namespace wshub
