// Work for a worker's hub, handed over by another worker or kept back by its
// own: a message for its members of a room, of a scope (Hub::broadcast) or
// for one of its members; or word about a publisher (it may be read again)
// or a lane (it is open again).
#pragma once

#include <cstdint>

#include "hub/frame.h"
#include "hub/gate.h"
#include "hub/member.h"
#include "hub/registry.h"

namespace wshub::hub {

struct Delivery {
    enum class Kind : uint8_t { room, scope, direct, unblock, lane_open };
    Kind kind;
    uint8_t from = 0;       // the worker whose lane it travels in; lane_open: the lane's receiver
    uint16_t scope = 0;     // scope: which (the Sink's to say)
    uint32_t cursor = UINT32_MAX;  // room, scope: members at lower indices are still to visit
    Room* room = nullptr;   // room: holds a reference
    Frame* frame = nullptr; // room, scope, direct: holds a reference
    Gate* gate = nullptr;   // room, scope, direct: the publisher's gate (a reference, in flight), or null
    const Member* exclude = nullptr;  // room, scope: the sender, when on this worker
    MemberId member = 0;    // direct: the target; unblock: the publisher
    uint64_t seq = 0;       // room: the publish's number (Room::seq)
    uint32_t walk = 0;      // room: this worker's number for its walk over the members (0: not begun)
};

}  // namespace wshub::hub
