// --route's specs (host, path, scopes) read and written back, the routes a
// request's Host and path find, and the Host header's host.
#include <algorithm>
#include <string>
#include <vector>

#include "check.h"
#include "config/config.h"
#include "config/route_spec.h"
#include "config/routes.h"
#include "http/host.h"
#include "http/request.h"

using wshub::config::Config;
using wshub::config::Route;
using wshub::config::RouteMode;

namespace {

constexpr std::string_view kAccepts = "expected PATH=MODE or HOST/PATH=MODE";

std::string parse_one(std::string_view spec, Route& r) {
    const Config c;
    return wshub::config::parse_route_spec(c, spec, r);
}

// A Config holding `specs` as routes, with their namespaces; "" or the first
// error.
std::string configure(Config& c, std::initializer_list<std::string_view> specs) {
    c.routes.clear();
    for (const std::string_view s : specs)
        if (std::string why = wshub::config::add_route(c, s); !why.empty()) return why;
    return wshub::config::assign_namespaces(c);
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : " ") + s;
    return out;
}

}  // namespace

TEST(routes_spec_accepted) {
    const std::string label63(63, 'a');
    const std::string host253 = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'd');
    const struct {
        std::string spec;
        std::string host, path, scopes;
        RouteMode mode;
    } cases[] = {
        {"/ws=json", "", "/ws", "", RouteMode::json},
        {"Chat.Example.COM/ws=json", "chat.example.com", "/ws", "", RouteMode::json},
        {"*.example.com/ws=raw", "*.example.com", "/ws", "", RouteMode::raw},
        {"*.Example.Com/a/b=echo", "*.example.com", "/a/b", "", RouteMode::echo},
        {"localhost/=echo", "localhost", "/", "", RouteMode::echo},
        {"127.0.0.1/ws=echo", "127.0.0.1", "/ws", "", RouteMode::echo},
        {"x-1.a-b.example/ws=echo", "x-1.a-b.example", "/ws", "", RouteMode::echo},
        {label63 + ".com/ws=echo", label63 + ".com", "/ws", "", RouteMode::echo},
        {host253 + "/ws=echo", host253, "/ws", "", RouteMode::echo},
        {"/a=json,auth,scope=admin:write", "", "/a", "admin:write", RouteMode::json},
        {"/a=json,scope=b,auth,scope=a", "", "/a", "b a", RouteMode::json},
        {"/a=json,auth,scope=https://x.example/read,scope=a=b", "", "/a", "https://x.example/read a=b",
         RouteMode::json},
        {"h.example/a=json,auth,scope=!#$%&'()*+-./:;<=>?@[]^_`{|}~", "h.example", "/a", "!#$%&'()*+-./:;<=>?@[]^_`{|}~",
         RouteMode::json},
    };
    for (const auto& k : cases) {
        Route r;
        CHECK_EQ(parse_one(k.spec, r), "");
        CHECK_EQ(r.host, k.host);
        CHECK_EQ(r.path, k.path);
        CHECK_EQ(joined(r.scopes), k.scopes);
        CHECK(r.mode == k.mode);
    }
}

TEST(routes_spec_refused) {
    const std::string too_many_scopes = [] {
        std::string s = "/a=json,auth";
        for (int i = 0; i < 17; ++i) s += ",scope=s" + std::to_string(i);
        return s;
    }();
    const struct {
        std::string spec;
        std::string_view expect;  // the error starts with this
    } cases[] = {
        {"ws=json", kAccepts},                 // no '/'
        {"a.com=json", kAccepts},
        {"[::1]/ws=echo", kAccepts},           // IPv6 literals are not taken
        {"a.com:8080/ws=echo", kAccepts},      // a port is never part of a route's host
        {"a..b/ws=echo", kAccepts},
        {".a.com/ws=echo", kAccepts},
        {"a.com./ws=echo", kAccepts},          // the trailing dot: Host's is dropped before matching
        {"-a.com/ws=echo", kAccepts},
        {"a-.com/ws=echo", kAccepts},
        {"a_b.com/ws=echo", kAccepts},
        {"*/ws=echo", kAccepts},
        {"*./ws=echo", kAccepts},
        {"*.*.a.com/ws=echo", kAccepts},
        {"a.*.com/ws=echo", kAccepts},
        {"*a.com/ws=echo", kAccepts},
        {std::string(64, 'a') + ".com/ws=echo", kAccepts},
        {std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(62, 'd') +
             "/ws=echo",
         kAccepts},  // 254 bytes
        {"a.com/w s=echo", kAccepts},
        {"/a=json,auth,scope=", kAccepts},
        {"/a=json,auth,scope=x,scope=x", kAccepts},
        {"/a=json,auth,scope=a\"b", kAccepts},
        {"/a=json,auth,scope=a\\b", kAccepts},
        {"/a=json,auth,scope=a b", kAccepts},
        {"/a=json,auth,scope=" + std::string(129, 's'), kAccepts},
        {too_many_scopes, kAccepts},
        {"/a=json,scope=x", "expected ,auth beside scope="},
        {"a.com/a=echo,compress,scope=x", "expected ,auth beside scope="},
    };
    for (const auto& k : cases) {
        Route r;
        const std::string why = parse_one(k.spec, r);
        CHECK_EQ(why.substr(0, k.expect.size()), k.expect);
    }
    Route r;
    CHECK_EQ(parse_one("/a=json,auth,scope=" + std::string(128, 's'), r), "");
    std::string sixteen = "/a=json,auth";
    for (int i = 0; i < 16; ++i) sixteen += ",scope=s" + std::to_string(i);
    Route s;
    CHECK_EQ(parse_one(sixteen, s), "");
    CHECK_EQ(s.scopes.size(), size_t(16));
}

// What the start log shows: the whole spec, in one order, which reads back
// to the same route.
TEST(routes_spec_written_back) {
    const struct {
        std::string_view spec, written;
    } cases[] = {
        {"/ws=json", "/ws=json"},
        {"Chat.Example.com/ws=json", "chat.example.com/ws=json"},
        {"/a=json,compress,anonymous,rooms=lobby", "/a=json,rooms=lobby,anonymous,compress"},
        {"*.EXAMPLE.com/a=raw,scope=w,rooms=r,auth,scope=v,compress",
         "*.example.com/a=raw,auth,scope=w,scope=v,rooms=r,compress"},
    };
    for (const auto& k : cases) {
        const Config c;
        Route r, again;
        CHECK_EQ(wshub::config::parse_route_spec(c, k.spec, r), "");
        const std::string written = wshub::config::route_spec(c, r);
        CHECK_EQ(written, k.written);
        CHECK_EQ(wshub::config::parse_route_spec(c, written, again), "");
        CHECK_EQ(wshub::config::route_spec(c, again), written);
    }
}

TEST(routes_same_path_on_hosts) {
    Config c;
    CHECK_EQ(configure(c, {"/ws=echo", "a.example/ws=json", "b.example/ws=raw", "*.example/ws=json"}), "");
    CHECK_EQ(c.routes.size(), size_t(4));
    // Each its own namespace, the host route's named HOST/PATH.
    CHECK_EQ(joined(c.namespaces), "/ws a.example/ws b.example/ws *.example/ws");
    CHECK_EQ(configure(c, {"a.example/ws=json", "A.EXAMPLE/ws=raw"}),
             "expected each PATH once on each HOST, and a.example/ws is given twice");
    CHECK_EQ(configure(c, {"*.a.example/ws=json", "*.A.example/ws=raw"}),
             "expected each PATH once on each HOST, and *.a.example/ws is given twice");
    CHECK_EQ(configure(c, {"/ws=json", "/ws=raw"}), "expected each PATH once on each HOST, and /ws is given twice");
    // rooms=NAME shares, as for routes on any host.
    CHECK_EQ(configure(c, {"a.example/ws=json,rooms=lobby", "/chat=json,rooms=lobby"}), "");
    CHECK_EQ(joined(c.namespaces), "lobby");
    CHECK_EQ(configure(c, {"a.example/ws=json,rooms=lobby", "/chat=raw,rooms=lobby"}),
             "--route: a.example/ws and /chat share rooms 'lobby' but a.example/ws is json and /chat is raw: routes "
             "of different modes cannot share rooms");
}

// Exact host, then the longest wildcard, then any host; by host name, case
// aside; never a route of another path.
TEST(routes_found_by_host_and_path) {
    for (const bool reversed : {false, true}) {
        std::vector<std::string_view> specs = {"/ws=echo",
                                               "chat.example.com/ws=json",
                                               "*.example.com/ws=raw",
                                               "*.eu.example.com/ws=json,rooms=eu",
                                               "only.example.org/private=json"};
        if (reversed) std::reverse(specs.begin(), specs.end());
        Config c;
        for (const std::string_view s : specs) CHECK_EQ(wshub::config::add_route(c, s), "");
        const auto target = [&](std::string_view host, std::string_view path) {
            const Route* r = c.find_route(host, path);
            return r ? r->target() : std::string("none");
        };
        const struct {
            std::string_view host, path, want;
        } cases[] = {
            {"chat.example.com", "/ws", "chat.example.com/ws"},
            {"CHAT.Example.Com", "/ws", "chat.example.com/ws"},
            {"a.example.com", "/ws", "*.example.com/ws"},
            {"A.EXAMPLE.COM", "/ws", "*.example.com/ws"},
            {"a.b.example.com", "/ws", "*.example.com/ws"},
            {"eu.example.com", "/ws", "*.example.com/ws"},
            {"x.eu.example.com", "/ws", "*.eu.example.com/ws"},
            {"y.x.EU.example.com", "/ws", "*.eu.example.com/ws"},
            {"example.com", "/ws", "/ws"},
            {"xexample.com", "/ws", "/ws"},
            {"example.com.evil", "/ws", "/ws"},
            {"chat.example.com.evil", "/ws", "/ws"},
            {"", "/ws", "/ws"},
            {"[::1]", "/ws", "/ws"},
            {"only.example.org", "/private", "only.example.org/private"},
            {"Only.Example.Org", "/private", "only.example.org/private"},
            {"other.example.org", "/private", "none"},
            {"", "/private", "none"},
            {"chat.example.com", "/WS", "none"},
            {"chat.example.com", "/other", "none"},
        };
        for (const auto& k : cases) CHECK_EQ(target(k.host, k.path), k.want);
    }
}

// WSHUB_ROUTE: options stay with their spec; an item whose text before its
// '=' holds a '/' starts the next.
TEST(routes_environment_list) {
    using wshub::config::route_spec_length;
    const struct {
        std::string_view list;
        size_t first;
    } cases[] = {
        {"/a=echo,/b=echo", 7},
        {"/a=echo", 7},
        {"/a=json,auth,scope=x/y,scope=a=b/c,h.com/b=echo", 34},
        {"/a=json,auth,rooms=r,anonymous,compress", 39},
        {"h.com/a=json,compress,*.h.com/a=raw", 21},
        {"/a=echo,", 8},
        {"/a=echo,,/b=echo", 8},
    };
    for (const auto& k : cases) CHECK_EQ(route_spec_length(k.list), k.first);

    const char* argv[] = {"wshub", nullptr};
    const char* env[] = {"WSHUB_ROUTE=/a=json,auth,scope=admin:write,scope=b/c,h.com/a=echo,compress,/c=raw",
                         "WSHUB_JWT_SECRET=k3y", nullptr};
    Config c;
    const auto r = wshub::config::parse(1, argv, env, c);
    CHECK_EQ(r.message, "");
    CHECK_EQ(c.routes.size(), size_t(3));
    if (c.routes.size() == 3) {
        CHECK_EQ(wshub::config::route_spec(c, c.routes[0]), "/a=json,auth,scope=admin:write,scope=b/c");
        CHECK_EQ(wshub::config::route_spec(c, c.routes[1]), "h.com/a=echo,compress");
        CHECK_EQ(wshub::config::route_spec(c, c.routes[2]), "/c=raw");
    }
    const char* bad[] = {"WSHUB_ROUTE=/a=json,scope=x", nullptr};
    CHECK_EQ(wshub::config::parse(1, argv, bad, c).message,
             "wshub: WSHUB_ROUTE (--route): expected ,auth beside scope= (only a token has scopes), got "
             "'/a=json,scope=x'");
}

TEST(routes_host_header_name) {
    const struct {
        std::string_view header_lines, want;
    } cases[] = {
        {"Host: chat.example.com\r\n", "chat.example.com"},
        {"Host: Chat.Example.com:8080\r\n", "Chat.Example.com"},
        {"Host: chat.example.com.\r\n", "chat.example.com"},
        {"Host: chat.example.com.:443\r\n", "chat.example.com"},
        {"Host: 127.0.0.1:8080\r\n", "127.0.0.1"},
        {"Host: [::1]:8080\r\n", "[::1]"},
        {"Host: [::1]\r\n", "[::1]"},
        {"Host: [fe80::1:2]:80\r\n", "[fe80::1:2]"},
        {"Host: \r\n", ""},
        {"Host: :8080\r\n", ""},
        {"", ""},
        {"Host: a.example\r\nHost: b.example\r\n", "a.example"},  // refused later (400), never routed by b
    };
    for (const auto& k : cases) {
        const std::string head = "GET /ws HTTP/1.1\r\n" + std::string(k.header_lines) + "\r\n";
        wshub::http::Request req;
        CHECK(wshub::http::parse_request(head, req) == wshub::http::ParseStatus::ok);
        CHECK_EQ(wshub::http::host_name(req), k.want);
    }
}
