#include "bus/node_table.h"

namespace wshub::bus {

std::vector<uint32_t> NodeTable::expire(uint64_t now_ms, uint64_t timeout_ms) {
    std::vector<uint32_t> gone;
    for (auto it = last_.begin(); it != last_.end();) {
        if (now_ms - it->second > timeout_ms) {
            gone.push_back(it->first);
            it = last_.erase(it);
        } else {
            ++it;
        }
    }
    return gone;
}

}  // namespace wshub::bus
