#include "auth/room_passwords.h"

#include <utility>

#include "crypto/constant_time.h"

namespace wshub::auth {

RoomPasswords::RoomPasswords(std::span<const RoomPassword> passwords) { replace(passwords); }

void RoomPasswords::replace(std::span<const RoomPassword> passwords) {
    auto table = std::make_shared<Table>();
    table->reserve(passwords.size());
    for (const RoomPassword& p : passwords) table->push_back({p.room, crypto::sha256(p.secret)});
    table_.store(std::move(table), std::memory_order_release);
}

bool RoomPasswords::allows(std::string_view room, std::string_view given) const {
    const std::shared_ptr<const Table> table = table_.load(std::memory_order_acquire);
    for (const Entry& e : *table) {
        if (e.room != room) continue;
        const crypto::Sha256Digest digest = crypto::sha256(given);
        return crypto::equal_constant_time(digest.data(), e.digest.data(), digest.size());
    }
    return true;
}

size_t RoomPasswords::size() const noexcept { return table_.load(std::memory_order_acquire)->size(); }

}  // namespace wshub::auth
