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

    // Takes every claim of a fresh token for the same user but `user`,
    // which is left unwritten: other workers read it while its connection
    // is in a room (a room's member list), and a fresh token's is the same.
    void renew(Identity&& fresh) noexcept {
        limited_rooms = fresh.limited_rooms;
        rooms = std::move(fresh.rooms);
        read_only = fresh.read_only;
        expires_s = fresh.expires_s;
    }
};

}  // namespace wshub::auth
