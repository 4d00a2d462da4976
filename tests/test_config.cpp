#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "check.h"
#include "config/config.h"
#include "temp_file.h"

using wshub::config::Config;
using wshub::config::parse;
using wshub::config::ParseResult;
using Action = ParseResult::Action;

namespace {

struct Args {
    std::vector<std::string> words;
    std::vector<const char*> argv;
    explicit Args(std::initializer_list<const char*> list) {
        words.push_back("wshub");
        for (const char* w : list) words.push_back(w);
        for (auto& w : words) argv.push_back(w.c_str());
        argv.push_back(nullptr);
    }
    int argc() const { return int(argv.size()) - 1; }
};

ParseResult run(std::initializer_list<const char*> list, Config& c,
                std::initializer_list<const char*> env = {}) {
    Args a(list);
    std::vector<const char*> envp(env);
    envp.push_back(nullptr);
    return parse(a.argc(), a.argv.data(), envp.data(), c);
}

}  // namespace

TEST(config_defaults) {
    Config c;
    auto r = run({}, c);
    CHECK(r.action == Action::run);
    CHECK_EQ(c.listen.to_string(), "127.0.0.1:8080");
    CHECK_GE(c.workers, 1u);
    CHECK_EQ(c.routes.size(), 3u);
    CHECK(c.find_route("", "/ws") != nullptr && c.find_route("", "/ws")->mode == wshub::config::RouteMode::json);
    CHECK(c.find_route("", "/echo") != nullptr && c.find_route("", "/echo")->mode == wshub::config::RouteMode::echo);
    CHECK(c.find_route("", "/raw") != nullptr && c.find_route("", "/raw")->mode == wshub::config::RouteMode::raw);
    CHECK_EQ(c.max_header_bytes, 8192u);
    CHECK_EQ(c.max_message, uint64_t(16) << 20);
    CHECK_EQ(c.handshake_timeout_ms, 10000u);
    CHECK_EQ(c.ping_interval_ms, 30000u);
    CHECK_EQ(c.idle_timeout_ms, 60000u);
    CHECK_EQ(c.close_timeout_ms, 5000u);
}

TEST(config_flags_both_forms) {
    Config c;
    auto r = run({"--listen", "[::1]:9001", "--workers=3", "--route", "/a=echo", "--route=/b=echo",
                  "--max-message", "1KiB", "--ping-interval", "0", "--idle-timeout", "250ms",
                  "--subprotocol", "chat", "--subprotocol", "v2.wshub"},
                 c);
    CHECK(r.action == Action::run);
    CHECK_EQ(r.message, "");
    CHECK_EQ(c.listen.to_string(), "[::1]:9001");
    CHECK_EQ(c.workers, 3u);
    CHECK_EQ(c.routes.size(), 2u);  // the default route is replaced, not extended
    CHECK(c.find_route("", "/a") != nullptr);
    CHECK(c.find_route("", "/b") != nullptr);
    CHECK(c.find_route("", "/echo") == nullptr);
    CHECK_EQ(c.max_message, 1024u);
    CHECK_EQ(c.ping_interval_ms, 0u);
    CHECK_EQ(c.idle_timeout_ms, 250u);
    CHECK_EQ(c.subprotocols.size(), 2u);
}

TEST(config_bad_values_name_the_flag) {
    struct Case {
        const char* flag;
        const char* value;
        const char* expect;  // the error line must start with this
    } cases[] = {
        {"--workers", "abc", "wshub: --workers: expected an integer from 1 to 64, got 'abc'"},
        {"--workers", "0", "wshub: --workers: expected an integer from 1 to 64, got '0'"},
        {"--workers", "257", "wshub: --workers: expected"},
        {"--listen", "nowhere", "wshub: --listen: expected HOST:PORT"},
        {"--listen", "127.0.0.1:65536", "wshub: --listen: expected HOST:PORT"},
        {"--listen", "example.com:80", "wshub: --listen: expected HOST:PORT"},
        {"--route", "echo", "wshub: --route: expected PATH=MODE"},
        {"--route", "/x=nope", "wshub: --route: expected PATH=MODE"},
        {"--max-message", "12XB", "wshub: --max-message: expected a size"},
        {"--max-message", "0", "wshub: --max-message: expected a size"},
        {"--max-message", "4GiB", "wshub: --max-message: expected a size from 1 to 4294967040 bytes"},
        {"--max-header-bytes", "100", "wshub: --max-header-bytes: expected a size from 256"},
        {"--handshake-timeout", "0", "wshub: --handshake-timeout: expected a positive duration"},
        {"--ping-interval", "5 s", "wshub: --ping-interval: expected a duration"},
        {"--subprotocol", "a b", "wshub: --subprotocol: expected a token"},
    };
    for (const auto& k : cases) {
        Config c;
        auto r = run({k.flag, k.value}, c);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, std::string(k.expect).size()), std::string(k.expect));
        CHECK_EQ(r.message.find('\n'), std::string::npos);
    }
}

TEST(config_unknown_flag_and_missing_value) {
    Config c;
    auto r = run({"--frobnicate", "1"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: unknown flag --frobnicate (see --help)");
    r = run({"--workers"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: --workers: missing value (N)");
    r = run({"stray"}, c);
    CHECK(r.action == Action::usage_error);
}

TEST(config_environment_and_override) {
    Config c;
    auto r = run({}, c, {"WSHUB_WORKERS=5", "WSHUB_ROUTE=/x=echo,/y=echo", "OTHER=1"});
    CHECK(r.action == Action::run);
    CHECK_EQ(c.workers, 5u);
    CHECK_EQ(c.routes.size(), 2u);
    CHECK(c.find_route("", "/y") != nullptr);
    r = run({"--workers", "2", "--route", "/z=echo"}, c, {"WSHUB_WORKERS=5", "WSHUB_ROUTE=/x=echo"});
    CHECK_EQ(c.workers, 2u);
    CHECK_EQ(c.routes.size(), 1u);
    CHECK(c.find_route("", "/z") != nullptr);
    r = run({}, c, {"WSHUB_WORKERS=zero"});
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: WSHUB_WORKERS (--workers): expected an integer from 1 to 64, got 'zero'");
}

TEST(config_metrics_listen) {
    Config c;
    auto r = run({}, c);
    CHECK(!c.metrics_listen.has_value());
    r = run({"--metrics-listen", "127.0.0.1:8081"}, c);
    CHECK(r.action == Action::run);
    CHECK(c.metrics_listen.has_value());
    if (c.metrics_listen) CHECK_EQ(c.metrics_listen->to_string(), "127.0.0.1:8081");
    r = run({}, c, {"WSHUB_METRICS_LISTEN=[::1]:9191"});
    CHECK(r.action == Action::run);
    if (c.metrics_listen) CHECK_EQ(c.metrics_listen->to_string(), "[::1]:9191");
    r = run({"--metrics-listen", "metrics.internal:9090"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message.substr(0, 40), "wshub: --metrics-listen: expected HOST:P");
    // The same address as --listen would share its port between the two.
    r = run({"--listen", "127.0.0.1:7000", "--metrics-listen", "localhost:7000"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: --metrics-listen: expected an address other than --listen's, got '127.0.0.1:7000'");
    r = run({"--listen", "127.0.0.1:7000", "--metrics-listen", "127.0.0.1:7001"}, c);
    CHECK(r.action == Action::run);
}

TEST(config_help_lists_every_flag_with_default) {
    Config c;
    auto r = run({"--help"}, c);
    CHECK(r.action == Action::print_and_exit);
    for (const char* flag : {"--listen", "--workers", "--route", "--subprotocol", "--max-header-bytes",
                             "--max-message", "--handshake-timeout", "--ping-interval", "--idle-timeout",
                             "--close-timeout", "--help", "--version"})
        CHECK(r.message.find(flag) != std::string::npos);
    // every flag line that takes a value states its default
    size_t flags_with_value = 0, defaults = 0;
    for (size_t pos = 0; (pos = r.message.find("\n  --", pos)) != std::string::npos; ++pos) ++flags_with_value;
    for (size_t pos = 0; (pos = r.message.find("(default: ", pos)) != std::string::npos; ++pos) ++defaults;
    CHECK_EQ(defaults + 2, flags_with_value);  // --help and --version have none
    r = run({"--version"}, c);
    CHECK(r.action == Action::print_and_exit);
    CHECK_EQ(r.message.substr(0, 6), "wshub ");
}

TEST(config_durations_and_sizes) {
    using wshub::config::parse_duration_ms;
    using wshub::config::parse_size;
    uint64_t v = 0;
    CHECK(parse_duration_ms("500ms", v));
    CHECK_EQ(v, 500u);
    CHECK(parse_duration_ms("10", v));
    CHECK_EQ(v, 10000u);
    CHECK(parse_duration_ms("2m", v));
    CHECK_EQ(v, 120000u);
    CHECK(parse_duration_ms("1h", v));
    CHECK_EQ(v, 3600000u);
    CHECK(!parse_duration_ms("", v));
    CHECK(!parse_duration_ms("s", v));
    CHECK(!parse_duration_ms("-1s", v));
    CHECK(!parse_duration_ms("1d", v));
    CHECK(!parse_duration_ms("99999999h", v));
    CHECK(parse_size("8KiB", v));
    CHECK_EQ(v, 8192u);
    CHECK(parse_size("8K", v));
    CHECK_EQ(v, 8192u);
    CHECK(parse_size("3MiB", v));
    CHECK_EQ(v, 3u << 20);
    CHECK(parse_size("1G", v));
    CHECK_EQ(v, 1u << 30);
    CHECK(parse_size("77", v));
    CHECK_EQ(v, 77u);
    CHECK(!parse_size("1KB", v));
    CHECK(!parse_size("18446744073709551615K", v));
    CHECK(!parse_size("", v));
}

TEST(config_auth_route_needs_a_secret) {
    Config c;
    auto r = run({"--route", "/p=json,auth"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("--route /p") != std::string::npos);
    CHECK(r.message.find("WSHUB_JWT_SECRET") != std::string::npos);

    r = run({"--route", "/p=json,auth", "--route", "/q=echo"}, c, {"WSHUB_JWT_SECRET=k3y"});
    CHECK(r.action == Action::run);
    CHECK(c.jwt_secrets == std::vector<std::string>{"k3y"});
    CHECK(c.find_route("", "/p")->auth);
    CHECK(!c.find_route("", "/q")->auth);

    CHECK(run({"--route", "/p=json,admin"}, c).action == Action::usage_error);
    CHECK(run({"--route", "/p=json,"}, c).action == Action::usage_error);
}

TEST(config_jwt_secret_sources) {
    Config c;
    auto r = run({"--jwt-secret", "hunter2"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("visible to every user") != std::string::npos);
    CHECK(r.message.find("hunter2") == std::string::npos);
    CHECK(run({"--jwt-secret=hunter2"}, c).action == Action::usage_error);

    TempFile file("s3cret\r\n");
    r = run({"--jwt-secret-file", file.path.c_str()}, c);
    CHECK(r.action == Action::run);
    CHECK(c.jwt_secrets == std::vector<std::string>{"s3cret"});  // the line ending is not part of it

    TempFile inner_newline("a\nb\n");
    CHECK(run({"--jwt-secret-file", inner_newline.path.c_str()}, c).action == Action::run);
    CHECK(c.jwt_secrets == std::vector<std::string>{"a\nb"});

    r = run({"--jwt-secret-file", file.path.c_str()}, c, {"WSHUB_JWT_SECRET=x"});
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("both") != std::string::npos);

    TempFile empty("\n");
    r = run({"--jwt-secret-file", empty.path.c_str()}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("empty") != std::string::npos);

    r = run({"--jwt-secret-file", "/nonexistent/secret"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("/nonexistent/secret") != std::string::npos);

    CHECK(run({}, c, {"WSHUB_JWT_SECRET="}).action == Action::usage_error);
    // The file's name may come from the environment like any flag.
    const std::string env = "WSHUB_JWT_SECRET_FILE=" + file.path;
    CHECK(run({}, c, {env.c_str()}).action == Action::run);
    CHECK(c.jwt_secrets == std::vector<std::string>{"s3cret"});
}

TEST(config_jwt_checks) {
    Config c;
    CHECK(run({"--jwt-leeway", "5s", "--jwt-issuer", "auth.example", "--jwt-audience", "hub"}, c).action ==
          Action::run);
    CHECK_EQ(c.jwt_leeway_ms, 5000u);
    CHECK_EQ(c.jwt_issuer, "auth.example");
    CHECK_EQ(c.jwt_audience, "hub");
    CHECK(run({"--jwt-issuer", ""}, c).action == Action::usage_error);
    CHECK(run({}, c).action == Action::run);
    CHECK_EQ(c.jwt_leeway_ms, 30000u);
}

TEST(config_room_passwords) {
    Config c;
    auto r = run({"--room-password", "vip=s3cret", "--room-password", "ops=x=y"}, c);
    CHECK(r.action == Action::run);
    CHECK_EQ(c.room_passwords.size(), 2u);
    CHECK_EQ(c.room_passwords[1].room, "ops");
    CHECK_EQ(c.room_passwords[1].secret, "x=y");  // only the first '=' splits
    CHECK_EQ(c.warnings.size(), 1u);              // visible in ps: said once

    for (const char* bad : {"vip", "=x", "vip=", "a\x01=x"}) {
        r = run({"--room-password", bad}, c);
        CHECK(r.action == Action::usage_error);
    }
    r = run({"--room-password", "vip=topsecret", "--room-password", "vip=other"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("topsecret") == std::string::npos);
    CHECK(r.message.find("other") == std::string::npos);

    // The environment's list: no warning (only its owner can read it).
    CHECK(run({}, c, {"WSHUB_ROOM_PASSWORD=a=1,b=2"}).action == Action::run);
    CHECK_EQ(c.room_passwords.size(), 2u);
    CHECK(c.warnings.empty());
}

TEST(config_room_password_file) {
    Config c;
    TempFile file("# rooms\n\nvip=s3cret\r\nops=p w\n");
    auto r = run({"--room-password-file", file.path.c_str(), "--room-password", "cli=1"}, c);
    CHECK(r.action == Action::run);
    CHECK_EQ(c.room_passwords.size(), 1u);  // the flag's
    CHECK_EQ(c.room_password_file_lines.size(), 2u);
    bool saw_ops = false;
    for (const auto& p : c.room_password_file_lines)
        if (p.room == "ops") saw_ops = p.secret == "p w";
    CHECK(saw_ops);
    // A room the flag gave already is one too many in the file.
    r = run({"--room-password-file", file.path.c_str(), "--room-password", "vip=1"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("line 3") != std::string::npos);

    TempFile dup("vip=one\nvip=two\n");
    r = run({"--room-password-file", dup.path.c_str()}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("line 2") != std::string::npos);
    CHECK(r.message.find("two") == std::string::npos);

    TempFile bad("vip\n");
    CHECK(run({"--room-password-file", bad.path.c_str()}, c).action == Action::usage_error);
    CHECK(run({"--room-password-file", "/nonexistent/pw"}, c).action == Action::usage_error);
}

TEST(config_origins_and_rates) {
    Config c;
    auto r = run({"--allow-origin", "https://app.example.com", "--allow-origin", "https://*.example.com:8443",
                  "--require-origin", "true", "--max-msg-rate", "20"},
                 c);
    CHECK(r.action == Action::run);
    CHECK_EQ(c.allow_origins.size(), 2u);
    CHECK(c.require_origin);
    CHECK_EQ(c.max_msg_rate, 20u);
    CHECK_EQ(c.max_msg_burst, 20u);  // defaults to the rate
    CHECK(run({"--max-msg-rate", "20", "--max-msg-burst", "50"}, c).action == Action::run);
    CHECK_EQ(c.max_msg_burst, 50u);
    CHECK(run({"--max-msg-burst", "0"}, c).action == Action::usage_error);
    for (const char* bad : {"example.com", "https://example.com/path", "https://", "*://x.com", "https://a.*.com"})
        CHECK(run({"--allow-origin", bad}, c).action == Action::usage_error);
    CHECK(run({"--subprotocol", "bearer.x"}, c).action == Action::usage_error);
}

TEST(config_trusted_proxies) {
    Config c;
    CHECK(run({}, c).action == Action::run);
    CHECK(c.trusted_proxies.empty());
    const auto r =
        run({"--trusted-proxy", "127.0.0.1", "--trusted-proxy=10.0.0.0/8", "--trusted-proxy", "fd00::/8"}, c);
    CHECK(r.action == Action::run);
    CHECK_EQ(c.trusted_proxies.size(), 3u);
    const auto holds = [&c](const char* ip) {
        return wshub::net::in_any(c.trusted_proxies, *wshub::net::parse_ip(ip));
    };
    CHECK(holds("127.0.0.1") && holds("10.200.0.1") && holds("fd12::1"));
    CHECK(!holds("127.0.0.2") && !holds("11.0.0.1") && !holds("fe00::1"));
    // The environment's comma-separated list, which a command line replaces.
    CHECK(run({}, c, {"WSHUB_TRUSTED_PROXY=192.0.2.1,::1"}).action == Action::run);
    CHECK_EQ(c.trusted_proxies.size(), 2u);
    CHECK(holds("192.0.2.1") && holds("::1") && !holds("127.0.0.1"));
    CHECK(run({"--trusted-proxy", "10.0.0.0/8"}, c, {"WSHUB_TRUSTED_PROXY=192.0.2.1"}).action == Action::run);
    CHECK(holds("10.0.0.1") && !holds("192.0.2.1"));
    for (const char* bad : {"", "10.0.0.1/8", "10.0.0.0/33", "example.com", "[::1]", "10.0.0.0/8 ", "*"}) {
        const auto r = run({"--trusted-proxy", bad}, c);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, 42), std::string("wshub: --trusted-proxy: expected an IP add"));
    }
}

TEST(config_operations_flags) {
    using wshub::config::LogFormat;
    using wshub::config::LogLevel;
    Config c;
    CHECK(run({}, c).action == Action::run);
    CHECK_EQ(c.drain_timeout_ms, 10000u);
    CHECK(c.log_level == LogLevel::info);
    CHECK(c.log_format == LogFormat::text);
    CHECK_EQ(c.publish_token, "");
    CHECK(run({"--drain-timeout", "0", "--log-level", "debug", "--log-format", "json"}, c).action == Action::run);
    CHECK_EQ(c.drain_timeout_ms, 0u);
    CHECK(c.log_level == LogLevel::debug);
    CHECK(c.log_format == LogFormat::json);
    CHECK(run({}, c, {"WSHUB_LOG_LEVEL=error", "WSHUB_DRAIN_TIMEOUT=2m"}).action == Action::run);
    CHECK(c.log_level == LogLevel::error);
    CHECK_EQ(c.drain_timeout_ms, 120000u);
    struct Case {
        const char* flag;
        const char* value;
        const char* expect;
    } cases[] = {
        {"--log-level", "verbose", "wshub: --log-level: expected error, warn, info or debug, got 'verbose'"},
        {"--log-level", "INFO", "wshub: --log-level: expected"},
        {"--log-format", "xml", "wshub: --log-format: expected text or json, got 'xml'"},
        {"--drain-timeout", "soon", "wshub: --drain-timeout: expected a duration"},
        {"--publish-token-file", "", "wshub: --publish-token-file: expected a non-empty value"},
    };
    for (const auto& k : cases) {
        auto r = run({k.flag, k.value}, c);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, std::string(k.expect).size()), std::string(k.expect));
    }
}

TEST(config_publish_token_file) {
    Config c;
    TempFile good("0123456789abcdef-token\n");
    CHECK(run({"--publish-token-file", good.path.c_str()}, c).action == Action::run);
    CHECK_EQ(c.publish_token, "0123456789abcdef-token");
    for (const char* bad : {"short\n", "has a space in it, too long\n", "tab\tinside-0123456789", "\n"}) {
        TempFile f(bad);
        auto r = run({"--publish-token-file", f.path.c_str()}, c);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, 28), "wshub: --publish-token-file:");
        CHECK_EQ(r.message.find(bad), std::string::npos);  // the content is never shown
        CHECK_EQ(r.message.find('\n'), std::string::npos);
    }
    auto r = run({"--publish-token-file", "/nonexistent/token"}, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("/nonexistent/token") != std::string::npos);
}

// A connection names its route with a 2-byte index: the count is capped
// well below that, with a usage error rather than a wrapped index.
TEST(config_route_count_is_capped) {
    std::vector<std::string> words{"wshub"};
    auto parse_words = [&words](Config& c) {
        std::vector<const char*> argv;
        for (const auto& w : words) argv.push_back(w.c_str());
        argv.push_back(nullptr);
        const char* envp[] = {nullptr};
        return parse(int(argv.size()) - 1, argv.data(), envp, c);
    };
    for (int i = 0; i < 1000; ++i) {
        words.push_back("--route");
        words.push_back("/r" + std::to_string(i) + "=echo,rooms=n" + std::to_string(i % 256));
    }
    Config c;
    CHECK(parse_words(c).action == Action::run);
    CHECK_EQ(c.routes.size(), size_t{1000});
    CHECK_EQ(c.namespaces.size(), size_t{256});
    words.push_back("--route");
    words.push_back("/one-more=echo");
    Config d;
    const auto r = parse_words(d);
    CHECK(r.action == Action::usage_error);
    const std::string expect = "wshub: --route: expected at most 1000 routes";
    CHECK_EQ(r.message.substr(0, expect.size()), expect);
}

// Each route's rooms are its own unless routes name the same rooms=NAME.
TEST(config_routes_get_namespaces) {
    Config c;
    CHECK(run({}, c).action == Action::run);
    CHECK_EQ(c.namespaces.size(), 3u);  // /echo, /raw, /ws
    CHECK_EQ(c.routes[2].ns, 2u);
    CHECK_EQ(c.namespaces[c.routes[1].ns], std::string("/raw"));
    Config s;
    auto r = run({"--route", "/a=json,rooms=chat", "--route", "/b=raw", "--route", "/c=json,rooms=chat"}, s);
    CHECK(r.action == Action::run);
    CHECK_EQ(s.namespaces.size(), 2u);
    CHECK_EQ(s.routes[0].ns, s.routes[2].ns);
    CHECK_NE(s.routes[0].ns, s.routes[1].ns);
    CHECK_EQ(s.find_namespace("chat"), int(s.routes[0].ns));
    CHECK_EQ(s.find_namespace("/b"), int(s.routes[1].ns));
    CHECK_EQ(s.find_namespace("/a"), -1);  // /a's rooms are chat's
}

// The directory of open members keeps a namespace in 8 bits.
TEST(config_namespace_count_is_capped) {
    std::vector<std::string> words{"wshub"};
    for (int i = 0; i < 257; ++i) {
        words.push_back("--route");
        words.push_back("/r" + std::to_string(i) + "=json");
    }
    std::vector<const char*> argv;
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    const char* envp[] = {nullptr};
    Config c;
    const auto r = parse(int(argv.size()) - 1, argv.data(), envp, c);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("expected at most 256 room namespaces") != std::string::npos);
    words.erase(words.end() - 2, words.end());
    argv.clear();
    for (const auto& w : words) argv.push_back(w.c_str());
    argv.push_back(nullptr);
    Config d;
    CHECK(parse(int(argv.size()) - 1, argv.data(), envp, d).action == Action::run);
    CHECK_EQ(d.namespaces.size(), size_t{256});
}

TEST(config_route_options) {
    Config c;
    auto r = run({"--route", "/p=json,rooms=x.y-z_1,auth", "--jwt-secret-file", "/dev/null"}, c);
    CHECK(r.action == Action::usage_error);  // an empty secret file
    Config d;
    r = run({"--route", "/a=json,auth,rooms=t", "--route", "/b=json,anonymous,rooms=t"}, d,
            {"WSHUB_JWT_SECRET=s3cret"});
    CHECK(r.action == Action::run);
    CHECK(d.routes[0].auth && !d.routes[0].anonymous);
    CHECK(d.routes[1].anonymous && d.routes[0].ns == d.routes[1].ns);
    for (const char* bad : {"/a=json,rooms=", "/a=json,rooms=a/b", "/a=json,auth,auth", "/a=json,public"}) {
        Config e;
        CHECK(run({"--route", bad}, e, {"WSHUB_JWT_SECRET=s"}).action == Action::usage_error);
    }
    Config f;
    r = run({"--route", "/a=json,rooms=t", "--route", "/b=echo,rooms=t"}, f);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("different modes") != std::string::npos);
}

TEST(config_compression) {
    Config c;
    CHECK(run({}, c).action == Action::run);
    CHECK(!c.compression);
    CHECK_EQ(c.compression_min_size, 128u);
    CHECK_EQ(c.compression_level, 1u);
    CHECK(!c.compresses(c.routes[0]));
    Config d;
    CHECK(run({"--route", "/a=echo,compress", "--route", "/b=echo", "--compression-min-size", "1KiB",
               "--compression-level", "9"},
              d)
              .action == Action::run);
    CHECK(d.compresses(d.routes[0]) && !d.compresses(d.routes[1]));
    CHECK_EQ(d.compression_min_size, 1024u);
    CHECK_EQ(d.compression_level, 9u);
    Config e;
    CHECK(run({"--route", "/b=echo"}, e, {"WSHUB_COMPRESSION=on"}).action == Action::run);
    CHECK(e.compresses(e.routes[0]));
    const struct {
        const char* flag;
        const char* value;
        const char* expect;
    } bad[] = {
        {"--compression", "yes", "wshub: --compression: expected off or on"},
        {"--compression-level", "0", "wshub: --compression-level: expected an integer from 1 to 9"},
        {"--compression-level", "10", "wshub: --compression-level: expected an integer from 1 to 9"},
        {"--compression-min-size", "-1", "wshub: --compression-min-size: expected a size"},
        {"--route", "/a=echo,compress,compress", "wshub: --route: expected PATH=MODE"},
    };
    for (const auto& k : bad) {
        Config f;
        const auto r = run({k.flag, k.value}, f);
        CHECK(r.action == Action::usage_error);
        CHECK_EQ(r.message.substr(0, std::string(k.expect).size()), std::string(k.expect));
    }
}

TEST(config_redis) {
    Config c;
    CHECK(run({}, c).action == Action::run);
    CHECK(!c.redis);
    CHECK_EQ(c.redis_prefix, "wshub");
    CHECK_EQ(c.redis_queue_bytes, uint64_t(8) << 20);
    Config d;
    CHECK(run({"--redis", "redis://127.0.0.1:7000/2", "--redis-prefix", "eu-1", "--node-id", "node.a"}, d).action ==
          Action::run);
    CHECK(d.redis && d.redis->address.to_string() == "127.0.0.1:7000" && d.redis->db == 2);
    CHECK_EQ(d.redis_prefix, "eu-1");
    CHECK_EQ(d.node_id, "node.a");
    CHECK(d.warnings.empty());
    // A password on the command line: taken, with a warning; never echoed in an error.
    Config e;
    CHECK(run({"--redis", "redis://:hunter22@127.0.0.1"}, e).action == Action::run);
    CHECK_EQ(e.redis_password, "hunter22");
    CHECK_EQ(e.warnings.size(), 1u);
    Config f;
    auto r = run({"--redis", "redis://:hunter22@redis.internal"}, f);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("hunter22") == std::string::npos);
    r = run({}, f, {"WSHUB_REDIS=redis://:hunter22@nowhere"});
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("hunter22") == std::string::npos);
    // The password from a file, not from both places.
    TempFile pw("hunter22\n");
    Config g;
    CHECK(run({"--redis", "redis://127.0.0.1", "--redis-password-file", pw.path.c_str()}, g).action == Action::run);
    CHECK_EQ(g.redis_password, "hunter22");
    Config h;
    r = run({"--redis", "redis://:x@127.0.0.1", "--redis-password-file", pw.path.c_str()}, h);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("one source") != std::string::npos);
    Config k;
    CHECK(run({"--redis-password-file", pw.path.c_str()}, k).action == Action::usage_error);
    for (const char* bad : {"", "a b", "x/y", "this-name-is-far-too-long-for-a-node-id-because-it-has-more-than-64c"}) {
        Config m;
        CHECK(run({"--node-id", bad}, m).action == Action::usage_error);
        CHECK(run({"--redis-prefix", bad}, m).action == Action::usage_error);
    }
}

TEST(config_redis_cluster) {
    Config c;
    CHECK(run({"--redis-cluster", "127.0.0.1:7000,[::1]:7001"}, c).action == Action::run);
    CHECK_EQ(c.redis_cluster.size(), 2u);
    CHECK(c.redis && c.redis->address.to_string() == "127.0.0.1:7000");  // several nodes, no password
    CHECK_EQ(c.redis_cluster[1].to_string(), "[::1]:7001");
    TempFile pw("s3cret\n");
    Config d;
    CHECK(run({"--redis-cluster", "127.0.0.1:7000", "--redis-password-file", pw.path.c_str()}, d).action ==
          Action::run);
    CHECK_EQ(d.redis_password, "s3cret");
    Config e;
    auto r = run({"--redis", "redis://127.0.0.1", "--redis-cluster", "127.0.0.1:7000"}, e);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("not both") != std::string::npos);
    Config e2;
    r = run({"--redis-cluster", "127.0.0.1:7000", "--redis", "redis://127.0.0.1"}, e2);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("not both") != std::string::npos);
    for (const char* bad : {"", "127.0.0.1", "127.0.0.1:7000,", "redis.internal:7000", "127.0.0.1:7000,,127.0.0.1:7001",
                            "1.1.1.1:1,1.1.1.1:2,1.1.1.1:3,1.1.1.1:4,1.1.1.1:5,1.1.1.1:6,1.1.1.1:7,1.1.1.1:8,1.1.1.1:9,"
                            "1.1.1.1:10,1.1.1.1:11,1.1.1.1:12,1.1.1.1:13,1.1.1.1:14,1.1.1.1:15,1.1.1.1:16,1.1.1.1:17"}) {
        Config f;
        CHECK(run({"--redis-cluster", bad}, f).action == Action::usage_error);
    }
}

TEST(config_demo_flag) {
    Config defaults;
    CHECK(run({}, defaults).action == Action::run);
    CHECK(defaults.demo);
    Config off;
    CHECK(run({"--demo", "false"}, off).action == Action::run);
    CHECK(!off.demo);
    Config from_env;
    CHECK(run({}, from_env, {"WSHUB_DEMO=false"}).action == Action::run);
    CHECK(!from_env.demo);
    Config bad;
    const ParseResult r = run({"--demo", "maybe"}, bad);
    CHECK(r.action == Action::usage_error);
    CHECK(r.message.find("--demo") != std::string::npos);
}
