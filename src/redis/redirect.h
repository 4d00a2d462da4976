// Redis Cluster redirections (the cluster specification's "MOVED
// Redirection" and "ASK redirection"): the text of an error reply that
// names the node serving a slot.
#pragma once

#include <cstdint>
#include <string_view>

namespace wshub::redis {

struct Redirect {
    enum class Kind : uint8_t {
        moved,  // the slot lives there now: update the slot map, then retry there
        ask,    // the slot is migrating: retry there once, after ASKING
    };
    Kind kind = Kind::moved;
    uint16_t slot = 0;
    // The node's endpoint as sent: an IPv4 or IPv6 address or a hostname,
    // or empty for an unknown endpoint (Redis 7), which means the host this
    // connection went to. A view into the error text.
    std::string_view host;
    uint16_t port = 0;
};

// Reads "MOVED <slot> <endpoint>:<port>" or "ASK <slot> <endpoint>:<port>"
// (the text of a simple or bulk error, without its '-'). The port is what
// follows the last ':', so an IPv6 address needs no brackets. False for any
// other error, and for a slot over 16383 or a port outside 1 to 65535.
bool parse_redirect(std::string_view error_text, Redirect& out) noexcept;

}  // namespace wshub::redis
