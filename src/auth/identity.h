// Who a connection is, from its token's claims. Only connections on routes
// marked ,auth have one; the rest are anonymous and unrestricted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace wshub::auth {

struct Identity {
    std::string user;                // `sub`
    bool limited_rooms = false;      // a `rooms` claim was present
    std::vector<std::string> rooms;  // its patterns: "*", "prefix*", exact
    bool read_only = false;          // `scope` present without "publish"
    int64_t expires_s = 0;           // `exp` plus the leeway, seconds since the epoch; 0: never
};

}  // namespace wshub::auth
