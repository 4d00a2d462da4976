// The `json` route mode: one JSON object per text frame (README.md, "JSON
// protocol"). Requests: join, leave, message (to a room), direct (to a
// connection id), rooms. Replies carry the request's "ref" verbatim; errors
// keep the connection open. Each request is parsed once into views (no copy);
// room names and types are decoded only when they hold escapes, and the
// outgoing text is built in a per-thread buffer, so a request allocates
// nothing beyond the frames the hub makes of it.
#include <optional>
#include <string>
#include <vector>

#include "crypto/base64.h"
#include "json/json.h"
#include "metrics/clock.h"
#include "modes/modes.h"

namespace wshub::modes {
namespace {

using wshub::MessageType;

constexpr size_t kMaxMembers = 16;   // top-level keys of a request
constexpr unsigned kDataDepth = 32;  // nesting allowed inside "data" (and "ref")
// The request object itself is one level, so "data" may nest kDataDepth more.
constexpr json::Limits kLimits{kDataDepth + 1, kMaxMembers};
// Scratch buffers that grew past this (a large message) are given back.
constexpr size_t kKeepCapacity = 64 * 1024;

// Per-thread scratch. Every callback runs on its worker's thread, so these
// need no lock. `out` is read only by the send/publish right after it is
// built: a publish may close a slow consumer, whose on_close publishes too
// and reuses `out`, so nothing may rely on its contents across a publish.
// `room` and `type` are used by on_message only, which never nests.
struct Scratch {
    std::string out;
    std::string room;
    std::string type;
    std::vector<wshub::RoomMember> members;
};

Scratch& scratch() {
    thread_local Scratch s;
    return s;
}

void trim(std::string& s) {
    if (s.capacity() > kKeepCapacity) std::string().swap(s);
}

// A parsed request: its top-level members (views into the frame) and "ref".
struct Request {
    json::Member members[kMaxMembers];
    size_t count = 0;
    const json::Value* ref = nullptr;

    const json::Value* field(std::string_view key) const noexcept { return json::find(members, count, key); }
};

// The decoded text of a string value: a view into the frame when it has no
// escapes, else into buf. nullopt when v is missing or not a string.
std::optional<std::string_view> text_of(const json::Value* v, std::string& buf) {
    if (!v || v->type != json::Type::string) return std::nullopt;
    if (auto plain = json::plain_string(*v)) return plain;
    buf.clear();
    json::decode_string(v->raw, buf);  // cannot fail: the parser validated it
    return std::string_view(buf);
}

// Starts `{"type":TYPE` in the cleared scratch buffer.
json::Writer begin(std::string& out, std::string_view type) {
    out.clear();
    json::Writer w(out);
    w.begin_object();
    w.key("type");
    w.string(type);
    return w;
}

// Ends a direct reply (adding "ref" when the request had one) and sends it.
void reply(wshub::Conn& c, json::Writer& w, std::string& out, const Request* req) {
    if (req && req->ref) {
        w.key("ref");
        w.raw(req->ref->raw);
    }
    w.end_object();
    c.send(out, MessageType::text);
}

void send_error(wshub::Conn& c, const Request* req, std::string_view code, std::string_view message) {
    std::string& out = scratch().out;
    json::Writer w = begin(out, "error");
    w.key("code");
    w.string(code);
    w.key("message");
    w.string(message);
    reply(c, w, out, req);
}

const char* parse_error_message(json::Error e) {
    switch (e) {
    case json::Error::none: break;
    case json::Error::syntax: return "not valid JSON";
    case json::Error::encoding: return "invalid string: unpaired surrogate escape";
    case json::Error::depth: return "nested deeper than 32 levels inside data";
    case json::Error::too_many_members: return "more than 16 members";
    case json::Error::duplicate_key: return "duplicate key";
    case json::Error::not_object: return "expected a JSON object";
    }
    return "not valid JSON";
}

// "user": the token's sub, on connections that have one.
void write_user(json::Writer& w, const wshub::Conn& c) {
    if (c.user().empty()) return;
    w.key("user");
    w.string(c.user());
}

// Who sent a message: the token's sub (and the connection id, to reply to)
// when there is one, else the connection id alone.
void write_sender(json::Writer& w, const wshub::Conn& c) {
    w.key("from");
    if (c.user().empty()) {
        w.number(c.id());
        return;
    }
    w.string(c.user());
    w.key("id");
    w.number(c.id());
}

void write_presence(std::string& out, const wshub::Conn& c, std::string_view room, std::string_view event) {
    json::Writer w = begin(out, "presence");
    w.key("room");
    w.string(room);
    w.key("event");
    w.string(event);
    w.key("id");
    w.number(c.id());
    write_user(w, c);
    w.end_object();
}

// Tells the other members of `room` that connection `id` joined or left.
// Returns the number of members the room has (the hub's count at publish).
size_t publish_presence(wshub::Conn& c, std::string_view room, std::string_view event) {
    std::string& out = scratch().out;
    write_presence(out, c, room, event);
    return c.publish(room, out, MessageType::text, false);
}

class Json final : public wshub::Handler {
public:
    explicit Json(const JsonOptions& o) : options_(o) {}

    // The presence `leave` the others would have had from it.
    bool farewell(const wshub::Conn& c, std::string_view room, std::string& out, MessageType& type) override {
        write_presence(out, c, room, "leave");
        type = MessageType::text;
        return true;
    }

    void on_open(wshub::Conn& c) override {
        std::string& out = scratch().out;
        json::Writer w = begin(out, "welcome");
        w.key("id");
        w.number(c.id());
        write_user(w, c);
        w.end_object();
        c.send(out, MessageType::text);
    }

    void on_message(wshub::Conn& c, std::string_view data, MessageType type) override {
        if (type != MessageType::text) {
            c.close(wshub::CloseCode::unsupported_data, "json mode accepts text frames only");
            return;
        }
        dispatch(c, data);
        Scratch& s = scratch();
        trim(s.out);
        trim(s.room);
        trim(s.type);
    }

    // A back end's publish, in the shape of a member's message: the body as
    // data (json_publish_envelope), from "publish".
    bool encode_publish(const wshub::Publication& p, std::string& out, MessageType& type) override {
        out.clear();
        json_publish_envelope(out, p.room, p.body, p.type == MessageType::binary, p.unix_ms);
        type = MessageType::text;
        return true;
    }

    // The rooms are still listed here (left right after): tell their others.
    void on_close(wshub::Conn& c, wshub::CloseCode, std::string_view) override {
        for (size_t i = 0; i < c.room_count(); ++i) publish_presence(c, c.room_name(i), "leave");
        trim(scratch().out);
    }

private:
    void dispatch(wshub::Conn& c, std::string_view data) {
        Request req;
        if (const json::Error e = json::parse_object(data, req.members, req.count, kLimits); e != json::Error::none) {
            send_error(c, nullptr, "bad_json", parse_error_message(e));
            return;
        }
        req.ref = req.field("ref");
        const json::Value* type_value = req.field("type");
        const auto type = text_of(type_value, scratch().type);
        if (!type) {
            send_error(c, &req, "unknown_type", type_value ? "type must be a string" : "type is missing");
        } else if (*type == "message") {
            message(c, req);
        } else if (*type == "direct") {
            direct(c, req);
        } else if (*type == "join") {
            join(c, req);
        } else if (*type == "leave") {
            leave(c, req);
        } else if (*type == "rooms") {
            rooms(c, req);
        } else if (*type == "members") {
            members(c, req);
        } else if (*type == "refresh") {
            refresh(c, req);
        } else {
            send_error(c, &req, "unknown_type", "unknown type");
        }
    }

    // "room" as decoded text, or nullopt after answering bad_request.
    static std::optional<std::string_view> room_of(wshub::Conn& c, const Request& req) {
        const json::Value* v = req.field("room");
        auto room = text_of(v, scratch().room);
        if (!room) send_error(c, &req, "bad_request", v ? "room must be a string" : "room is missing");
        return room;
    }

    // "data" (any JSON value), or nullptr after answering bad_request.
    static const json::Value* data_of(wshub::Conn& c, const Request& req) {
        const json::Value* v = req.field("data");
        if (!v) send_error(c, &req, "bad_request", "data is missing");
        return v;
    }

    void join(wshub::Conn& c, const Request& req) {
        const auto room = room_of(c, req);
        if (!room) return;
        const json::Value* list_value = req.field("list");
        if (list_value && list_value->type != json::Type::boolean)
            return send_error(c, &req, "bad_request", "list must be true or false");
        const bool list = list_value && list_value->raw == "true";
        const json::Value* password_value = req.field("password");
        std::string password_buf;
        const auto password = text_of(password_value, password_buf);
        if (password_value && !password)
            return send_error(c, &req, "bad_request", "password must be a string");
        std::optional<size_t> members;
        switch (c.join(*room, password.value_or(std::string_view{}))) {
        case wshub::JoinResult::joined:
            members = publish_presence(c, *room, "join");
            break;
        case wshub::JoinResult::already_member:
            members = c.room_members(*room);  // idempotent: no presence again
            break;
        case wshub::JoinResult::room_full:
            return send_error(c, &req, "room_full", "room is full");
        case wshub::JoinResult::too_many_rooms:
            return send_error(c, &req, "too_many_rooms", "this connection is in too many rooms");
        case wshub::JoinResult::bad_name:
            return send_error(c, &req, "bad_room",
                              "room name must be 1 to 128 bytes without control characters");
        case wshub::JoinResult::forbidden:
            return send_error(c, &req, "forbidden", "the token does not allow this room");
        case wshub::JoinResult::wrong_password:
            return send_error(c, &req, "forbidden", "wrong or missing room password");
        }
        std::string& out = scratch().out;
        json::Writer w = begin(out, "joined");
        w.key("room");
        w.string(*room);
        if (members) {
            w.key("members");
            w.number(*members);
        }
        if (list) write_member_list(c, w, *room, "list");
        reply(c, w, out, &req);
    }

    void leave(wshub::Conn& c, const Request& req) {
        const auto room = room_of(c, req);
        if (!room) return;
        if (!c.is_member(*room)) return send_error(c, &req, "not_member", "not a member of this room");
        // Presence first, while the room surely exists: publishing to a room
        // nobody is left in would only create and drop it again.
        publish_presence(c, *room, "leave");
        c.leave(*room);
        std::string& out = scratch().out;
        json::Writer w = begin(out, "left");
        w.key("room");
        w.string(*room);
        reply(c, w, out, &req);
    }

    void message(wshub::Conn& c, const Request& req) {
        const auto room = room_of(c, req);
        if (!room) return;
        const json::Value* data = data_of(c, req);
        if (!data) return;
        if (!c.is_member(*room)) return send_error(c, &req, "not_member", "not a member of this room");
        if (c.read_only()) return send_error(c, &req, "forbidden", "the token is read-only");
        std::string& out = scratch().out;
        json::Writer w = begin(out, "message");
        w.key("room");
        w.string(*room);
        write_sender(w, c);
        w.key("data");
        w.raw(data->raw);
        w.key("ts");
        w.number(metrics::unix_ms());
        w.end_object();
        c.publish(*room, out, MessageType::text, options_.echo_self);
    }

    void direct(wshub::Conn& c, const Request& req) {
        const json::Value* to_value = req.field("to");
        uint64_t to = 0;
        if (!to_value || !json::to_uint64(*to_value, to))
            return send_error(c, &req, "bad_request",
                              to_value ? "to must be a connection id (a non-negative integer)" : "to is missing");
        const json::Value* data = data_of(c, req);
        if (!data) return;
        if (c.read_only()) return send_error(c, &req, "forbidden", "the token is read-only");
        std::string& out = scratch().out;
        json::Writer w = begin(out, "direct");
        write_sender(w, c);
        w.key("data");
        w.raw(data->raw);
        w.key("ts");
        w.number(metrics::unix_ms());
        w.end_object();
        if (!c.send_to(to, out, MessageType::text)) send_error(c, &req, "no_such_connection", "no such connection");
    }

    // A fresh token before the connection's expires (Conn::refresh).
    static void refresh(wshub::Conn& c, const Request& req) {
        std::string buf;
        const json::Value* v = req.field("token");
        const auto token = text_of(v, buf);
        if (!token) return send_error(c, &req, "bad_request", v ? "token must be a string" : "token is missing");
        if (const std::string_view why = c.refresh(*token); !why.empty()) return send_error(c, &req, "bad_token", why);
        std::string& out = scratch().out;
        json::Writer w = begin(out, "refreshed");
        reply(c, w, out, &req);
    }

    static void rooms(wshub::Conn& c, const Request& req) {
        std::string& out = scratch().out;
        json::Writer w = begin(out, "rooms");
        w.key("rooms");
        w.begin_array();
        for (size_t i = 0; i < c.room_count(); ++i) w.string(c.room_name(i));
        w.end_array();
        reply(c, w, out, &req);
    }

    // {"type":"members","room":R}: who is in a room the connection is in.
    void members(wshub::Conn& c, const Request& req) {
        const auto room = room_of(c, req);
        if (!room) return;
        if (!c.is_member(*room)) return send_error(c, &req, "not_member", "not a member of this room");
        std::string& out = scratch().out;
        json::Writer w = begin(out, "members");
        w.key("room");
        w.string(*room);
        write_member_list(c, w, *room, "members");
        reply(c, w, out, &req);
    }

    // `key`: up to --max-members-list of the room's members, each
    // {"id":N} or {"id":N,"user":U}, then "truncated": whether there were more.
    void write_member_list(const wshub::Conn& c, json::Writer& w, std::string_view room, std::string_view key) const {
        std::vector<wshub::RoomMember>& found = scratch().members;
        found.clear();
        c.list_members(room, options_.max_members_list + 1, found);  // one more tells whether it was cut
        const bool truncated = found.size() > options_.max_members_list;
        if (truncated) found.resize(options_.max_members_list);
        w.key(key);
        w.begin_array();
        for (const wshub::RoomMember& m : found) {
            w.begin_object();
            w.key("id");
            w.number(m.id);
            if (!m.user.empty()) {
                w.key("user");
                w.string(m.user);
            }
            w.end_object();
        }
        w.end_array();
        w.key("truncated");
        w.boolean(truncated);
        if (found.capacity() > 64) std::vector<wshub::RoomMember>().swap(found);
    }

    JsonOptions options_;
};

}  // namespace

std::unique_ptr<wshub::Handler> make_json(const JsonOptions& options) { return std::make_unique<Json>(options); }

void json_publish_envelope(std::string& out, std::string_view room, std::string_view body, bool binary,
                           uint64_t ts_ms) {
    json::Writer w(out);
    w.begin_object();
    w.key("type");
    w.string("message");
    w.key("room");
    w.string(room);
    w.key("from");
    w.string("publish");
    w.key("data");
    if (binary) {
        w.string(crypto::base64_encode(body));
        w.key("encoding");
        w.string("base64");
    } else {
        std::string_view trimmed = body;
        auto is_ws = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
        while (!trimmed.empty() && is_ws(trimmed.front())) trimmed.remove_prefix(1);
        while (!trimmed.empty() && is_ws(trimmed.back())) trimmed.remove_suffix(1);
        if (json::validate(trimmed, kDataDepth) == json::Error::none)
            w.raw(trimmed);
        else
            w.string(body);
    }
    w.key("ts");
    w.number(ts_ms);
    w.end_object();
}

}  // namespace wshub::modes
