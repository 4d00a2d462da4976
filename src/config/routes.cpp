#include "config/routes.h"

#include <cstdint>

#include "config/route_spec.h"
#include "http/request.h"

namespace wshub::config {
namespace {

std::string_view mode_text(const Config& c, const Route& r) { return c.mode_of(r); }

// How well route host `pattern` fits a request's `host`: 0 not at all, 1 a
// route on any host, a wildcard its suffix's length + 1 (the longest wins),
// and an exact host above every wildcard.
size_t host_fit(std::string_view pattern, std::string_view host) noexcept {
    if (pattern.empty()) return 1;
    if (pattern.front() != '*') return http::iequals(pattern, host) ? SIZE_MAX : 0;
    const std::string_view suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && http::iequals(host.substr(host.size() - suffix.size()), suffix)
               ? suffix.size() + 1
               : 0;
}

// Why routes `a` and `b` (b after a, same namespace) may not share it, or "".
std::string clash(const Config& c, const Route& a, const Route& b) {
    const std::string where = "--route: " + a.target() + " and " + b.target() + " share rooms '" + a.rooms + "'";
    if (a.mode != b.mode || a.custom != b.custom)
        return where + " but " + a.target() + " is " + std::string(mode_text(c, a)) + " and " + b.target() + " is " +
               std::string(mode_text(c, b)) + ": routes of different modes cannot share rooms";
    const Route* open = !a.auth && b.auth ? &a : a.auth && !b.auth ? &b : nullptr;
    if (open && !open->anonymous)
        return where + ", and " + open->target() + " is public: add ,anonymous to " + open->target() +
               " if anonymous clients may read and write the rooms of ,auth clients";
    return {};
}

}  // namespace

std::string add_route(Config& c, std::string_view v) {
    Route r;
    if (std::string why = parse_route_spec(c, v, r); !why.empty()) return why;
    for (const auto& other : c.routes)
        if (other.host == r.host && other.path == r.path)
            return "expected each PATH once on each HOST, and " + r.target() + " is given twice";
    if (c.routes.size() >= kMaxRoutes) return "expected at most " + std::to_string(kMaxRoutes) + " routes";
    c.routes.push_back(std::move(r));
    return {};
}

std::string assign_namespaces(Config& c) {
    c.namespaces.clear();
    for (size_t i = 0; i < c.routes.size(); ++i) {
        Route& r = c.routes[i];
        const std::string name = r.rooms.empty() ? r.target() : r.rooms;
        const int found = c.find_namespace(name);
        if (found < 0) {
            if (c.namespaces.size() == hub::kMaxNamespaces)
                return "--route: expected at most " + std::to_string(hub::kMaxNamespaces) +
                       " room namespaces (routes may share one with rooms=NAME)";
            r.ns = uint16_t(c.namespaces.size());
            c.namespaces.push_back(name);
            continue;
        }
        r.ns = uint16_t(found);
        for (size_t j = 0; j < i; ++j)
            if (c.routes[j].ns == r.ns)
                if (std::string why = clash(c, c.routes[j], r); !why.empty()) return why;
    }
    for (const Route& r : c.routes) {
        bool beside_auth = false;
        for (const Route& other : c.routes) beside_auth = beside_auth || (other.ns == r.ns && other.auth);
        if (r.anonymous && (r.auth || !beside_auth))
            return "--route: " + r.target() + " is marked ,anonymous but shares no rooms with an ,auth route";
    }
    return {};
}

const Route* Config::find_route(std::string_view host, std::string_view path) const noexcept {
    const Route* best = nullptr;
    size_t best_fit = 0;
    for (const Route& r : routes) {
        if (r.path != path) continue;
        if (const size_t fit = host_fit(r.host, host); fit > best_fit) {
            best = &r;
            best_fit = fit;
        }
    }
    return best;
}

int Config::find_namespace(std::string_view name) const noexcept {
    for (size_t i = 0; i < namespaces.size(); ++i)
        if (namespaces[i] == name) return int(i);
    return -1;
}

}  // namespace wshub::config
