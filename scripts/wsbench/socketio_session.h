// After the WebSocket upgrade, a Socket.IO client's own handshake on each
// connection (socketio.h): the server's open packet, our connect to the main
// namespace, the server's answer and, for a subscriber, a join of the room
// acknowledged. Until it ends, nothing else is sent.
#pragma once

#include <string_view>
#include <vector>

#include "attempt.h"

namespace wsbench {

struct DialStats;

// Opens a Socket.IO session on every connection of conns (each connection's
// leftover bytes first) within timeout_s, then, when join_room is not empty,
// joins that room and waits for the ack. Returns the connections through it,
// each with the bytes that came after its last handshake message as leftover;
// the others are closed and counted in stats as handshake errors.
std::vector<DialedConn> open_sio_sessions(std::vector<DialedConn>& conns, std::string_view join_room,
                                          double timeout_s, DialStats& stats);

}  // namespace wsbench
