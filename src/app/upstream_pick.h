// Which of a proxy route's upstreams a client is carried to: each in turn,
// skipping those that failed recently. A failure sets an upstream aside
// (redis::Backoff's ceiling, half of it fixed and half drawn at random:
// 0.5-1 s after the first failure in a row, doubling up to 15-30 s); a
// success clears it. When every
// upstream of the route is set aside, the one whose time is up first is
// tried anyway: a client gets an attempt rather than a refusal on old news.
// One per worker (share-nothing): each learns of failures on its own.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "redis/backoff.h"

namespace wshub::app {

class UpstreamPicker {
public:
    UpstreamPicker(const config::Config& c, uint64_t seed);

    // The next upstream of proxy route `route` (its index in the route's
    // upstreams).
    uint32_t pick(uint16_t route, uint64_t now_ms) noexcept;
    void failed(uint16_t route, uint32_t upstream, uint64_t now_ms) noexcept;
    void succeeded(uint16_t route, uint32_t upstream) noexcept;
    // Set aside at now_ms (for tests and the logs).
    bool aside(uint16_t route, uint32_t upstream, uint64_t now_ms) const noexcept;

private:
    static constexpr uint32_t kFirstBackoffMs = 1'000;
    static constexpr uint32_t kMaxBackoffMs = 30'000;
    struct Health {
        redis::Backoff backoff;
        uint64_t aside_until = 0;
    };
    struct RouteState {
        uint32_t next = 0;
        std::vector<Health> upstreams;
    };
    std::vector<RouteState> routes_;  // by route index; empty for other modes
};

}  // namespace wshub::app
