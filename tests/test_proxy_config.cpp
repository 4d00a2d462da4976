// Proxy routes in the configuration: ,upstream= URLs, the route rules, the
// start log's spec, --upstream-timeout; and the worker's UpstreamPicker.
#include <string>
#include <vector>

#include "app/upstream_pick.h"
#include "check.h"
#include "config/config.h"
#include "config/route_spec.h"
#include "config/upstream_url.h"

using wshub::config::Config;
using wshub::config::parse_upstream_url;
using wshub::config::RouteMode;
using wshub::config::UpstreamUrl;

namespace {

wshub::config::ParseResult run(std::vector<const char*> args, Config& c) {
    args.insert(args.begin(), "wshub");
    const int argc = int(args.size());
    args.push_back(nullptr);
    const char* envp[] = {"WSHUB_JWT_SECRET=s3cret", nullptr};
    return wshub::config::parse(argc, args.data(), envp, c);
}

bool parses(const char* url, UpstreamUrl& u) {
    std::string why;
    return parse_upstream_url(url, u, why);
}

}  // namespace

TEST(upstream_url_forms) {
    UpstreamUrl u;
    CHECK(parses("ws://127.0.0.1:9000/chat", u));
    CHECK_EQ(u.host, "127.0.0.1:9000");
    CHECK_EQ(u.path, "/chat");
    CHECK_EQ(u.address.to_string(), "127.0.0.1:9000");
    CHECK(parses("ws://127.0.0.1", u));
    CHECK_EQ(u.host, "127.0.0.1");  // port 80 is left out of Host
    CHECK_EQ(u.path, "/");
    CHECK_EQ(u.address.port(), 80);
    CHECK(parses("ws://[::1]:9001/a/b", u));
    CHECK_EQ(u.host, "[::1]:9001");
    CHECK_EQ(u.address.to_string(), "[::1]:9001");
    CHECK(parses("ws://localhost:81/x", u));
    CHECK_EQ(u.host, "localhost:81");
    CHECK_EQ(u.address.to_string(), "127.0.0.1:81");
    CHECK(u.name.empty());
    // A name is kept to be resolved at start.
    CHECK(parses("ws://Back-end_1.internal.:9000/ws", u));
    CHECK_EQ(u.name, "Back-end_1.internal.");
    CHECK_EQ(u.port, 9000);
    CHECK_EQ(u.host, "Back-end_1.internal.:9000");
}

TEST(upstream_url_refusals) {
    UpstreamUrl u;
    std::string why;
    CHECK(!parse_upstream_url("wss://127.0.0.1:9000/", u, why));
    CHECK(why.find("wss://") != std::string::npos);
    for (const char* bad : {"http://127.0.0.1/", "ws://", "ws:///x", "ws://:9000/", "ws://127.0.0.1:0/",
                            "ws://127.0.0.1:65536/", "ws://back end/", "ws://a..b/", "ws://999.1.1.1/",
                            "ws://-:x/", "ws://127.0.0.1/a?b=1",
                            "ws://127.0.0.1/a#f", "ws://127.0.0.1/a b", "ws://*:9000/", "ws://[::1/"}) {
        why.clear();
        CHECK(!parse_upstream_url(bad, u, why));
        CHECK(!why.empty());
    }
    // An address reader stops at a NUL: what follows it must not reach
    // the Host header unseen.
    CHECK(!parse_upstream_url(std::string_view("ws://[::1\0\x01]/", 12), u, why));
    CHECK(!parse_upstream_url(std::string_view("ws://127.0.0.1\0x:80/", 20), u, why));
    CHECK(!parse_upstream_url("ws://127.0.0.1\t/", u, why));
}

TEST(proxy_route_specs) {
    Config c;
    CHECK(run({"--route", "/chat=proxy,upstream=ws://127.0.0.1:9000/chat,upstream=ws://127.0.0.1:9001/chat",
               "--route", "/in=proxy,auth,scope=chat,upstream=ws://[::1]:9/", "--upstream-timeout", "2s"},
              c)
              .action == wshub::config::ParseResult::Action::run);
    CHECK(c.routes[0].mode == RouteMode::proxy);
    CHECK_EQ(c.routes[0].upstreams.size(), 2u);
    CHECK_EQ(c.routes[0].upstreams[1].address.port(), 9001);
    CHECK(c.routes[1].auth);
    CHECK_EQ(c.upstream_timeout_ms, 2000u);
    CHECK_EQ(wshub::config::route_spec(c, c.routes[0]),
             "/chat=proxy,upstream=ws://127.0.0.1:9000/chat,upstream=ws://127.0.0.1:9001/chat");
    CHECK_EQ(wshub::config::route_spec(c, c.routes[1]), "/in=proxy,auth,scope=chat,upstream=ws://[::1]:9/");
    // A proxy never negotiates compression, even under --compression on.
    Config d;
    CHECK(run({"--route", "/p=proxy,upstream=ws://127.0.0.1:9/", "--compression", "on"}, d).action ==
          wshub::config::ParseResult::Action::run);
    CHECK(!d.compresses(d.routes[0]));
}

TEST(proxy_route_refusals) {
    const char* bad[] = {
        "/p=proxy",                                      // no upstream
        "/p=echo,upstream=ws://127.0.0.1:9/",            // upstream= on another mode
        "/p=proxy,upstream=wss://127.0.0.1:9/",          // no TLS
        "/p=proxy,upstream=ws://127.0.0.1:9/,compress",  // its messages are the upstream's
        "/p=proxy,upstream=ws://127.0.0.1:9/,rooms=x",   // it has no rooms
        "/p=proxy,upstream=ws://127.0.0.1:9/,anonymous",
        "/p=proxy,upstream=",
    };
    for (const char* spec : bad) {
        Config c;
        const auto r = run({"--route", spec}, c);
        CHECK(r.action == wshub::config::ParseResult::Action::usage_error);
        CHECK(r.message.find("--route") != std::string::npos);
    }
    std::string many = "/p=proxy";
    for (int i = 0; i < 17; ++i) many += ",upstream=ws://127.0.0.1:" + std::to_string(9000 + i) + "/";
    Config c;
    CHECK(run({"--route", many.c_str()}, c).action == wshub::config::ParseResult::Action::usage_error);
}

TEST(upstream_picker_takes_turns_and_skips_the_failed) {
    Config c;
    CHECK(run({"--route", "/p=proxy,upstream=ws://127.0.0.1:1/,upstream=ws://127.0.0.1:2/,upstream=ws://127.0.0.1:3/"},
              c)
              .action == wshub::config::ParseResult::Action::run);
    wshub::app::UpstreamPicker picker(c, 42);
    uint64_t now = 1'000'000;
    CHECK_EQ(picker.pick(0, now), 0u);
    CHECK_EQ(picker.pick(0, now), 1u);
    CHECK_EQ(picker.pick(0, now), 2u);
    CHECK_EQ(picker.pick(0, now), 0u);
    picker.failed(0, 1, now);
    CHECK(picker.aside(0, 1, now));
    CHECK(picker.aside(0, 1, now + 499));   // at least half the first ceiling (1 s)
    CHECK(!picker.aside(0, 1, now + 1000));  // at most the ceiling
    for (int i = 0; i < 6; ++i) CHECK(picker.pick(0, now) != 1u);
    // Failures in a row set it aside for longer, up to 30 s.
    for (int i = 0; i < 10; ++i) picker.failed(0, 1, now);
    CHECK(picker.aside(0, 1, now + 14'999));
    CHECK(!picker.aside(0, 1, now + 30'000));
    picker.succeeded(0, 1);
    CHECK(!picker.aside(0, 1, now));
    // Every one aside: the one whose time is up first is tried anyway.
    picker.failed(0, 0, now);
    picker.failed(0, 1, now + 10);
    picker.failed(0, 2, now + 20);
    for (int i = 0; i < 3; ++i) CHECK_EQ(picker.pick(0, now + 21), 0u);
}
