// What carries room messages between nodes (several wshub processes
// sharing rooms, e.g. through Redis pub/sub), as one worker's hub sees it.
// Interest-based: the hub says which rooms this worker has members in, so a
// bus brings a worker only the rooms it needs; and it hands the bus each
// publish made on this node, once. What other nodes published comes back
// through Hub::deliver_remote, on the worker whose bus received it.
#pragma once

#include <cstdint>
#include <string_view>

#include "hub/frame.h"
#include "hub/member.h"

namespace wshub::hub {

class Bus {
public:
    // This worker's first member of room `name` of namespace `ns` joined;
    // its last one left.
    virtual void watch(uint16_t ns, std::string_view name) = 0;
    virtual void unwatch(uint16_t ns, std::string_view name) = 0;
    // A message published to a room on this node (by a member on any of its
    // workers, or a back end's POST /publish), for the other nodes' members.
    virtual void publish(uint16_t ns, std::string_view name, const Frame& frame) = 0;
    // A message for member `target` of another node (its id names the
    // node), if it is open in namespace `ns` there. True: taken, which is
    // no promise that it arrives (that node drops it if the member is gone,
    // and says nothing back); false: refused.
    virtual bool send_direct(MemberId target, uint16_t ns, const Frame& frame) = 0;

protected:
    ~Bus() = default;
};

}  // namespace wshub::hub
