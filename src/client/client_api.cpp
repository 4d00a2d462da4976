// wshub::Client's methods, on the connection behind it.
#include "client/client_conn.h"

namespace wshub {
namespace {

client::ClientConn& conn(Client& c) noexcept { return static_cast<client::ClientConn&>(c); }
const client::ClientConn& conn(const Client& c) noexcept { return static_cast<const client::ClientConn&>(c); }

}  // namespace

SendResult Client::send(std::string_view data, MessageType type) { return conn(*this).send_message(data, type); }
bool Client::ping(std::string_view payload) { return conn(*this).send_ping(payload); }
void Client::close(CloseCode code, std::string_view reason) { conn(*this).begin_close(uint16_t(code), reason); }
bool Client::is_open() const noexcept { return conn(*this).open(); }
size_t Client::queued_bytes() const noexcept { return conn(*this).queued(); }
const std::string& Client::url() const noexcept { return conn(*this).url(); }
void* Client::user_data() const noexcept { return conn(*this).user_data(); }
void Client::set_user_data(void* data) noexcept { conn(*this).set_user_data(data); }

}  // namespace wshub
