// wshub::Conn, the public face of a connection: every call forwards to the
// app::Connection it really is.
#include "app/connection.h"
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
std::string_view Conn::room_name(size_t index) const noexcept { return impl(*this).room_name(index); }
void Conn::close(uint16_t code, std::string_view reason) { impl(*this).close_with(code, reason); }
void* Conn::user_data() const noexcept { return impl(*this).user_data_; }
void Conn::set_user_data(void* data) noexcept { impl(*this).user_data_ = data; }

size_t Conn::publish(std::string_view room, std::string_view data, MessageType type, bool include_self) {
    return impl(*this).publish_to(room, data, type, include_self);
}

bool Conn::send_to(ConnId target, std::string_view data, MessageType type) {
    return impl(*this).send_to_id(target, data, type);
}

}  // namespace wshub
