// Rooms that are joined only with a password (--room-password and the lines
// of --room-password-file). The passwords are kept as SHA-256 digests and
// compared in constant time; the whole set may be replaced while it runs (a
// reload). Nothing here logs or keeps a password's text.
#pragma once

#include <atomic>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/sha256.h"

namespace wshub::auth {

struct RoomPassword {
    std::string room;
    std::string secret;
};

// Every method may be called from any thread at any time, replace()
// included, but replace() calls one at a time (the server's reload is
// serialised).
class RoomPasswords {
public:
    explicit RoomPasswords(std::span<const RoomPassword> passwords = {});
    RoomPasswords(const RoomPasswords&) = delete;
    RoomPasswords& operator=(const RoomPasswords&) = delete;

    // From the next check on, these and only these rooms have a password;
    // a check under way finishes with the set it started with.
    void replace(std::span<const RoomPassword> passwords);

    // Whether `given` lets a client into `room`: always for a room without
    // a password; otherwise only the room's password. Comparing two
    // fixed-size digests in constant time reveals neither the password nor
    // its length.
    bool allows(std::string_view room, std::string_view given) const;
    // The rooms that have a password.
    size_t size() const noexcept;

private:
    struct Entry {
        std::string room;
        crypto::Sha256Digest digest;
    };
    // Never changed once published, swapped whole, for the reasons
    // auth::Verifier gives for its keys.
    using Table = std::vector<Entry>;
    std::atomic<std::shared_ptr<const Table>> table_;
};

}  // namespace wshub::auth
