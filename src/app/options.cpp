#include "app/options.h"

#include <chrono>
#include <cstdint>
#include <string_view>

namespace wshub::app {
namespace {

using Words = std::vector<std::string>;

void text(Words& w, const std::string& s) {
    if (!s.empty()) w.push_back(s);
}
void list(Words& w, const std::vector<std::string>& items) { w.insert(w.end(), items.begin(), items.end()); }
void number(Words& w, uint64_t n) { w.push_back(std::to_string(n)); }
// For a flag with no zero: 0 stands for the flag not given.
void number_or_default(Words& w, uint64_t n) {
    if (n != 0) number(w, n);
}
// Milliseconds, which every duration flag takes ("-5ms" is refused as the flag refuses it).
void duration(Words& w, std::chrono::milliseconds d) { w.push_back(std::to_string(d.count()) + "ms"); }
void boolean(Words& w, bool b) { w.push_back(b ? "true" : "false"); }

// Which field each flag is. A flag without a row here is caught by
// tests/test_options.cpp, which compares these names with --help's.
struct OptionRow {
    const char* flag;
    void (*values)(const Options&, Words&);
};

const OptionRow kOptionRows[] = {
    {"listen", [](const Options& o, Words& w) { text(w, o.listen); }},
    {"metrics-listen", [](const Options& o, Words& w) { text(w, o.metrics_listen); }},
    {"workers", [](const Options& o, Words& w) { number_or_default(w, o.workers); }},
    {"route", [](const Options& o, Words& w) { list(w, o.routes); }},
    {"subprotocol", [](const Options& o, Words& w) { list(w, o.subprotocols); }},
    {"demo", [](const Options& o, Words& w) { boolean(w, o.demo); }},
    {"max-header-bytes", [](const Options& o, Words& w) { number(w, o.max_header_bytes); }},
    {"max-message", [](const Options& o, Words& w) { number(w, o.max_message); }},
    {"handshake-timeout", [](const Options& o, Words& w) { duration(w, o.handshake_timeout); }},
    {"ping-interval", [](const Options& o, Words& w) { duration(w, o.ping_interval); }},
    {"idle-timeout", [](const Options& o, Words& w) { duration(w, o.idle_timeout); }},
    {"close-timeout", [](const Options& o, Words& w) { duration(w, o.close_timeout); }},
    {"upstream-timeout", [](const Options& o, Words& w) { duration(w, o.upstream_timeout); }},
    {"compression", [](const Options& o, Words& w) { w.push_back(o.compression ? "on" : "off"); }},
    {"compression-min-size", [](const Options& o, Words& w) { number(w, o.compression_min_size); }},
    {"compression-level", [](const Options& o, Words& w) { number(w, o.compression_level); }},
    {"queue-messages", [](const Options& o, Words& w) { number(w, o.queue_messages); }},
    {"queue-bytes", [](const Options& o, Words& w) { number(w, o.queue_bytes); }},
    {"overflow", [](const Options& o, Words& w) { text(w, o.overflow); }},
    {"block-timeout", [](const Options& o, Words& w) { duration(w, o.block_timeout); }},
    {"echo-self", [](const Options& o, Words& w) { boolean(w, o.echo_self); }},
    {"max-conns", [](const Options& o, Words& w) { number(w, o.max_conns); }},
    {"max-conns-per-ip", [](const Options& o, Words& w) { number(w, o.max_conns_per_ip); }},
    {"trusted-proxy", [](const Options& o, Words& w) { list(w, o.trusted_proxies); }},
    {"max-room-conns", [](const Options& o, Words& w) { number(w, o.max_room_conns); }},
    {"max-rooms-per-conn", [](const Options& o, Words& w) { number(w, o.max_rooms_per_conn); }},
    {"max-members-list", [](const Options& o, Words& w) { number(w, o.max_members_list); }},
    {"jwt-secret-file", [](const Options& o, Words& w) { list(w, o.jwt_secret_files); }},
    {"jwt-leeway", [](const Options& o, Words& w) { duration(w, o.jwt_leeway); }},
    {"jwt-issuer", [](const Options& o, Words& w) { text(w, o.jwt_issuer); }},
    {"jwt-audience", [](const Options& o, Words& w) { text(w, o.jwt_audience); }},
    {"room-password", [](const Options& o, Words& w) { list(w, o.room_passwords); }},
    {"room-password-file", [](const Options& o, Words& w) { text(w, o.room_password_file); }},
    {"allow-origin", [](const Options& o, Words& w) { list(w, o.allow_origins); }},
    {"require-origin", [](const Options& o, Words& w) { boolean(w, o.require_origin); }},
    {"max-msg-rate", [](const Options& o, Words& w) { number(w, o.max_msg_rate); }},
    {"max-msg-burst", [](const Options& o, Words& w) { number_or_default(w, o.max_msg_burst); }},
    {"drain-timeout", [](const Options& o, Words& w) { duration(w, o.drain_timeout); }},
    {"log-level", [](const Options& o, Words& w) { text(w, o.log_level); }},
    {"log-format", [](const Options& o, Words& w) { text(w, o.log_format); }},
    {"publish-token-file", [](const Options& o, Words& w) { text(w, o.publish_token_file); }},
    {"static", [](const Options& o, Words& w) { text(w, o.static_dir); }},
    {"redis", [](const Options& o, Words& w) { text(w, o.redis); }},
    {"redis-cluster", [](const Options& o, Words& w) { text(w, o.redis_cluster); }},
    {"redis-password-file", [](const Options& o, Words& w) { text(w, o.redis_password_file); }},
    {"redis-prefix", [](const Options& o, Words& w) { text(w, o.redis_prefix); }},
    {"node-id", [](const Options& o, Words& w) { text(w, o.node_id); }},
    {"redis-queue-bytes", [](const Options& o, Words& w) { number(w, o.redis_queue_bytes); }},
    {"node-timeout", [](const Options& o, Words& w) { duration(w, o.node_timeout); }},
    {"redis-required", [](const Options& o, Words& w) { boolean(w, o.redis_required); }},
};

}  // namespace

std::vector<std::string> option_args(const Options& o) {
    Words args, values;
    for (const OptionRow& row : kOptionRows) {
        values.clear();
        row.values(o, values);
        // The inline form: a value starting with '-' is still the value.
        for (const std::string& v : values) args.push_back(std::string("--") + row.flag + "=" + v);
    }
    return args;
}

config::ParseResult to_config(const Options& o, const std::vector<std::string>& custom_modes,
                              config::Config& out) {
    const Words args = option_args(o);
    std::vector<const char*> argv{"wshub"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    // The secret the binary takes only from its environment, given as it would be.
    const std::string secret = "WSHUB_JWT_SECRET=" + o.jwt_secret;
    const char* envp[] = {o.jwt_secret.empty() ? nullptr : secret.c_str(), nullptr};
    config::ParseResult r = config::parse(int(argv.size() - 1), argv.data(), envp, out, custom_modes);
    // parse's warnings are about secrets on a command line, visible in ps:
    // Options never are on one.
    out.warnings.clear();
    return r;
}

std::string check_modes(const std::vector<Mode>& modes) {
    for (size_t i = 0; i < modes.size(); ++i) {
        const std::string& name = modes[i].name;
        if (name == "echo" || name == "raw" || name == "json" || !modes[i].handler)
            return "wshub: custom mode '" + name + "' clashes with a built-in mode or has no handler";
        for (size_t j = 0; j < i; ++j)
            if (modes[j].name == name) return "wshub: custom mode '" + name + "' is given twice";
    }
    return {};
}

}  // namespace wshub::app
