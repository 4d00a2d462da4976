// What wshub nodes say to each other through a bus (app::RedisBus carries
// these as pub/sub payloads): binary envelopes, each "W" and a kind byte,
// then fixed-width little-endian numbers and length-prefixed bytes. Reading
// one checks its whole length: a short, long or unknown envelope is refused,
// never read past.
//
//   kind  channel                  what
//   '1'   the room's               a room message: opcode, origin node's id,
//                                  its worker, sequence, time (us), payload
//   'D'   PREFIX:direct:N:W        a direct message: opcode, namespace, member id, payload
//   'J'   the room's               a member of the sender's node joined: its id and
//                                  farewell (Handler::farewell; opcode 0: none)
//   'L'   the room's               that member left
//   'Q'   the room's               "who is here?" from node N's worker W
//   'R'   the room's               the answer, one worker's members of a room, to
//                                  the asker (or to all); the first part of an
//                                  answer resets what was known of that worker's
//                                  members there
//   'H'   PREFIX:nodes             a node's heartbeat (worker 0, every quarter of
//                                  --node-timeout)
//   'B'   PREFIX:nodes             a worker of a node drains: its members are gone
//   'U'   PREFIX:nodes             a worker of a node is back on Redis: forget its
//                                  members (no farewells); its answers follow
//   'P'   PREFIX:nodes             ... and that worker has asked every room: each
//                                  node beats at once, so the asker knows when a
//                                  node's answers are all in
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::bus {

enum class Kind : char {
    message = '1',
    direct = 'D',
    joined = 'J',
    left = 'L',
    query = 'Q',
    roster = 'R',
    heartbeat = 'H',
    bye = 'B',
    back = 'U',
    ping = 'P',
};

// The kind of `envelope`, or 0 if it is not one of wshub's.
char kind_of(std::string_view envelope) noexcept;

// A farewell is at most this long: it is kept by every worker of every
// node that shares a room with its member.
constexpr size_t kMaxFarewell = 512;
// A member's user as other nodes list it (a room's member list): longer
// ones are not sent.
constexpr size_t kMaxUser = 256;

struct Message {
    uint8_t opcode = 0;  // ws::Opcode text or binary
    std::string_view node_id;
    uint8_t worker = 0;
    uint64_t seq = 0;
    uint64_t sent_us = 0;
    std::string_view payload;
};
void put_message(std::string& out, const Message& m);
bool read_message(std::string_view in, Message& out) noexcept;

struct Direct {
    uint8_t opcode = 0;
    uint16_t ns = 0;
    uint64_t target = 0;
    std::string_view payload;
};
void put_direct(std::string& out, const Direct& d);
bool read_direct(std::string_view in, Direct& out) noexcept;

// A member, its user, and what the others get if its node goes without a word.
struct Farewell {
    uint64_t member = 0;
    uint8_t opcode = 0;  // 0: no farewell
    std::string_view payload;
    std::string_view user;  // at most kMaxUser bytes; "" for none
};

// A worker's link generation: how many times its bus has come up. Joins,
// answers and "back" carry it, so that a "back" (forget what came before)
// and the answers after it may arrive in any order (on a Redis Cluster they
// travel on different shards) and still leave the answers standing.
using Generation = uint32_t;
void put_joined(std::string& out, const Farewell& f, Generation gen);
bool read_joined(std::string_view in, Farewell& out, Generation& gen) noexcept;
void put_left(std::string& out, uint64_t member);
bool read_left(std::string_view in, uint64_t& member) noexcept;

struct Origin {
    uint16_t node = 0;  // node number
    uint8_t worker = 0;
};
void put_query(std::string& out, Origin asker);
bool read_query(std::string_view in, Origin& out) noexcept;

// One part of an answer to a query: the header, then entries appended
// with add_roster_entry until the part is as large as the caller wants.
// Answers travel on the room's channel (so they keep their order with its
// joins and leaves on a cluster too), addressed to the asker, or to all.
constexpr uint16_t kEveryNode = 0xFFFF;

struct RosterHead {
    uint16_t ns = 0;
    std::string_view room;
    Origin from;
    Generation gen = 0;  // the answering worker's
    Origin to;           // to.node kEveryNode: every worker that hears it
    bool reset = false;  // the answer's first part
};
void put_roster_head(std::string& out, const RosterHead& h);
void add_roster_entry(std::string& out, const Farewell& f);
// The header, and in `entries` the entries' bytes, for RosterEntries.
bool read_roster(std::string_view in, RosterHead& head, std::string_view& entries) noexcept;

class RosterEntries {
public:
    explicit RosterEntries(std::string_view entries) noexcept : rest_(entries) {}
    // The next entry; false at the end or at bytes that are not one (which
    // ends the walk: bad() then says so).
    bool next(Farewell& out) noexcept;
    bool bad() const noexcept { return bad_; }

private:
    std::string_view rest_;
    bool bad_ = false;
};

struct NodeNews {
    uint16_t node = 0;
    uint8_t worker = 0;  // bye, back: the worker whose members are gone
    Generation gen = 0;  // back: the worker's new generation
    std::string_view node_id;
};
void put_heartbeat(std::string& out, const NodeNews& n);
void put_bye(std::string& out, const NodeNews& n);
void put_back(std::string& out, const NodeNews& n);
void put_ping(std::string& out, const NodeNews& n);
// A heartbeat, a bye, a back or a ping (kind_of says which).
bool read_node_news(std::string_view in, NodeNews& out) noexcept;

}  // namespace wshub::bus
