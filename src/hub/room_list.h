// The members of a room on every worker, read while their workers go on:
// each worker's list is read under its lock (Room::PerWorker::list_lock),
// one worker at a time, so the answer is each worker's list at some moment
// during the call, not one instant's whole room.
#pragma once

#include <cstddef>
#include <vector>

#include "hub/registry.h"
#include "hub/sink.h"

namespace wshub::hub {

// Appends up to `max` members of `room` (which the caller holds a reference
// to) to `out`, described by `sink`, in no particular order.
void list_room_members(Room& room, unsigned workers, size_t max, const Sink& sink, std::vector<MemberInfo>& out);

}  // namespace wshub::hub
