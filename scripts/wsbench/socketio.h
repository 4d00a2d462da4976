// The few Socket.IO 4 packets (Engine.IO v4 over WebSocket, one packet per
// text frame) the fanout scenario exchanges with the Socket.IO peer
// (scripts/peers/socketio/server.js), as pure functions over buffers:
//   server  0{...}                  Engine.IO open
//   client  40                      connect to the main namespace
//   server  40{"sid":...}           connected
//   client  420["join","ROOM"]      join ROOM, ack id 0
//   server  430[]                   the ack: a member now
//   client  42["pub","ROOM","P"]    publish P to ROOM
//   server  42["msg","P"]           P, at every other member
//   server  2   client  3           Engine.IO ping and pong
// P is wsbench's payload as a JSON string: its bytes are ASCII (below 0x80),
// and those JSON must escape (quote, backslash, controls) are escaped, so a
// member reads back exactly the bytes published.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace wsbench {

// What one text message from the server is.
enum class SioPacket {
    open,       // 0{...}
    connected,  // 40...
    refused,    // 44...: connect_error
    ack,        // 43...
    event,      // 42["msg","..."]: its payload decoded
    ping,       // 2: answer kSioPong
    other,      // any other packet (an event of another name, a noop, ...)
    bad,        // not Engine.IO, or an event msg whose payload is no JSON string
};

constexpr std::string_view kSioConnect = "40";
constexpr std::string_view kSioPong = "3";

// The join packet for room (ack id 0).
std::string sio_join_packet(std::string_view room);

// Builds publish packets for one room: 42["pub","ROOM","<payload escaped>"].
class SioPublisher {
public:
    explicit SioPublisher(std::string_view room);
    // The packet carrying n payload bytes; valid until the next call.
    std::string_view packet(const uint8_t* payload, size_t n);

private:
    std::string packet_;
    size_t prefix_len_;
};

// Reads what the server sent: the kind of packet and, for an event msg, its
// payload decoded into payload (cleared first).
SioPacket sio_read(std::string_view message, std::string& payload);

// Appends s to out as the inside of a JSON string, escaped as JSON requires;
// and back: false when in is no valid inside of a JSON string (or holds an
// escape beyond ASCII, which wsbench never sends).
void json_escape_append(std::string& out, std::string_view s);
bool json_unescape(std::string_view in, std::string& out);

}  // namespace wsbench
