// The other nodes a worker has heard from (heartbeats, and any news of
// their members), and when: a node unheard for --node-timeout is taken for
// dead. While the worker's own bus is down it hears nobody, so it judges
// nobody: the clock starts again for every node once it is back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace wshub::bus {

class NodeTable {
public:
    void heard(uint32_t node, uint64_t now_ms) { last_[node] = now_ms; }
    void forget(uint32_t node) noexcept { last_.erase(node); }
    bool known(uint32_t node) const noexcept { return last_.count(node) != 0; }
    size_t size() const noexcept { return last_.size(); }
    // Every node's clock starts again (the worker's bus is back).
    void restart_clocks(uint64_t now_ms) noexcept {
        for (auto& [node, last] : last_) last = now_ms;
    }
    // The nodes unheard for over `timeout_ms`, forgotten.
    std::vector<uint32_t> expire(uint64_t now_ms, uint64_t timeout_ms);

private:
    std::unordered_map<uint32_t, uint64_t> last_;
};

}  // namespace wshub::bus
