// The process-wide table of rooms, one map per namespace (config::Route::ns:
// the same name in two namespaces is two rooms). A room exists while any
// worker has local members in it or a cross-worker delivery to it is in
// flight: each holds one reference. The table lock is taken only to find or create a room (a
// worker's first local member joining) and to remove a dead one, never to
// publish. Per-worker member counts tell a publisher which workers to wake.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/spin_lock.h"

namespace wshub::hub {

// What may name a room: 1 to 128 bytes, no control characters.
inline bool valid_room_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 128) return false;
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

struct Room {
    struct PerWorker {
        std::atomic<uint32_t> members{0};
        // Held by the worker while it changes `local` or its list of
        // members, and by another worker while it reads them
        // (Hub::list_members). Nothing else of `local` is read elsewhere.
        SpinLock list_lock;
        void* local = nullptr;  // the worker's own LocalRoom
    };
    static_assert(sizeof(PerWorker) <= 16, "the lock fits in PerWorker's padding");

    std::string name;
    uint16_t ns = 0;
    std::atomic<uint32_t> refs{0};
    std::atomic<uint32_t> members{0};  // across all workers, for --max-room-conns
    // Numbers publishes, so a member joining while a message is on its way
    // to its worker does not receive a message published before it joined.
    std::atomic<uint64_t> seq{0};
    std::unique_ptr<PerWorker[]> workers;
};

class Registry {
public:
    explicit Registry(unsigned workers, unsigned namespaces = 1) : workers_(workers), rooms_(namespaces) {}
    ~Registry();
    Registry(const Registry&) = delete;
    Registry& operator=(const Registry&) = delete;

    // Finds or creates the room and takes a reference to it.
    Room* acquire(uint16_t ns, std::string_view name);
    // Takes another reference to a room the caller already holds one of.
    static void retain(Room* r) noexcept { r->refs.fetch_add(1, std::memory_order_relaxed); }
    // Drops a reference; the last one removes the room from the table.
    void release(Room* r) noexcept;

    // Reserves a member place in the room if it has fewer than `cap`
    // members (0: no cap). False when full.
    static bool reserve_member(Room* r, uint32_t cap) noexcept;
    static void unreserve_member(Room* r) noexcept { r->members.fetch_sub(1, std::memory_order_relaxed); }

    size_t room_count() const;
    unsigned workers() const noexcept { return workers_; }
    unsigned namespaces() const noexcept { return unsigned(rooms_.size()); }

private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    unsigned workers_;
    mutable std::mutex mu_;
    std::vector<std::unordered_map<std::string, Room*, Hash, std::equal_to<>>> rooms_;  // by namespace
};

}  // namespace wshub::hub
