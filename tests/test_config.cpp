#include <string>
#include <vector>

#include "check.h"
#include "config/config.h"

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
    CHECK(c.find_route("/ws") != nullptr && c.find_route("/ws")->mode == wshub::config::RouteMode::json);
    CHECK(c.find_route("/echo") != nullptr && c.find_route("/echo")->mode == wshub::config::RouteMode::echo);
    CHECK(c.find_route("/raw") != nullptr && c.find_route("/raw")->mode == wshub::config::RouteMode::raw);
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
    CHECK(c.find_route("/a") != nullptr);
    CHECK(c.find_route("/b") != nullptr);
    CHECK(c.find_route("/echo") == nullptr);
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
        {"--workers", "abc", "wshub: --workers: expected an integer from 1 to 256, got 'abc'"},
        {"--workers", "0", "wshub: --workers: expected an integer from 1 to 256, got '0'"},
        {"--workers", "257", "wshub: --workers: expected"},
        {"--listen", "nowhere", "wshub: --listen: expected HOST:PORT"},
        {"--listen", "127.0.0.1:65536", "wshub: --listen: expected HOST:PORT"},
        {"--listen", "example.com:80", "wshub: --listen: expected HOST:PORT"},
        {"--route", "echo", "wshub: --route: expected PATH=MODE"},
        {"--route", "/x=nope", "wshub: --route: expected PATH=MODE"},
        {"--max-message", "12XB", "wshub: --max-message: expected a size"},
        {"--max-message", "0", "wshub: --max-message: expected a size"},
        {"--max-message", "4GiB", "wshub: --max-message: expected a size from 1 to 4294967280 bytes"},
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
    CHECK(c.find_route("/y") != nullptr);
    r = run({"--workers", "2", "--route", "/z=echo"}, c, {"WSHUB_WORKERS=5", "WSHUB_ROUTE=/x=echo"});
    CHECK_EQ(c.workers, 2u);
    CHECK_EQ(c.routes.size(), 1u);
    CHECK(c.find_route("/z") != nullptr);
    r = run({}, c, {"WSHUB_WORKERS=zero"});
    CHECK(r.action == Action::usage_error);
    CHECK_EQ(r.message, "wshub: WSHUB_WORKERS (--workers): expected an integer from 1 to 256, got 'zero'");
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
