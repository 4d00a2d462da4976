// wshub::Options go through the flags' own code (app/options.h): the same
// defaults, every flag reachable, the flags' refusals and messages.
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "app/options.h"
#include "check.h"
#include "config/config.h"

using wshub::Options;
using wshub::config::Config;
using wshub::config::ParseResult;
using Action = ParseResult::Action;
using namespace std::chrono_literals;

namespace {

// Every field of a Config as text, so two can be compared whole.
std::string describe(const Config& c) {
    std::string s = c.listen.to_string() + " " + (c.metrics_listen ? c.metrics_listen->to_string() : "-");
    for (const auto& r : c.routes) s += " " + r.path + "=" + std::string(c.mode_of(r)) + (r.auth ? ",auth" : "") +
                                     (r.compress ? ",compress" : "");
    for (const auto& p : c.subprotocols) s += " sub:" + p;
    for (const auto& p : c.room_passwords) s += " pw:" + p.room + "=" + p.secret;
    for (const auto& o : c.allow_origins) s += " origin:" + o;
    for (const auto& p : c.trusted_proxies)
        s += " proxy:" + wshub::net::to_string(p.base, 0) + "/" + std::to_string(p.prefix);
    for (const uint64_t n : {uint64_t(c.workers), uint64_t(c.max_header_bytes), c.max_message, c.handshake_timeout_ms,
                             c.ping_interval_ms, c.idle_timeout_ms, c.close_timeout_ms, c.upstream_timeout_ms,
                             uint64_t(c.queue_messages),
                             c.queue_bytes, uint64_t(c.overflow), c.block_timeout_ms, uint64_t(c.max_conns_per_ip),
                             uint64_t(c.echo_self), uint64_t(c.demo), c.max_conns, uint64_t(c.max_room_conns),
                             uint64_t(c.max_rooms_per_conn), uint64_t(c.max_members_list), c.jwt_leeway_ms,
                             uint64_t(c.require_origin),
                             uint64_t(c.max_msg_rate), uint64_t(c.max_msg_burst), c.drain_timeout_ms,
                             uint64_t(c.log_level), uint64_t(c.log_format), uint64_t(c.compression),
                             c.compression_min_size, uint64_t(c.compression_level),
                             c.redis_queue_bytes, uint64_t(c.redis ? c.redis->db : 99), uint64_t(c.redis_required)})
        s += " " + std::to_string(n);
    for (const std::string* t : {&c.jwt_issuer, &c.jwt_audience, &c.room_password_file, &c.publish_token_file,
                                 &c.publish_token, &c.static_dir, &c.redis_password_file, &c.redis_password, &c.redis_prefix,
                                 &c.node_id})
        s += " [" + *t + "]";
    for (const auto& f : c.jwt_secret_files) s += " jwt-file:" + f;
    for (const auto& k : c.jwt_secrets) s += " jwt:" + k;
    for (const auto& p : c.room_password_file_lines) s += " pw-file:" + p.room + "=" + p.secret;
    return s;
}

ParseResult convert(const Options& o, Config& c, const std::vector<std::string>& modes = {}) {
    return wshub::app::to_config(o, modes, c);
}

// The flags --help lists, by name.
std::set<std::string> help_flags() {
    std::set<std::string> names;
    const std::string help = wshub::config::help_text();
    for (size_t at = help.find("\n  --"); at != std::string::npos; at = help.find("\n  --", at + 1)) {
        const size_t start = at + 5;
        names.insert(help.substr(start, help.find(' ', start) - start));
    }
    names.erase("help");
    names.erase("version");
    return names;
}

}  // namespace

TEST(options_defaults_are_the_flags_defaults) {
    Config from_options, from_flags;
    const ParseResult r = convert(Options{}, from_options);
    CHECK(r.action == Action::run);
    CHECK_EQ(r.message, "");
    const char* argv[] = {"wshub", nullptr};
    CHECK(wshub::config::parse(1, argv, nullptr, from_flags).action == Action::run);
    CHECK_EQ(describe(from_options), describe(from_flags));
    CHECK_EQ(from_options.routes.size(), 3u);  // an empty routes list: the flag's default routes
}

TEST(options_reach_every_flag) {
    Options o;
    o.metrics_listen = "127.0.0.1:9";
    o.workers = 2;
    o.routes = {"/a=echo"};
    o.subprotocols = {"chat"};
    o.jwt_secret_files = {"/nonexistent"};
    o.jwt_issuer = "iss";
    o.jwt_audience = "aud";
    o.room_passwords = {"vip=secret"};
    o.room_password_file = "/nonexistent";
    o.allow_origins = {"https://example.com"};
    o.trusted_proxies = {"10.0.0.0/8"};
    o.max_msg_burst = 3;
    o.publish_token_file = "/nonexistent";
    o.redis = "redis://127.0.0.1:6379";
    o.redis_cluster = "127.0.0.1:7000";  // with --redis refused at parse, rendered all the same
    o.redis_password_file = "/nonexistent";
    o.node_id = "n1";
    o.max_members_list = 5;
    o.static_dir = "/srv/www";
    std::set<std::string> rendered;
    for (const std::string& word : wshub::app::option_args(o)) {
        CHECK_EQ(word.substr(0, 2), "--");
        rendered.insert(word.substr(2, word.find('=') - 2));
    }
    const std::set<std::string> flags = help_flags();
    CHECK_EQ(flags.size(), 50u);  // that help_flags reads --help at all
    for (const std::string& f : flags)
        if (!rendered.count(f)) CHECK_EQ("no Options field for --" + f, "");
    for (const std::string& f : rendered)
        if (!flags.count(f)) CHECK_EQ("Options render an unknown flag --" + f, "");
}

TEST(options_values_reach_the_config) {
    Options o;
    o.listen = "[::1]:9001";
    o.workers = 3;
    o.routes = {"/a=echo", "/b=shout"};
    o.max_message = 1024;
    o.ping_interval = 0ms;
    o.idle_timeout = 2s;
    o.overflow = "drop";
    o.echo_self = true;
    o.demo = false;
    o.max_msg_rate = 5;
    o.jwt_secret = "s3cret";
    o.room_passwords = {"vip=pw,with=commas"};
    o.trusted_proxies = {"127.0.0.1", "fd00::/8"};
    o.log_level = "debug";
    Config c;
    const ParseResult r = convert(o, c, {"shout"});
    CHECK_EQ(r.message, "");
    CHECK_EQ(c.listen.to_string(), "[::1]:9001");
    CHECK_EQ(c.workers, 3u);
    CHECK_EQ(c.routes.size(), 2u);
    CHECK(c.find_route("", "/b") && c.find_route("", "/b")->mode == wshub::config::RouteMode::custom);
    CHECK_EQ(c.max_message, 1024u);
    CHECK_EQ(c.ping_interval_ms, 0u);
    CHECK_EQ(c.idle_timeout_ms, 2000u);
    CHECK(c.overflow == wshub::config::Overflow::drop);
    CHECK(c.echo_self);
    CHECK(!c.demo);
    CHECK_EQ(c.max_msg_rate, 5u);
    CHECK_EQ(c.max_msg_burst, 5u);  // 0: the rate
    CHECK_EQ(c.jwt_secrets.size(), 1u);
    if (!c.jwt_secrets.empty()) CHECK_EQ(c.jwt_secrets[0], "s3cret");
    CHECK_EQ(c.room_passwords.size(), 1u);
    if (!c.room_passwords.empty()) CHECK_EQ(c.room_passwords[0].secret, "pw,with=commas");
    // The binary's warning is about a password in ps; Options are in no command line.
    CHECK(c.warnings.empty());
    CHECK(c.log_level == wshub::config::LogLevel::debug);
    CHECK_EQ(c.trusted_proxies.size(), 2u);
    if (c.trusted_proxies.size() == 2) {
        CHECK(c.trusted_proxies[0].base == *wshub::net::parse_ip("127.0.0.1"));
        CHECK_EQ(c.trusted_proxies[0].prefix, 128);  // over the IPv4-mapped key: a /32
        CHECK(c.trusted_proxies[1].base == *wshub::net::parse_ip("fd00::"));
        CHECK_EQ(c.trusted_proxies[1].prefix, 8);
    }
}

TEST(options_refused_as_the_flags_refuse_them) {
    struct Case {
        void (*set)(Options&);
        const char* expect;  // the error line starts with this
    } cases[] = {
        {[](Options& o) { o.workers = 300; }, "wshub: --workers: expected an integer from 1 to 64, got '300'"},
        {[](Options& o) { o.listen = "example.com:80"; }, "wshub: --listen: expected HOST:PORT"},
        {[](Options& o) { o.max_message = 0; }, "wshub: --max-message: expected a size"},
        {[](Options& o) { o.ping_interval = -5ms; }, "wshub: --ping-interval: expected a duration"},
        {[](Options& o) { o.handshake_timeout = 0ms; }, "wshub: --handshake-timeout: expected a positive duration"},
        {[](Options& o) { o.overflow = "sometimes"; }, "wshub: --overflow: expected close, drop or block"},
        {[](Options& o) { o.queue_messages = uint64_t(1) << 40; }, "wshub: --queue-messages: expected"},
        {[](Options& o) { o.routes = {"/x=shout"}; }, "wshub: --route: expected PATH=MODE"},
        {[](Options& o) { o.routes = {""}; }, "wshub: --route: expected PATH=MODE"},
        {[](Options& o) { o.routes = {"/a=echo,auth"}; }, "wshub: --route /a: an ,auth route needs"},
        {[](Options& o) { o.log_level = "loud"; }, "wshub: --log-level: expected error, warn, info or debug"},
        {[](Options& o) { o.subprotocols = {"bearer.x"}; }, "wshub: --subprotocol: expected a name not starting"},
        {[](Options& o) { o.metrics_listen = o.listen; }, "wshub: --metrics-listen: expected an address other"},
        {[](Options& o) { o.trusted_proxies = {"10.0.0.1/8"}; }, "wshub: --trusted-proxy: expected an IP address"},
    };
    for (const auto& k : cases) {
        Options o;
        k.set(o);
        Config c;
        const ParseResult r = convert(o, c);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, std::string(k.expect).size()), std::string(k.expect));
    }
}

TEST(options_jwt_secret_from_one_source) {
    Options o;
    o.jwt_secret = "s3cret";
    o.jwt_secret_files = {"/nonexistent"};
    Config c;
    const ParseResult r = convert(o, c);
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: --jwt-secret-file: expected one source of the JWT secret, got both it and "
                        "WSHUB_JWT_SECRET");
}

// Each of jwt_secret_files is one --jwt-secret-file, in order.
TEST(options_several_jwt_secret_files) {
    Options o;
    o.jwt_secret_files = {"/a/first", "/b/second"};
    std::vector<std::string> words;
    for (const std::string& word : wshub::app::option_args(o))
        if (word.rfind("--jwt-secret-file=", 0) == 0) words.push_back(word);
    CHECK_EQ(words.size(), 2u);
    if (words.size() == 2) {
        CHECK_EQ(words[0], "--jwt-secret-file=/a/first");
        CHECK_EQ(words[1], "--jwt-secret-file=/b/second");
    }
    Config c;
    const ParseResult r = convert(o, c);
    CHECK(r.action == Action::usage_error);  // neither file exists: the first is named
    CHECK(r.message.find("'/a/first'") != std::string::npos);
}

TEST(options_modes_checked) {
    struct Quiet final : wshub::Handler {
        void on_message(wshub::Conn&, std::string_view, wshub::MessageType) override {}
    } quiet;
    wshub::Handler* none = nullptr;
    wshub::Handler* some = &quiet;
    using wshub::app::check_modes;
    CHECK_EQ(check_modes({{"shout", some}, {"chat", some}}), "");
    CHECK_EQ(check_modes({{"json", some}}), "wshub: custom mode 'json' clashes with a built-in mode or has no handler");
    CHECK_EQ(check_modes({{"shout", none}}),
             "wshub: custom mode 'shout' clashes with a built-in mode or has no handler");
    CHECK_EQ(check_modes({{"shout", some}, {"shout", some}}), "wshub: custom mode 'shout' is given twice");
}
