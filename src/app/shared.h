// What the workers share: the configuration, the room registry, each
// other's inboxes, and the global counts that caps are checked against.
// Everything here is either immutable after start-up or atomic/locked.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "config/config.h"
#include "hub/registry.h"
#include "net/ip_limiter.h"
#include "wshub/handler.h"

namespace wshub::app {

class Worker;

struct Shared {
    explicit Shared(const config::Config& c) : cfg(c), registry(c.workers) {}

    const config::Config& cfg;
    hub::Registry registry;
    std::vector<Worker*> workers;          // filled before any worker runs
    std::atomic<uint64_t> open_conns{0};   // upgraded connections, for --max-conns
    net::IpLimiter per_ip;                 // for --max-conns-per-ip
    wshub::Handler* builtin[3] = {};       // echo, raw, json (config::RouteMode order)
    std::vector<wshub::Handler*> custom;   // by Route::custom

    wshub::Handler* handler_for(const config::Route& r) const noexcept {
        return r.mode == config::RouteMode::custom ? custom[r.custom] : builtin[int(r.mode)];
    }
};

}  // namespace wshub::app
