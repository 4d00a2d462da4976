// A worker's own view of a room: its local members. Only that worker touches
// it; the shared Room counts these members for the other workers.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/frame.h"
#include "hub/gate.h"
#include "hub/registry.h"

namespace wshub::app {
class Connection;
}

namespace wshub::hub {

struct LocalRoom {
    Room* room;  // holds one reference while the LocalRoom exists
    std::vector<app::Connection*> members;
    std::vector<uint64_t> joined_at;  // Room::seq when each member joined
    // Deliveries walking `members` right now: the LocalRoom outlives them
    // even if every member leaves meanwhile.
    uint32_t pins = 0;
};

// Where a connection sits in one LocalRoom's member list (for O(1) leave).
struct Membership {
    LocalRoom* local;
    uint32_t index;
};

// Which members of a room a delivery is for. Usually all; a POST /publish
// is framed twice, as is for most members and wrapped for json-mode ones.
enum class Audience : uint8_t { all, json, not_json };

// Work handed from one worker to another: a message for its members of a
// room or for one of its connections, or word that a blocked publisher of
// its may be read again.
struct Delivery {
    enum class Kind : uint8_t { room, direct, unblock };
    Kind kind;
    Room* room;     // room: holds a reference
    Frame* frame;   // room, direct: holds a reference
    Gate* gate;     // room, direct: the publisher's gate (a reference), or null
    uint64_t conn;  // room: the sender to skip (0: none); direct: the target; unblock: the publisher
    uint64_t seq;   // room: the publish's number (Room::seq)
    Audience audience = Audience::all;  // room
};

}  // namespace wshub::hub
