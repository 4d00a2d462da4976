// What the hub asks of whoever owns its members' sockets. The hub decides
// who gets what; the sink queues it (applying the member's budget and
// --overflow, hub/overflow.h) and reads or writes sockets.
#pragma once

#include <string>

#include "hub/delivery.h"
#include "hub/frame.h"
#include "hub/gate.h"
#include "hub/member.h"

namespace wshub::hub {

// A member as a room's list shows it (Hub::list_members).
struct MemberInfo {
    MemberId id;
    std::string user;  // what its owner names it by; "" for none
};

class Sink {
public:
    // Thread-safe: who `m`, a member of a room on any worker, is. Called
    // while m's worker cannot take it out of the room (Room::PerWorker's
    // list_lock), so it may read only what stays fixed while m is a member.
    virtual MemberInfo describe(const Member& m) const = 0;
    // A message for a member of this worker. `gate` is its publisher's
    // (--overflow block), or null when nobody can be slowed down.
    virtual void deliver(Member& m, Frame* frame, Gate* gate) = 0;
    // A scope delivery (Hub::broadcast): the members of this worker in
    // `scope` (what a scope is, the sink says), but `exclude`, each get
    // deliver(). Visits members below `cursor` downwards, at most `budget`
    // of them, leaving cursor where it stopped (0: done); returns the
    // members visited.
    virtual uint32_t deliver_scope(uint16_t scope, Frame* frame, Gate* gate, const Member* exclude,
                                   uint32_t& cursor, uint32_t budget) = 0;
    // The open member of this worker with this id, or null.
    virtual Member* find(MemberId id) noexcept = 0;
    // A publisher of this worker that was held back may be read again.
    virtual void resume(MemberId publisher) = 0;

protected:
    ~Sink() = default;
};

// Thread-safe: makes a worker's loop run a pass soon (it has an inbox to take).
class Waker {
public:
    virtual void wake() noexcept = 0;

protected:
    ~Waker() = default;
};

}  // namespace wshub::hub
