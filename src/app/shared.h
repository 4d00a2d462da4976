// What the workers share: the configuration, the room registry, each
// other's inboxes, and the global counts that caps are checked against.
// Everything here is either immutable after start-up or atomic/locked.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "hub/registry.h"
#include "wshub/handler.h"

namespace wshub::app {

class Worker;

struct Shared {
    explicit Shared(const config::Config& c) : cfg(c), registry(c.workers) {}

    const config::Config& cfg;
    hub::Registry registry;
    std::vector<Worker*> workers;          // filled before any worker runs
    std::atomic<uint64_t> open_conns{0};   // upgraded connections, for --max-conns
    wshub::Handler* handlers[2] = {};      // by config::RouteMode

    wshub::Handler* handler_for(config::RouteMode mode) const noexcept { return handlers[int(mode)]; }
};

}  // namespace wshub::app
