#include "app/upstream_pick.h"

namespace wshub::app {

UpstreamPicker::UpstreamPicker(const config::Config& c, uint64_t seed) {
    routes_.resize(c.routes.size());
    for (size_t r = 0; r < c.routes.size(); ++r)
        for (size_t i = 0; i < c.routes[r].upstreams.size(); ++i)
            routes_[r].upstreams.push_back({redis::Backoff(kFirstBackoffMs, kMaxBackoffMs, seed + r * 131 + i), 0});
}

uint32_t UpstreamPicker::pick(uint16_t route, uint64_t now_ms) noexcept {
    RouteState& rs = routes_[route];
    const auto n = uint32_t(rs.upstreams.size());
    uint32_t soonest = rs.next % n;
    for (uint32_t k = 0; k < n; ++k) {
        const uint32_t i = (rs.next + k) % n;
        if (rs.upstreams[i].aside_until <= now_ms) {
            rs.next = i + 1;
            return i;
        }
        if (rs.upstreams[i].aside_until < rs.upstreams[soonest].aside_until) soonest = i;
    }
    rs.next = soonest + 1;
    return soonest;
}

void UpstreamPicker::failed(uint16_t route, uint32_t upstream, uint64_t now_ms) noexcept {
    Health& h = routes_[route].upstreams[upstream];
    // Half the ceiling, and a random half: never retried at once.
    const uint32_t ceiling = h.backoff.ceiling();
    h.aside_until = now_ms + ceiling / 2 + h.backoff.next() / 2;
}

void UpstreamPicker::succeeded(uint16_t route, uint32_t upstream) noexcept {
    Health& h = routes_[route].upstreams[upstream];
    h.backoff.reset();
    h.aside_until = 0;
}

bool UpstreamPicker::aside(uint16_t route, uint32_t upstream, uint64_t now_ms) const noexcept {
    return routes_[route].upstreams[upstream].aside_until > now_ms;
}

}  // namespace wshub::app
