#include "config/route_spec.h"

#include <algorithm>
#include <cctype>

namespace wshub::config {
namespace {

constexpr std::string_view kOptions =
    "[,auth][,scope=SCOPE...][,rooms=NAME][,anonymous][,compress][,upstream=URL...]";
constexpr std::string_view kWildcard = "*.";
constexpr size_t kMaxScopes = 16;
constexpr size_t kMaxScopeBytes = 128;
constexpr size_t kMaxUpstreams = 16;

std::string accepts(const Config& c) {
    std::string a = "expected PATH=MODE or HOST/PATH=MODE" + std::string(kOptions) +
                    " with PATH starting with '/', HOST a DNS name or *.NAME, MODE echo, raw, json, proxy";
    for (const auto& name : c.custom_modes) a += ", " + name;
    return a + ", SCOPE of printable ASCII but space, '\"', '\\' and ',', and NAME of letters, digits, '-', '_' "
               "and '.'";
}

bool valid_namespace_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    });
}

// RFC 6749 section 3.3's scope-token (NQCHAR: visible ASCII but '"' and
// '\'), without ',', which ends an option here.
bool valid_scope(std::string_view s) {
    if (s.empty() || s.size() > kMaxScopeBytes) return false;
    return std::all_of(s.begin(), s.end(),
                       [](char ch) { return ch > ' ' && ch < 0x7f && ch != '"' && ch != '\\' && ch != ','; });
}

bool valid_label(std::string_view label) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(),
                       [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-'; });
}

// The host as a route keeps it (lower case), or "" if it is none.
std::string host_pattern(std::string_view host) {
    std::string_view name = host.starts_with(kWildcard) ? host.substr(kWildcard.size()) : host;
    if (name.empty() || name.size() > 253) return {};
    for (size_t at = 0; at <= name.size();) {
        const size_t dot = std::min(name.find('.', at), name.size());
        if (!valid_label(name.substr(at, dot - at))) return {};
        at = dot + 1;
    }
    std::string out(host);
    for (char& ch : out) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    return out;
}

bool parse_mode(const Config& c, std::string_view mode, Route& r) {
    if (mode == "echo") r.mode = RouteMode::echo;
    else if (mode == "raw") r.mode = RouteMode::raw;
    else if (mode == "json") r.mode = RouteMode::json;
    else if (mode == "proxy") r.mode = RouteMode::proxy;
    else {
        auto it = std::find(c.custom_modes.begin(), c.custom_modes.end(), mode);
        if (it == c.custom_modes.end()) return false;
        r.mode = RouteMode::custom;
        r.custom = uint8_t(it - c.custom_modes.begin());
    }
    return true;
}

bool add_scope(std::string_view scope, Route& r) {
    if (!valid_scope(scope) || r.scopes.size() == kMaxScopes) return false;
    if (std::find(r.scopes.begin(), r.scopes.end(), scope) != r.scopes.end()) return false;
    r.scopes.emplace_back(scope);
    return true;
}

// ,upstream=URL: "" when added, else why not.
std::string add_upstream(std::string_view url, Route& r) {
    UpstreamUrl u;
    std::string why;
    if (!parse_upstream_url(url, u, why)) return "upstream=" + std::string(url) + ": " + why;
    if (r.upstreams.size() == kMaxUpstreams) return "expected at most " + std::to_string(kMaxUpstreams) + " upstreams";
    r.upstreams.push_back(std::move(u));
    return {};
}

// The options after MODE (at least one), each at most once (scope= once
// per scope); "" when read, "-" for the usage text, else why not.
std::string parse_options(std::string_view rest, Route& r) {
    bool rooms_seen = false;
    for (;;) {
        const size_t comma = rest.find(',');
        const std::string_view opt = rest.substr(0, comma);
        if (opt == "auth" && !r.auth) {
            r.auth = true;
        } else if (opt == "anonymous" && !r.anonymous) {
            r.anonymous = true;
        } else if (opt == "compress" && !r.compress) {
            r.compress = true;
        } else if (opt.starts_with("rooms=") && !rooms_seen && valid_namespace_name(opt.substr(6))) {
            r.rooms = opt.substr(6);
            rooms_seen = true;
        } else if (opt.starts_with("upstream=")) {
            if (std::string why = add_upstream(opt.substr(9), r); !why.empty()) return why;
        } else if (!(opt.starts_with("scope=") && add_scope(opt.substr(6), r))) {
            return "-";
        }
        if (comma == std::string_view::npos) return {};
        rest = rest.substr(comma + 1);
    }
}

// "HOST/PATH" or "/PATH" into the route; false if either is not one.
bool parse_target(std::string_view target, Route& r) {
    const size_t slash = target.find('/');
    if (slash == std::string_view::npos) return false;
    const std::string_view path = target.substr(slash);
    if (path.find_first_of("? \t#") != std::string_view::npos) return false;
    if (slash > 0) {
        r.host = host_pattern(target.substr(0, slash));
        if (r.host.empty()) return false;
    }
    r.path = path;
    return true;
}

// What a proxy route takes, and only it: its upstreams. Rooms are the
// upstream's business, and so is compression (no extension is offered).
std::string proxy_rules(const Route& r) {
    if (r.mode != RouteMode::proxy) return r.upstreams.empty() ? "" : "expected upstream= only on a proxy route";
    if (r.upstreams.empty()) return "expected ,upstream=ws://HOST:PORT/PATH on a proxy route";
    if (!r.rooms.empty() || r.anonymous || r.compress)
        return "expected only ,auth, ,scope= and ,upstream= on a proxy route (it has no rooms, and its "
               "messages are the upstream's)";
    return {};
}

}  // namespace

const char* mode_name(RouteMode mode) noexcept {
    switch (mode) {
    case RouteMode::echo: return "echo";
    case RouteMode::raw: return "raw";
    case RouteMode::json: return "json";
    case RouteMode::custom: return "custom";
    case RouteMode::proxy: return "proxy";
    }
    return "?";
}

std::string_view Config::mode_of(const Route& r) const noexcept {
    return r.mode == RouteMode::custom ? std::string_view(custom_modes[r.custom]) : mode_name(r.mode);
}

std::string parse_route_spec(const Config& c, std::string_view spec, Route& out) {
    const size_t eq = spec.find('=');
    if (eq == std::string_view::npos || !parse_target(spec.substr(0, eq), out)) return accepts(c);
    const std::string_view rest = spec.substr(eq + 1);
    const size_t comma = rest.find(',');
    if (!parse_mode(c, rest.substr(0, comma), out)) return accepts(c);
    if (comma != std::string_view::npos) {
        const std::string why = parse_options(rest.substr(comma + 1), out);
        if (why == "-") return accepts(c);
        if (!why.empty()) return why;
    }
    if (!out.scopes.empty() && !out.auth)
        return "expected ,auth beside scope= (only a token has scopes)";
    return proxy_rules(out);
}

std::string route_spec(const Config& c, const Route& r) {
    std::string s = r.target() + "=";
    s += c.mode_of(r);
    if (r.auth) s += ",auth";
    for (const std::string& scope : r.scopes) s += ",scope=" + scope;
    if (!r.rooms.empty()) s += ",rooms=" + r.rooms;
    if (r.anonymous) s += ",anonymous";
    if (r.compress) s += ",compress";
    for (const UpstreamUrl& u : r.upstreams) s += ",upstream=" + u.url;
    return s;
}

size_t route_spec_length(std::string_view list) noexcept {
    for (size_t comma = list.find(','); comma != std::string_view::npos; comma = list.find(',', comma + 1)) {
        const std::string_view next = list.substr(comma + 1);
        const std::string_view before_eq = next.substr(0, std::min(next.find('='), next.find(',')));
        if (before_eq.find('/') != std::string_view::npos) return comma;
    }
    return list.size();
}

}  // namespace wshub::config
