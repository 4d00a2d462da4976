// A worker's own view of a room: its local members. Only that worker touches
// it; the shared Room counts these members for the other workers.
#pragma once

#include <cstdint>
#include <vector>

#include "hub/frame.h"
#include "hub/registry.h"

namespace wshub::app {
class Connection;
}

namespace wshub::hub {

struct LocalRoom {
    Room* room;  // holds one reference while the LocalRoom exists
    std::vector<app::Connection*> members;
    // Deliveries walking `members` right now: the LocalRoom outlives them
    // even if every member leaves meanwhile.
    uint32_t pins = 0;
};

// Where a connection sits in one LocalRoom's member list (for O(1) leave).
struct Membership {
    LocalRoom* local;
    uint32_t index;
};

// A message for another worker's members of a room, or for one connection.
struct Delivery {
    Room* room;      // holds a reference; nullptr for a direct message
    Frame* frame;    // holds a reference
    uint64_t conn;   // room: the sender to skip (0: none); direct: the target
};

}  // namespace wshub::hub
