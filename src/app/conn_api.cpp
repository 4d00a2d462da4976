// wshub::Conn, the public face of a connection: every call forwards to the
// app::Connection it really is; and what those calls do that is not the
// socket's: joining rooms (the token's rooms claim, room passwords, the
// caps on rooms), publishing and direct messages through the hub.
#include "app/connection.h"
#include "app/worker.h"
#include "hub/room_list.h"
#include "metrics/clock.h"
#include "wshub/handler.h"

namespace wshub {
namespace {

app::Connection& impl(Conn& c) { return static_cast<app::Connection&>(c); }
const app::Connection& impl(const Conn& c) { return static_cast<const app::Connection&>(c); }

}  // namespace

ConnId Conn::id() const noexcept { return impl(*this).conn_id(); }
std::string_view Conn::path() const noexcept { return impl(*this).route_path(); }
SendResult Conn::send(std::string_view data, MessageType type) { return impl(*this).send_message(data, type); }
JoinResult Conn::join(std::string_view room, std::string_view password) {
    return impl(*this).join_room(room, password);
}
std::string_view Conn::user() const noexcept { return impl(*this).user(); }
bool Conn::read_only() const noexcept { return impl(*this).read_only(); }
bool Conn::leave(std::string_view room) { return impl(*this).leave_room(room); }
bool Conn::is_member(std::string_view room) const noexcept { return impl(*this).is_member(room); }
size_t Conn::room_count() const noexcept { return impl(*this).room_count(); }
size_t Conn::room_members(std::string_view room) const noexcept { return impl(*this).room_members(room); }
bool Conn::list_members(std::string_view room, size_t max, std::vector<RoomMember>& out) const {
    return impl(*this).list_members(room, max, out);
}
std::string_view Conn::room_name(size_t index) const noexcept { return impl(*this).room_name(index); }
void Conn::close(CloseCode code, std::string_view reason) { impl(*this).close_with(uint16_t(code), reason); }
void* Conn::user_data() const noexcept { return impl(*this).user_data_; }
void Conn::set_user_data(void* data) noexcept { impl(*this).user_data_ = data; }

size_t Conn::publish(std::string_view room, std::string_view data, MessageType type, bool include_self) {
    return impl(*this).publish_to(room, data, type, include_self);
}

bool Conn::send_to(ConnId target, std::string_view data, MessageType type) {
    return impl(*this).send_to_id(target, data, type);
}

std::string_view Conn::refresh(std::string_view token) { return impl(*this).refresh_token(token); }

void Conn::broadcast(std::string_view data, MessageType type, bool include_self) {
    impl(*this).broadcast(data, type, include_self);
}

}  // namespace wshub

namespace wshub::app {
namespace {

ws::Opcode opcode_of(wshub::MessageType t) { return t == wshub::MessageType::text ? ws::Opcode::text : ws::Opcode::binary; }

}  // namespace

wshub::JoinResult Connection::join_room(std::string_view name, std::string_view password) {
    if (!hub::valid_room_name(name)) return wshub::JoinResult::bad_name;
    if (is_member(name)) return wshub::JoinResult::already_member;
    if (admitted_ && admitted_->identity.limited_rooms && !auth::room_allowed(admitted_->identity.rooms, name)) {
        w().counters().joins_forbidden[size_t(metrics::JoinRefusal::rooms_claim)].add();
        return wshub::JoinResult::forbidden;
    }
    if (!w().shared().room_passwords.allows(name, password)) {
        w().counters().joins_forbidden[size_t(metrics::JoinRefusal::password)].add();
        return wshub::JoinResult::wrong_password;
    }
    const auto& cfg = w().config();
    if (rooms.size() >= cfg.max_rooms_per_conn) return wshub::JoinResult::too_many_rooms;
    // The cap counts the members of other nodes this worker knows of.
    RedisBus* bus = w().bus();
    const uint64_t elsewhere = bus && cfg.max_room_conns != 0 ? bus->remote_members(route()->ns, name) : 0;
    if (cfg.max_room_conns != 0 && elsewhere >= cfg.max_room_conns) return wshub::JoinResult::room_full;
    const uint32_t cap = uint32_t(cfg.max_room_conns - elsewhere);
    if (w().hub().rooms().join(*this, route()->ns, name, cap) == hub::RoomTable::Joined::full)
        return wshub::JoinResult::room_full;
    if (bus) bus->member_joined(route()->ns, name, *this);
    return wshub::JoinResult::joined;
}

bool Connection::leave_room(std::string_view name) {
    if (!w().hub().rooms().leave(*this, name)) return false;
    if (RedisBus* bus = w().bus()) bus->member_left(route()->ns, name, conn_id());
    return true;
}

size_t Connection::room_members(std::string_view name) const noexcept {
    const size_t here = hub::Member::room_members(name);
    RedisBus* bus = w().bus();
    return here == 0 || !bus ? here : here + bus->remote_members(route()->ns, name);
}

bool Connection::list_members(std::string_view name, size_t max, std::vector<wshub::RoomMember>& out) const {
    hub::Room* room = shared_room(name);
    if (!room) return false;
    std::vector<hub::MemberInfo> found;
    hub::list_room_members(*room, w().config().workers, max, w(), found);
    for (hub::MemberInfo& m : found) out.push_back({m.id, std::move(m.user)});
    if (const RedisBus* bus = w().bus(); bus && found.size() < max)
        bus->list_remote(route()->ns, name, max - found.size(), out);
    return true;
}

bool Connection::farewell(std::string_view room, std::string& out, wshub::MessageType& type) {
    wshub::Handler* h = handler();
    return h && h->farewell(*this, room, out, type);
}

size_t Connection::publish_to(std::string_view room, std::string_view data, wshub::MessageType type,
                              bool include_self) {
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) return 0;
    const size_t n = w().hub().publish(route()->ns, room, f, include_self ? nullptr : this, gate());
    hub::release(f);
    RedisBus* bus = w().bus();
    return bus ? n + bus->remote_members(route()->ns, room) : n;
}

bool Connection::send_to_id(uint64_t target, std::string_view data, wshub::MessageType type) {
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) return false;
    const bool ok = w().hub().send_to(target, route()->ns, f, gate());
    hub::release(f);
    return ok;
}

std::string_view Connection::refresh_token(std::string_view token) {
    if (state_ != State::open || !route()->auth || !admitted_) return "not_authenticated";
    auth::Identity fresh;
    const auth::Verdict v =
        w().shared().verifier.verify_token(token, int64_t(metrics::unix_ms() / 1000), fresh, route()->scopes);
    if (!v.allowed()) return v.reason();  // "missing", the JwtError's label, or "insufficient_scope"
    if (fresh.user != admitted_->identity.user) return "other_user";
    if (fresh.limited_rooms)
        for (size_t i = 0; i < rooms.size(); ++i)
            if (!auth::room_allowed(fresh.rooms, room_name(i))) return "rooms_claim";
    admitted_->identity.renew(std::move(fresh));
    const int64_t expires_s = admitted_->identity.expires_s;
    admitted_->expires_ms = expires_s != 0 ? loop_time_of(expires_s) : 0;
    schedule();
    return {};
}

void Connection::broadcast(std::string_view data, wshub::MessageType type, bool include_self) {
    hub::Frame* f = hub::make_frame(opcode_of(type), data);
    if (!f) return;
    w().hub().broadcast(route_index_, f, include_self ? nullptr : this, gate());
    hub::release(f);
}

}  // namespace wshub::app
