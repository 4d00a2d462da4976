// libFuzzer target for --route's specs (config/route_spec.h, routes.h) and
// the Host a request is routed by (http/host.h). The input is a WSHUB_ROUTE
// list, then after a '\n' a Host header value. Besides crashes and UB it
// traps on broken contracts:
// - route_spec_length cuts the list at a comma or its end;
// - a spec taken has a path starting with '/', a host in lower case of
//   letters, digits, '-' and '.' (or "*." and those), scopes only with
//   ,auth; written back (route_spec) it reads again to the same text;
// - a spec refused says why on one line;
// - the routes taken find themselves: each by its own exact host (or any
//   host, for a path-only one) and path, and none for a path no route has;
// - host_name is a prefix of the Host value with no port: no ':' unless
//   bracketed, and one trailing '.' dropped.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/route_spec.h"
#include "config/routes.h"
#include "http/host.h"
#include "http/request.h"
#include "require.h"

using namespace wshub;
using fuzz::require;

namespace {

void check_taken(const config::Config& c, const config::Route& r) {
    require(r.path.starts_with('/'), "a path not starting with '/'");
    for (size_t i = 0; i < r.host.size(); ++i) {
        const unsigned char ch = static_cast<unsigned char>(r.host[i]);
        const bool wildcard = i == 0 && ch == '*';
        require(wildcard || std::islower(ch) || std::isdigit(ch) || ch == '-' || ch == '.', "a host character");
    }
    require(r.scopes.empty() || r.auth, "scopes without ,auth");
    const std::string written = config::route_spec(c, r);
    require(written.find(' ') == std::string::npos, "a space in a written spec");
    config::Route again;
    require(config::parse_route_spec(c, written, again).empty(), "a written spec refused");
    require(config::route_spec(c, again) == written, "a written spec read to another");
}

void check_routes(std::string_view list) {
    config::Config c;
    while (!list.empty()) {
        const size_t len = config::route_spec_length(list);
        require(len <= list.size() && (len == list.size() || list[len] == ','), "a cut not at a comma");
        const std::string_view spec = list.substr(0, len);
        config::Route r;
        const std::string why = config::parse_route_spec(c, spec, r);
        if (why.empty()) check_taken(c, r);
        else require(why.find('\n') == std::string::npos, "a reason of several lines");
        if (config::add_route(c, spec).empty()) require(c.routes.back().target() == r.target(), "added another");
        list.remove_prefix(len == list.size() ? len : len + 1);
    }
    for (const config::Route& r : c.routes) {
        if (r.host.starts_with('*')) continue;
        require(c.find_route(r.host, r.path) == &r, "a route not found by its own host and path");
    }
    require(c.find_route("", "no-route-path") == nullptr, "a route for a path without '/'");
}

void check_host(std::string_view value) {
    http::Request req;
    req.headers[0] = {"Host", value};
    req.header_count = 1;
    const std::string_view host = http::host_name(req);
    require(value.substr(0, host.size()) == host, "not a prefix of the Host");
    require(!host.ends_with('.') || value.substr(host.size()).starts_with('.'), "a trailing dot kept");
    if (!host.starts_with('[')) require(host.find(':') == std::string_view::npos, "a port left on");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nl = input.find('\n');
    check_routes(input.substr(0, nl));
    if (nl != std::string_view::npos) check_host(input.substr(nl + 1));
    return 0;
}
