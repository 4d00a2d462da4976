#include "config/routes.h"

#include <algorithm>
#include <cctype>

namespace wshub::config {
namespace {

constexpr std::string_view kOptions = "[,auth][,rooms=NAME][,anonymous][,compress]";

std::string accepts(const Config& c) {
    std::string a = "expected PATH=MODE" + std::string(kOptions) + " with PATH starting with '/', MODE echo, raw, json";
    for (const auto& name : c.custom_modes) a += ", " + name;
    return a + ", and NAME of letters, digits, '-', '_' and '.'";
}

bool valid_namespace_name(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    });
}

bool parse_mode(const Config& c, std::string_view mode, Route& r) {
    if (mode == "echo") r.mode = RouteMode::echo;
    else if (mode == "raw") r.mode = RouteMode::raw;
    else if (mode == "json") r.mode = RouteMode::json;
    else {
        auto it = std::find(c.custom_modes.begin(), c.custom_modes.end(), mode);
        if (it == c.custom_modes.end()) return false;
        r.mode = RouteMode::custom;
        r.custom = uint8_t(it - c.custom_modes.begin());
    }
    return true;
}

// The options after MODE (at least one), each at most once.
bool parse_options(std::string_view rest, Route& r) {
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
        } else {
            return false;
        }
        if (comma == std::string_view::npos) return true;
        rest = rest.substr(comma + 1);
    }
}

std::string_view mode_text(const Config& c, const Route& r) { return c.mode_of(r); }

// Why routes `a` and `b` (b after a, same namespace) may not share it, or "".
std::string clash(const Config& c, const Route& a, const Route& b) {
    const std::string where = "--route: " + a.path + " and " + b.path + " share rooms '" + a.rooms + "'";
    if (a.mode != b.mode || a.custom != b.custom)
        return where + " but " + a.path + " is " + std::string(mode_text(c, a)) + " and " + b.path + " is " +
               std::string(mode_text(c, b)) + ": routes of different modes cannot share rooms";
    const Route* open = !a.auth && b.auth ? &a : a.auth && !b.auth ? &b : nullptr;
    if (open && !open->anonymous)
        return where + ", and " + open->path + " is public: add ,anonymous to " + open->path +
               " if anonymous clients may read and write the rooms of ,auth clients";
    return {};
}

}  // namespace

std::string add_route(Config& c, std::string_view v) {
    const size_t eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0 || v[0] != '/') return accepts(c);
    const std::string_view path = v.substr(0, eq);
    const std::string_view spec = v.substr(eq + 1);
    const size_t comma = spec.find(',');
    Route r;
    r.path = path;
    if (path.find_first_of("? \t#") != std::string_view::npos || !parse_mode(c, spec.substr(0, comma), r) ||
        (comma != std::string_view::npos && !parse_options(spec.substr(comma + 1), r)))
        return accepts(c);
    for (const auto& other : c.routes)
        if (other.path == path) return "expected each PATH once, got '" + std::string(path) + "' twice";
    if (c.routes.size() >= kMaxRoutes) return "expected at most " + std::to_string(kMaxRoutes) + " routes";
    c.routes.push_back(std::move(r));
    return {};
}

std::string assign_namespaces(Config& c) {
    c.namespaces.clear();
    for (size_t i = 0; i < c.routes.size(); ++i) {
        Route& r = c.routes[i];
        const std::string name = r.rooms.empty() ? r.path : r.rooms;
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
            return "--route: " + r.path + " is marked ,anonymous but shares no rooms with an ,auth route";
    }
    return {};
}

int Config::find_namespace(std::string_view name) const noexcept {
    for (size_t i = 0; i < namespaces.size(); ++i)
        if (namespaces[i] == name) return int(i);
    return -1;
}

}  // namespace wshub::config
