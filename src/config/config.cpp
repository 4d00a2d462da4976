#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "auth/policy.h"
#include "config/routes.h"
#include "ws/frame.h"
#include "wshub/version.h"

namespace wshub::config {
namespace {

// A setter returns "" on success, else what the flag accepts (for the error line).
using Setter = std::string (*)(Config&, std::string_view);

struct Flag {
    const char* name;         // without the leading dashes
    const char* placeholder;  // for --help
    const char* default_text;
    const char* help;
    Setter set;
    bool repeatable;
};

template <uint64_t Min, uint64_t Max>
std::string set_integer(uint64_t& field, std::string_view v) {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < Min || n > Max)
        return "expected an integer from " + std::to_string(Min) + " to " + std::to_string(Max);
    field = n;
    return {};
}

std::string set_duration(uint64_t& field, std::string_view v, bool zero_ok) {
    uint64_t ms;
    if (!parse_duration_ms(v, ms) || (!zero_ok && ms == 0))
        return zero_ok ? "expected a duration such as 500ms, 10s, 2m or 0 (off)"
                       : "expected a positive duration such as 500ms, 10s or 2m";
    field = ms;
    return {};
}

std::string set_size(uint64_t& field, std::string_view v, uint64_t min, uint64_t max) {
    uint64_t n = 0;
    if (!parse_size(v, n) || n < min || n > max)
        return "expected a size from " + std::to_string(min) + " to " + std::to_string(max) +
               " bytes, such as 8KiB or 16MiB";
    field = n;
    return {};
}

std::string set_listen(Config& c, std::string_view v) {
    auto a = net::parse_address(v);
    if (!a) return "expected HOST:PORT with a numeric host, such as 127.0.0.1:8080 or [::1]:8080";
    c.listen = *a;
    return {};
}

std::string set_metrics_listen(Config& c, std::string_view v) {
    auto a = net::parse_address(v);
    if (!a) return "expected HOST:PORT with a numeric host, such as 127.0.0.1:8081 or [::1]:8081";
    c.metrics_listen = *a;
    return {};
}

std::string set_workers(Config& c, std::string_view v) {
    uint64_t n = 0;
    std::string err = set_integer<1, 256>(n, v);
    if (err.empty()) c.workers = unsigned(n);
    return err;
}

// A connection names its route with a 16-bit index (app/connection.h).

std::string set_route(Config& c, std::string_view v) { return add_route(c, v); }

bool is_token_char(char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::strchr("!#$%&'*+-.^_`|~", ch);
}

std::string set_subprotocol(Config& c, std::string_view v) {
    if (v.empty()) return "expected a token (letters, digits and !#$%&'*+-.^_`|~)";
    for (char ch : v)
        if (!is_token_char(ch)) return "expected a token (letters, digits and !#$%&'*+-.^_`|~)";
    // Offers of this form carry a client's token; one is never selected.
    if (v.substr(0, 7) == "bearer.") return "expected a name not starting with 'bearer.' (reserved for tokens)";
    c.subprotocols.emplace_back(v);
    return {};
}

std::string set_overflow(Config& c, std::string_view v) {
    if (v == "close") c.overflow = Overflow::close;
    else if (v == "drop") c.overflow = Overflow::drop;
    else if (v == "block") c.overflow = Overflow::block;
    else return "expected close, drop or block";
    return {};
}

std::string set_bool(bool& field, std::string_view v) {
    if (v == "true" || v == "1" || v == "yes") field = true;
    else if (v == "false" || v == "0" || v == "no") field = false;
    else return "expected true or false";
    return {};
}

std::string set_max_header_bytes(Config& c, std::string_view v) {
    uint64_t n = 0;
    std::string err = set_size(n, v, 256, 1024 * 1024);
    if (err.empty()) c.max_header_bytes = size_t(n);
    return err;
}

// Same rule as the hub's: what a connection could join.
bool valid_room_name(std::string_view name) {
    if (name.empty() || name.size() > 128) return false;
    for (unsigned char ch : name)
        if (ch < 0x20 || ch == 0x7f) return false;
    return true;
}

// Small files only (secrets, password lists): false if unreadable or over 1 MiB.
bool read_small_file(const std::string& path, std::string& out, std::string& why) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::string("cannot read the file: ") + std::strerror(errno);
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    out = text.str();
    if (out.size() > (1u << 20)) {
        why = "the file is larger than 1 MiB";
        return false;
    }
    return true;
}

std::string add_room_password(Config& c, std::string_view line) {
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) return "expected ROOM=SECRET";
    const std::string_view room = line.substr(0, eq), secret = line.substr(eq + 1);
    if (!valid_room_name(room)) return "expected ROOM=SECRET with ROOM 1 to 128 bytes without control characters";
    if (secret.empty()) return "expected ROOM=SECRET with a non-empty SECRET";
    for (const auto& p : c.room_passwords)
        if (p.room == room) return "expected each ROOM once, got '" + std::string(room) + "' twice";
    c.room_passwords.push_back({std::string(room), std::string(secret)});
    return {};
}

// Read once every flag is known, so the command line's --room-password list
// (which replaces the environment's) cannot wipe what the file added.
std::string load_room_password_file(Config& c) {
    std::string text, why;
    if (!read_small_file(c.room_password_file, text, why)) return "expected a readable file of ROOM=SECRET lines (" + why + ")";
    std::string_view rest = text;
    for (size_t line_no = 1; !rest.empty(); ++line_no) {
        const size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || line.front() == '#') continue;
        // The line itself may hold a secret: name the line, never show it.
        if (std::string err = add_room_password(c, line); !err.empty())
            return "line " + std::to_string(line_no) + ": " + err;
    }
    return {};
}

std::string set_allow_origin(Config& c, std::string_view v) {
    if (!auth::valid_origin_pattern(v))
        return "expected an origin such as https://example.com, https://*.example.com:8443 or null";
    c.allow_origins.emplace_back(v);
    return {};
}

std::string set_text(std::string& field, std::string_view v) {
    if (v.empty()) return "expected a non-empty value";
    field = v;
    return {};
}

std::string set_log_level(Config& c, std::string_view v) {
    if (v == "error") c.log_level = LogLevel::error;
    else if (v == "warn") c.log_level = LogLevel::warn;
    else if (v == "info") c.log_level = LogLevel::info;
    else if (v == "debug") c.log_level = LogLevel::debug;
    else return "expected error, warn, info or debug";
    return {};
}

std::string set_log_format(Config& c, std::string_view v) {
    if (v == "text") c.log_format = LogFormat::text;
    else if (v == "json") c.log_format = LogFormat::json;
    else return "expected text or json";
    return {};
}

// The decoder reassembles in 32-bit sizes (ws::Decoder::kMaxDecodedMessage),
// which also fits one outgoing frame (hub::Frame).
constexpr uint64_t kMaxFramePayload = ws::Decoder::kMaxDecodedMessage;

const Flag kFlags[] = {
    {"listen", "HOST:PORT", "127.0.0.1:8080", "address to accept connections on", set_listen, false},
    {"metrics-listen", "HOST:PORT", "none: on --listen",
     "serve /metrics, /healthz and /readyz on this address only, from a thread of their own", set_metrics_listen,
     false},
    {"workers", "N", "number of cores", "worker threads, each with its own event loop and listening socket",
     set_workers, false},
    {"route", "PATH=MODE[,auth][,rooms=NAME][,anonymous]", "/echo=echo /raw=raw /ws=json",
     "serve WebSocket connections on PATH in MODE (echo, raw, json); with ,auth only clients with a valid "
     "token; its rooms are its own unless routes of one mode share them by rooms=NAME (a public route "
     "beside ,auth ones only if marked ,anonymous); repeatable, replaces the defaults", set_route, true},
    {"subprotocol", "NAME", "none",
     "a subprotocol the server supports; repeatable; the first one the client offers wins",
     set_subprotocol, true},
    {"max-header-bytes", "SIZE", "8KiB", "largest request head (request line and headers); over it: 431",
     set_max_header_bytes, false},
    {"max-message", "SIZE", "16MiB", "largest message, all fragments together; over it: close 1009",
     [](Config& c, std::string_view v) { return set_size(c.max_message, v, 1, kMaxFramePayload); }, false},
    {"handshake-timeout", "DURATION", "10s", "time allowed for a complete upgrade request",
     [](Config& c, std::string_view v) { return set_duration(c.handshake_timeout_ms, v, false); }, false},
    {"ping-interval", "DURATION", "30s", "ping a connection that has been silent this long; 0: never",
     [](Config& c, std::string_view v) { return set_duration(c.ping_interval_ms, v, true); }, false},
    {"idle-timeout", "DURATION", "60s",
     "close (1001) a connection that has sent nothing, not even a pong, this long; 0: never",
     [](Config& c, std::string_view v) { return set_duration(c.idle_timeout_ms, v, true); }, false},
    {"close-timeout", "DURATION", "5s", "how long to wait for the peer to finish a close handshake",
     [](Config& c, std::string_view v) { return set_duration(c.close_timeout_ms, v, false); }, false},
    {"queue-messages", "N", "1024", "most data frames waiting in one connection's send queue",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 1u << 24>(n, v);
         if (err.empty()) c.queue_messages = uint32_t(n);
         return err;
     }, false},
    {"queue-bytes", "SIZE", "1MiB", "most bytes of data frames waiting in one connection's send queue",
     [](Config& c, std::string_view v) { return set_size(c.queue_bytes, v, 1024, uint64_t(1) << 36); }, false},
    {"overflow", "POLICY", "close",
     "when a member's send queue is full: close (1008 \"slow consumer\"), drop (the message, for "
     "it) or block (stop reading the publisher until there is room, up to --block-timeout)",
     set_overflow, false},
    {"block-timeout", "DURATION", "1s",
     "--overflow block: how long a delivery may wait for room before it is dropped for that member",
     [](Config& c, std::string_view v) { return set_duration(c.block_timeout_ms, v, false); }, false},
    {"echo-self", "BOOL", "false", "raw and json modes: a sender also receives its own room messages",
     [](Config& c, std::string_view v) { return set_bool(c.echo_self, v); }, false},
    {"max-conns", "N", "0 (none)", "most open WebSocket connections; over it: 503 with Retry-After",
     [](Config& c, std::string_view v) { return set_integer<0, uint64_t(1) << 32>(c.max_conns, v); }, false},
    {"max-conns-per-ip", "N", "0 (none)",
     "most open WebSocket connections from one client address; over it: 429 with Retry-After",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, UINT32_MAX>(n, v);
         if (err.empty()) c.max_conns_per_ip = uint32_t(n);
         return err;
     }, false},
    {"max-room-conns", "N", "0 (none)",
     "most members of one room; over it: 503 before the upgrade (raw) or error room_full (json)",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, UINT32_MAX>(n, v);
         if (err.empty()) c.max_room_conns = uint32_t(n);
         return err;
     }, false},
    {"max-rooms-per-conn", "N", "16", "most rooms one connection may be in; over it: 400 before the upgrade (raw) or error too_many_rooms (json)",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 65536>(n, v);
         if (err.empty()) c.max_rooms_per_conn = uint32_t(n);
         return err;
     }, false},
    {"jwt-secret-file", "PATH", "none",
     "file holding the HS256 secret for routes marked ,auth (one trailing newline is ignored); "
     "or set WSHUB_JWT_SECRET; never on the command line",
     [](Config& c, std::string_view v) { return set_text(c.jwt_secret_file, v); }, false},
    {"jwt-leeway", "DURATION", "30s", "clock skew allowed when checking a token's exp and nbf",
     [](Config& c, std::string_view v) { return set_duration(c.jwt_leeway_ms, v, true); }, false},
    {"jwt-issuer", "ISS", "none (not checked)", "the iss claim every token must carry",
     [](Config& c, std::string_view v) { return set_text(c.jwt_issuer, v); }, false},
    {"jwt-audience", "AUD", "none (not checked)", "a value the aud claim of every token must hold",
     [](Config& c, std::string_view v) { return set_text(c.jwt_audience, v); }, false},
    {"room-password", "ROOM=SECRET", "none",
     "a room joined only with this password; repeatable (visible in ps: prefer --room-password-file)",
     add_room_password, true},
    {"room-password-file", "PATH", "none", "a file of ROOM=SECRET lines ('#' comments and blank lines skipped)",
     [](Config& c, std::string_view v) { return set_text(c.room_password_file, v); }, false},
    {"allow-origin", "ORIGIN", "any",
     "an Origin browsers may connect from (exact, or https://*.example.com); repeatable; others: 403",
     set_allow_origin, true},
    {"require-origin", "BOOL", "false", "refuse (403) requests without an Origin header",
     [](Config& c, std::string_view v) { return set_bool(c.require_origin, v); }, false},
    {"max-msg-rate", "N", "0 (none)",
     "data messages per second one connection may send (token bucket); over it: close 1008",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, 1000000>(n, v);
         if (err.empty()) c.max_msg_rate = uint32_t(n);
         return err;
     }, false},
    {"max-msg-burst", "N", "the rate", "messages a connection may send at once before --max-msg-rate applies",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 1000000>(n, v);
         if (err.empty()) c.max_msg_burst = uint32_t(n);
         return err;
     }, false},
    {"drain-timeout", "DURATION", "10s",
     "on SIGTERM/SIGINT, how long open connections get to take their queued messages and the 1001 "
     "close before they are cut; 0: cut at once",
     [](Config& c, std::string_view v) { return set_duration(c.drain_timeout_ms, v, true); }, false},
    {"log-level", "LEVEL", "info", "least severe log lines written to stderr: error, warn, info or debug",
     set_log_level, false},
    {"log-format", "FORMAT", "text", "log lines as text (key=value) or json (one object a line)",
     set_log_format, false},
    {"publish-token-file", "PATH", "none",
     "file holding the bearer token of POST /publish (one trailing newline is ignored)",
     [](Config& c, std::string_view v) { return set_text(c.publish_token_file, v); }, false},
};

const Flag* find_flag(std::string_view name) {
    for (const auto& f : kFlags)
        if (name == f.name) return &f;
    return nullptr;
}

std::string env_name(const Flag& f) {
    std::string s = "WSHUB_";
    for (const char* p = f.name; *p; ++p) s += *p == '-' ? '_' : char(std::toupper(*p));
    return s;
}

ParseResult usage_error(std::string message) {
    return {ParseResult::Action::usage_error, "wshub: " + std::move(message)};
}

// The JWT secret: from --jwt-secret-file or WSHUB_JWT_SECRET, never both.
std::string resolve_jwt_secret(Config& c, const char* const* envp) {
    const char* from_env = nullptr;
    for (const char* const* e = envp; e && *e; ++e)
        if (std::strncmp(*e, "WSHUB_JWT_SECRET=", 17) == 0) from_env = *e + 17;
    if (from_env && !c.jwt_secret_file.empty())
        return "--jwt-secret-file: expected one source of the JWT secret, got both it and WSHUB_JWT_SECRET";
    if (from_env) {
        c.jwt_secret = from_env;
        if (c.jwt_secret.empty()) return "WSHUB_JWT_SECRET: expected a non-empty secret";
    } else if (!c.jwt_secret_file.empty()) {
        std::string why;
        if (!read_small_file(c.jwt_secret_file, c.jwt_secret, why))
            return "--jwt-secret-file: expected a readable file holding the secret (" + why + "), got '" +
                   c.jwt_secret_file + "'";
        // Editors and `echo` end files with a newline that is not part of it.
        if (!c.jwt_secret.empty() && c.jwt_secret.back() == '\n') c.jwt_secret.pop_back();
        if (!c.jwt_secret.empty() && c.jwt_secret.back() == '\r') c.jwt_secret.pop_back();
        if (c.jwt_secret.empty())
            return "--jwt-secret-file: expected a non-empty secret, got an empty file '" + c.jwt_secret_file + "'";
    }
    for (const auto& r : c.routes)
        if (r.auth && c.jwt_secret.empty())
            return "--route " + r.path + ": an ,auth route needs --jwt-secret-file or WSHUB_JWT_SECRET";
    return {};
}

// The /publish token: sent in a header, so visible ASCII without spaces; and
// long enough that guessing it over the network is hopeless.
std::string resolve_publish_token(Config& c) {
    if (c.publish_token_file.empty()) return {};
    const std::string accepts = "--publish-token-file: expected a readable file holding a token of 16 to 4096 "
                                "visible ASCII characters";
    std::string why;
    if (!read_small_file(c.publish_token_file, c.publish_token, why))
        return accepts + " (" + why + "), got '" + c.publish_token_file + "'";
    if (!c.publish_token.empty() && c.publish_token.back() == '\n') c.publish_token.pop_back();
    if (!c.publish_token.empty() && c.publish_token.back() == '\r') c.publish_token.pop_back();
    bool visible = c.publish_token.size() >= 16 && c.publish_token.size() <= 4096;
    for (unsigned char ch : c.publish_token) visible = visible && ch > 0x20 && ch < 0x7f;
    // The file's content is a secret: say what is wrong with it, never show it.
    if (!visible) {
        c.publish_token.clear();
        return accepts + ", got a file that does not hold one ('" + c.publish_token_file + "')";
    }
    return {};
}

// Cross-flag rules and the files, once every source has been read.
std::string finish(Config& c, const char* const* envp) {
    if (c.routes.empty()) return "--route: at least one route is required";
    if (std::string err = assign_namespaces(c); !err.empty()) return err;
    if (c.metrics_listen && c.metrics_listen->to_string() == c.listen.to_string())
        return "--metrics-listen: expected an address other than --listen's, got '" + c.listen.to_string() + "'";
    if (!c.room_password_file.empty())
        if (std::string err = load_room_password_file(c); !err.empty())
            return "--room-password-file: " + err + " ('" + c.room_password_file + "')";
    if (c.max_msg_burst == 0) c.max_msg_burst = c.max_msg_rate;
    if (std::string err = resolve_publish_token(c); !err.empty()) return err;
    return resolve_jwt_secret(c, envp);
}

std::string flag_error(const Flag& f, std::string_view value, const std::string& accepts) {
    return std::string("--") + f.name + ": " + accepts + ", got '" + std::string(value) + "'";
}

void set_defaults(Config& c) {
    c = Config{};
    c.listen = *net::parse_address("127.0.0.1:8080");
    const unsigned cores = std::thread::hardware_concurrency();
    c.workers = cores == 0 ? 1 : cores > 256 ? 256 : cores;
}

// Clears the list a repeatable flag builds, the first time a source sets it.
void reset_list(Config& c, const Flag& f) {
    if (std::strcmp(f.name, "route") == 0) c.routes.clear();
    if (std::strcmp(f.name, "subprotocol") == 0) c.subprotocols.clear();
    if (std::strcmp(f.name, "room-password") == 0) c.room_passwords.clear();
    if (std::strcmp(f.name, "allow-origin") == 0) c.allow_origins.clear();
}

std::string apply_environment(Config& c, const char* const* envp) {
    if (!envp) return {};
    for (const auto& f : kFlags) {
        const std::string prefix = env_name(f) + "=";
        for (const char* const* e = envp; *e; ++e) {
            if (std::strncmp(*e, prefix.c_str(), prefix.size()) != 0) continue;
            std::string_view value(*e + prefix.size());
            reset_list(c, f);
            // Repeatable flags take a comma-separated list in the environment.
            while (true) {
                const size_t comma = f.repeatable ? value.find(',') : std::string_view::npos;
                const std::string_view item = value.substr(0, comma);
                std::string accepts = f.set(c, item);
                if (!accepts.empty())
                    return env_name(f) + " (--" + f.name + "): " + accepts +
                           (std::strcmp(f.name, "room-password") == 0 ? "" : ", got '" + std::string(item) + "'");
                if (comma == std::string_view::npos) break;
                value.remove_prefix(comma + 1);
            }
        }
    }
    return {};
}

}  // namespace

const char* mode_name(RouteMode mode) noexcept {
    switch (mode) {
    case RouteMode::echo: return "echo";
    case RouteMode::raw: return "raw";
    case RouteMode::json: return "json";
    case RouteMode::custom: return "custom";
    }
    return "?";
}

std::string_view Config::mode_of(const Route& r) const noexcept {
    return r.mode == RouteMode::custom ? std::string_view(custom_modes[r.custom]) : mode_name(r.mode);
}

const Route* Config::find_route(std::string_view path) const noexcept {
    for (const auto& r : routes)
        if (r.path == path) return &r;
    return nullptr;
}

bool parse_duration_ms(std::string_view text, uint64_t& out) noexcept {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end == text.data()) return false;
    const std::string_view unit(end, size_t(text.data() + text.size() - end));
    uint64_t scale;
    if (unit.empty() || unit == "s") scale = 1000;
    else if (unit == "ms") scale = 1;
    else if (unit == "m") scale = 60'000;
    else if (unit == "h") scale = 3'600'000;
    else return false;
    // Cap at ~24 days so every duration fits an int millisecond timeout.
    if (n > (uint64_t(1) << 31) / scale) return false;
    out = n * scale;
    return true;
}

bool parse_size(std::string_view text, uint64_t& out) noexcept {
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end == text.data()) return false;
    const std::string_view unit(end, size_t(text.data() + text.size() - end));
    unsigned shift;
    if (unit.empty() || unit == "B") shift = 0;
    else if (unit == "K" || unit == "KiB") shift = 10;
    else if (unit == "M" || unit == "MiB") shift = 20;
    else if (unit == "G" || unit == "GiB") shift = 30;
    else return false;
    if (shift && n > (~uint64_t(0) >> shift)) return false;
    out = n << shift;
    return true;
}

std::string help_text() {
    std::string s =
        "usage: wshub [--flag value ...]\n"
        "\n"
        "A WebSocket hub server. Every flag can also be set with the environment\n"
        "variable WSHUB_<FLAG> (upper case, '-' as '_'; repeatable flags take a\n"
        "comma-separated list); a flag on the command line wins.\n"
        "SIZE: bytes, or with K/KiB, M/MiB, G/GiB. DURATION: 500ms, 10s, 2m, 1h, or seconds.\n"
        "\n"
        "flags:\n";
    for (const auto& f : kFlags) {
        std::string left = std::string("  --") + f.name + " " + f.placeholder;
        if (left.size() < 32) left.resize(32, ' ');
        else left += "\n" + std::string(32, ' ');
        s += left + f.help + " (default: " + f.default_text + ")\n";
    }
    s += "  --help                        print this help and exit\n"
         "  --version                     print the version and exit\n"
         "\n"
         "environment only:\n"
         "  WSHUB_JWT_SECRET              the HS256 secret itself, instead of --jwt-secret-file\n";
    return s;
}

ParseResult parse(int argc, const char* const* argv, const char* const* envp, Config& out,
                  const std::vector<std::string>& custom_modes) {
    set_defaults(out);
    if (custom_modes.size() > 255) return usage_error("at most 255 custom modes");
    out.custom_modes = custom_modes;
    for (const auto& [path, mode] : {std::pair{"/echo", RouteMode::echo}, {"/raw", RouteMode::raw}, {"/ws", RouteMode::json}}) {
        Route r;
        r.path = path;
        r.mode = mode;
        out.routes.push_back(std::move(r));
    }
    if (std::string err = apply_environment(out, envp); !err.empty()) return usage_error(err);

    bool list_reset[std::size(kFlags)] = {};
    for (int i = 1; i < argc; ++i) {
        std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") return {ParseResult::Action::print_and_exit, help_text()};
        if (arg == "--version")
            return {ParseResult::Action::print_and_exit, "wshub " WSHUB_VERSION "\n"};
        if (arg.substr(0, 2) != "--") return usage_error("unexpected argument '" + std::string(arg) + "' (see --help)");
        std::string_view name = arg.substr(2), value;
        bool inline_value = false;
        if (size_t eq = name.find('='); eq != std::string_view::npos) {
            value = name.substr(eq + 1);
            name = name.substr(0, eq);
            inline_value = true;
        }
        if (name == "jwt-secret")
            return usage_error("--jwt-secret: refused: a secret on the command line is visible to every user of "
                               "the machine; use --jwt-secret-file or WSHUB_JWT_SECRET");
        const Flag* f = find_flag(name);
        if (!f) return usage_error("unknown flag --" + std::string(name) + " (see --help)");
        if (!inline_value) {
            if (i + 1 >= argc) return usage_error(std::string("--") + f->name + ": missing value (" + f->placeholder + ")");
            value = argv[++i];
        }
        const size_t index = size_t(f - kFlags);
        if (f->repeatable && !list_reset[index]) {
            reset_list(out, *f);
            list_reset[index] = true;
        }
        // A rejected secret is not echoed back into the error line either.
        const bool secret = std::strcmp(f->name, "room-password") == 0;
        if (std::string accepts = f->set(out, value); !accepts.empty())
            return usage_error(secret ? std::string("--room-password: ") + accepts : flag_error(*f, value, accepts));
        if (secret && out.warnings.empty())
            out.warnings.push_back("--room-password on the command line is visible to every user of the machine "
                                   "(ps); prefer --room-password-file");
    }
    if (std::string err = finish(out, envp); !err.empty()) return usage_error(err);
    return {};
}

}  // namespace wshub::config
