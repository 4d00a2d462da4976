#include "hub/registry.h"

namespace wshub::hub {

Registry::~Registry() {
    for (auto& map : rooms_)
        for (auto& [name, room] : map) delete room;
}

Room* Registry::acquire(uint16_t ns, std::string_view name) {
    std::lock_guard lock(mu_);
    auto& map = rooms_[ns];
    auto it = map.find(name);
    if (it != map.end()) {
        Room* r = it->second;
        // A room whose count already reached zero is being removed by the
        // thread that dropped it; it must not be revived. Replace it.
        uint32_t refs = r->refs.load(std::memory_order_relaxed);
        while (refs != 0)
            if (r->refs.compare_exchange_weak(refs, refs + 1, std::memory_order_acquire)) return r;
    }
    auto* r = new Room;
    r->name.assign(name);
    r->ns = ns;
    r->refs.store(1, std::memory_order_relaxed);
    r->workers = std::make_unique<Room::PerWorker[]>(workers_);
    if (it != map.end())
        it->second = r;
    else
        map.emplace(r->name, r);
    return r;
}

void Registry::release(Room* r) noexcept {
    if (r->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Only the thread that took the count to zero gets here, and nobody can
    // take a new reference to r any more (acquire() refuses a zero count).
    {
        std::lock_guard lock(mu_);
        auto& map = rooms_[r->ns];
        auto it = map.find(r->name);
        if (it != map.end() && it->second == r) map.erase(it);
    }
    delete r;
}

bool Registry::reserve_member(Room* r, uint32_t cap) noexcept {
    uint32_t n = r->members.load(std::memory_order_relaxed);
    do {
        if (cap != 0 && n >= cap) return false;
    } while (!r->members.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return true;
}

size_t Registry::room_count() const {
    std::lock_guard lock(mu_);
    size_t n = 0;
    for (const auto& map : rooms_) n += map.size();
    return n;
}

}  // namespace wshub::hub
