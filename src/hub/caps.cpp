#include "hub/caps.h"

namespace wshub::hub {

Caps::Taken Caps::take(const net::IpKey& peer) {
    // Counted first, then checked: two workers racing for the last place
    // cannot both get it.
    if (open_.fetch_add(1, std::memory_order_relaxed) >= max_conns_ && max_conns_ != 0) {
        open_.fetch_sub(1, std::memory_order_relaxed);
        return Taken::full;
    }
    if (max_per_address_ != 0 && !per_address_.acquire(peer, max_per_address_)) {
        open_.fetch_sub(1, std::memory_order_relaxed);
        return Taken::address_full;
    }
    return Taken::ok;
}

void Caps::give_back(const net::IpKey& peer) noexcept {
    if (max_per_address_ != 0) per_address_.release(peer);
    open_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace wshub::hub
