#include "config/flags.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <thread>

#include "auth/policy.h"
#include "config/route_spec.h"
#include "config/routes.h"
#include "config/secrets.h"
#include "files/file_answer.h"
#include "ws/frame.h"

namespace wshub::config {
namespace {

// A repeatable flag's list, cleared when a source first sets it (so the
// command line's list replaces the environment's, and both the defaults).
template <auto List>
void clear_list(Config& c) {
    (c.*List).clear();
}

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
    std::string err = set_integer<1, 64>(n, v);
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

std::string set_compression(Config& c, std::string_view v) {
    if (v == "on") c.compression = true;
    else if (v == "off") c.compression = false;
    else return "expected off or on";
    return {};
}

constexpr const char* kOneRedis = "expected one of --redis and --redis-cluster, not both";

std::string set_redis(Config& c, std::string_view v) {
    if (!c.redis_cluster.empty()) return kOneRedis;
    RedisTarget t;
    std::string why;
    if (!parse_redis_url(v, t, why)) return why;
    c.redis = std::move(t);
    return {};
}

// The seeds a node learns a Redis Cluster's map from: numeric, as --listen.
std::string set_redis_cluster(Config& c, std::string_view v) {
    if (c.redis && c.redis_cluster.empty()) return kOneRedis;
    std::vector<net::Address> seeds;
    for (size_t at = 0; at <= v.size();) {
        const size_t comma = std::min(v.find(',', at), v.size());
        const auto a = net::parse_address(v.substr(at, comma - at));
        if (!a) return "expected HOST:PORT[,HOST:PORT...] with numeric hosts, such as 127.0.0.1:7000,127.0.0.1:7001";
        seeds.push_back(*a);
        at = comma + 1;
    }
    if (seeds.size() > 16) return "expected at most 16 seeds";
    c.redis_cluster = std::move(seeds);
    RedisTarget first;  // several nodes; the password from its file
    first.address = c.redis_cluster.front();
    c.redis = std::move(first);
    return {};
}

// Heartbeats go every quarter of it and are checked every sixteenth: 300 ms
// at least.
std::string set_node_timeout(Config& c, std::string_view v) {
    uint64_t ms = 0;
    if (std::string err = set_duration(ms, v, false); !err.empty()) return err;
    if (ms < 300) return "expected a duration of at least 300ms";
    c.node_timeout_ms = ms;
    return {};
}

// --redis-prefix and --node-id: names that go into Redis channels and logs.
std::string set_name(std::string& field, std::string_view v) {
    const bool ok = !v.empty() && v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
    });
    if (!ok) return "expected 1 to 64 letters, digits, '-', '_' or '.'";
    field = v;
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

std::string set_allow_origin(Config& c, std::string_view v) {
    if (!auth::valid_origin_pattern(v))
        return "expected an origin such as https://example.com, https://*.example.com:8443 or null";
    c.allow_origins.emplace_back(v);
    return {};
}

std::string set_trusted_proxy(Config& c, std::string_view v) {
    const auto range = net::parse_cidr(v);
    if (!range)
        return "expected an IP address or CIDR such as 127.0.0.1, 10.0.0.0/8 or fd00::/8, with no bits set "
               "past the prefix";
    c.trusted_proxies.push_back(*range);
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
    {"listen", "HOST:PORT", "127.0.0.1:8080", "address to accept connections on", set_listen, nullptr},
    {"metrics-listen", "HOST:PORT", "none: on --listen",
     "serve /metrics, /healthz and /readyz on this address only, from a thread of their own", set_metrics_listen,
     nullptr},
    {"workers", "N", "number of cores", "worker threads, each with its own event loop and listening socket",
     set_workers, nullptr},
    {"route", "[HOST]PATH=MODE[,auth][,scope=S...][,rooms=NAME][,anonymous][,compress][,upstream=URL...]",
     "/echo=echo /raw=raw /ws=json",
     "serve WebSocket connections on PATH in MODE (echo, raw, json, or proxy: each client carried to one of "
     "the route's upstream=ws://IP:PORT/PATH, in turn); with HOST (a.example.com or "
     "*.example.com) only requests whose Host is it, before the route of PATH on any host; with ,auth only "
     "clients with a valid token, and with each ,scope=S only tokens whose scope holds S (else 403); its "
     "rooms are its own unless routes of one mode share them by rooms=NAME (a public route beside ,auth ones "
     "only if marked ,anonymous); ,compress: permessage-deflate on this route; repeatable, replaces the "
     "defaults", set_route, clear_list<&Config::routes>, false, route_spec_length},
    {"subprotocol", "NAME", "none",
     "a subprotocol the server supports; repeatable; the first one the client offers wins",
     set_subprotocol, clear_list<&Config::subprotocols>},
    {"demo", "BOOL", "true",
     "serve the chat demo at / on --listen where no route has the path (/wshub.js is served either way)",
     [](Config& c, std::string_view v) { return set_bool(c.demo, v); }, nullptr},
    {"max-header-bytes", "SIZE", "8KiB", "largest request head (request line and headers); over it: 431",
     set_max_header_bytes, nullptr},
    {"max-message", "SIZE", "16MiB", "largest message, all fragments together; over it: close 1009",
     [](Config& c, std::string_view v) { return set_size(c.max_message, v, 1, kMaxFramePayload); }, nullptr},
    {"compression", "off|on", "off",
     "permessage-deflate (RFC 7692) on every route: messages of --compression-min-size and more go out "
     "compressed to clients that offer it, and clients may send compressed messages",
     set_compression, nullptr},
    {"compression-min-size", "SIZE", "128", "smallest message sent compressed; smaller ones, and those compression would not shrink, go out as they are",
     [](Config& c, std::string_view v) { return set_size(c.compression_min_size, v, 0, kMaxFramePayload); },
     nullptr},
    {"compression-level", "1..9", "1",
     "deflate's effort: 1 fastest, 9 smallest (on chat-sized messages they differ by under 1% in size)",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 9>(n, v);
         if (err.empty()) c.compression_level = unsigned(n);
         return err;
     }, nullptr},
    {"handshake-timeout", "DURATION", "10s", "time allowed for a complete upgrade request",
     [](Config& c, std::string_view v) { return set_duration(c.handshake_timeout_ms, v, false); }, nullptr},
    {"ping-interval", "DURATION", "30s", "ping a connection that has been silent this long; 0: never",
     [](Config& c, std::string_view v) { return set_duration(c.ping_interval_ms, v, true); }, nullptr},
    {"idle-timeout", "DURATION", "60s",
     "close (1001) a connection that has sent nothing, not even a pong, this long; 0: never",
     [](Config& c, std::string_view v) { return set_duration(c.idle_timeout_ms, v, true); }, nullptr},
    {"close-timeout", "DURATION", "5s", "how long to wait for the peer to finish a close handshake",
     [](Config& c, std::string_view v) { return set_duration(c.close_timeout_ms, v, false); }, nullptr},
    {"upstream-timeout", "DURATION", "10s",
     "proxy routes: how long an upstream has to accept and answer the upgrade before the client gets 504",
     [](Config& c, std::string_view v) { return set_duration(c.upstream_timeout_ms, v, false); }, nullptr},
    {"queue-messages", "N", "1024", "most data frames waiting in one connection's send queue",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 1u << 24>(n, v);
         if (err.empty()) c.queue_messages = uint32_t(n);
         return err;
     }, nullptr},
    {"queue-bytes", "SIZE", "1MiB", "most bytes of data frames waiting in one connection's send queue",
     [](Config& c, std::string_view v) { return set_size(c.queue_bytes, v, 1024, uint64_t(1) << 36); }, nullptr},
    {"overflow", "POLICY", "close",
     "when a member's send queue is full: close (1008 \"slow consumer\"), drop (the message, for "
     "it) or block (stop reading the publisher until there is room, up to --block-timeout)",
     set_overflow, nullptr},
    {"block-timeout", "DURATION", "1s",
     "--overflow block: how long a delivery may wait for room before it is dropped for that member",
     [](Config& c, std::string_view v) { return set_duration(c.block_timeout_ms, v, false); }, nullptr},
    {"echo-self", "BOOL", "false", "raw and json modes: a sender also receives its own room messages",
     [](Config& c, std::string_view v) { return set_bool(c.echo_self, v); }, nullptr},
    {"max-conns", "N", "0 (none)", "most open WebSocket connections; over it: 503 with Retry-After",
     [](Config& c, std::string_view v) { return set_integer<0, uint64_t(1) << 32>(c.max_conns, v); }, nullptr},
    {"max-conns-per-ip", "N", "0 (none)",
     "most open WebSocket connections from one client address; over it: 429 with Retry-After",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, UINT32_MAX>(n, v);
         if (err.empty()) c.max_conns_per_ip = uint32_t(n);
         return err;
     }, nullptr},
    {"trusted-proxy", "CIDR", "none",
     "a reverse proxy (address or range) whose X-Forwarded-For or Forwarded names the client, for the logs and "
     "--max-conns-per-ip; repeatable",
     set_trusted_proxy, clear_list<&Config::trusted_proxies>},
    {"max-room-conns", "N", "0 (none)",
     "most members of one room; over it: 503 before the upgrade (raw) or error room_full (json)",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, UINT32_MAX>(n, v);
         if (err.empty()) c.max_room_conns = uint32_t(n);
         return err;
     }, nullptr},
    {"max-rooms-per-conn", "N", "16", "most rooms one connection may be in; over it: 400 before the upgrade (raw) or error too_many_rooms (json)",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 65536>(n, v);
         if (err.empty()) c.max_rooms_per_conn = uint32_t(n);
         return err;
     }, nullptr},
    {"max-members-list", "N", "1000",
     "most members a json members request (or a join asking for the list) lists; past it the list is cut "
     "and marked \"truncated\":true",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 100000>(n, v);
         if (err.empty()) c.max_members_list = uint32_t(n);
         return err;
     }, nullptr},
    {"jwt-secret-file", "PATH", "none",
     "file holding an HS256 secret for routes marked ,auth (one trailing newline is ignored); "
     "repeatable: a token signed with any of them is accepted; re-read on SIGHUP; "
     "or set WSHUB_JWT_SECRET; never on the command line",
     [](Config& c, std::string_view v) {
         std::string path;
         std::string err = set_text(path, v);
         if (err.empty()) c.jwt_secret_files.push_back(std::move(path));
         return err;
     }, clear_list<&Config::jwt_secret_files>},
    {"jwt-leeway", "DURATION", "30s", "clock skew allowed when checking a token's exp and nbf",
     [](Config& c, std::string_view v) { return set_duration(c.jwt_leeway_ms, v, true); }, nullptr},
    {"jwt-issuer", "ISS", "none (not checked)", "the iss claim every token must carry",
     [](Config& c, std::string_view v) { return set_text(c.jwt_issuer, v); }, nullptr},
    {"jwt-audience", "AUD", "none (not checked)", "a value the aud claim of every token must hold",
     [](Config& c, std::string_view v) { return set_text(c.jwt_audience, v); }, nullptr},
    {"room-password", "ROOM=SECRET", "none",
     "a room joined only with this password; repeatable (visible in ps: prefer --room-password-file)",
     add_room_password, clear_list<&Config::room_passwords>, true},
    {"room-password-file", "PATH", "none", "a file of ROOM=SECRET lines ('#' comments and blank lines skipped)",
     [](Config& c, std::string_view v) { return set_text(c.room_password_file, v); }, nullptr},
    {"allow-origin", "ORIGIN", "any",
     "an Origin browsers may connect and POST /publish from (exact, or https://*.example.com); repeatable; "
     "others: 403",
     set_allow_origin, clear_list<&Config::allow_origins>},
    {"require-origin", "BOOL", "false", "refuse (403) requests without an Origin header",
     [](Config& c, std::string_view v) { return set_bool(c.require_origin, v); }, nullptr},
    {"max-msg-rate", "N", "0 (none)",
     "data messages per second one connection may send (token bucket); over it: close 1008",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<0, 1000000>(n, v);
         if (err.empty()) c.max_msg_rate = uint32_t(n);
         return err;
     }, nullptr},
    {"max-msg-burst", "N", "the rate", "messages a connection may send at once before --max-msg-rate applies",
     [](Config& c, std::string_view v) {
         uint64_t n = 0;
         std::string err = set_integer<1, 1000000>(n, v);
         if (err.empty()) c.max_msg_burst = uint32_t(n);
         return err;
     }, nullptr},
    {"drain-timeout", "DURATION", "10s",
     "on SIGTERM/SIGINT, how long open connections get to take their queued messages and the 1001 "
     "close before they are cut; 0: cut at once",
     [](Config& c, std::string_view v) { return set_duration(c.drain_timeout_ms, v, true); }, nullptr},
    {"log-level", "LEVEL", "info", "least severe log lines written to stderr: error, warn, info or debug",
     set_log_level, nullptr},
    {"log-format", "FORMAT", "text", "log lines as text (key=value) or json (one object a line)",
     set_log_format, nullptr},
    {"redis", "URL", "none (one node)",
     "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] (numeric HOST or localhost): share rooms with every node on "
     "this Redis and --redis-prefix, through Redis pub/sub",
     set_redis, nullptr, true},
    {"redis-cluster", "HOST:PORT[,...]", "none",
     "a Redis Cluster's nodes (numeric hosts), any of which gives the slot map: share rooms with every node on "
     "this cluster and --redis-prefix, through sharded pub/sub; instead of --redis",
     set_redis_cluster, nullptr},
    {"redis-password-file", "PATH", "none", "file holding the Redis password (one trailing newline is ignored), "
     "instead of one in --redis's URL",
     [](Config& c, std::string_view v) { return set_text(c.redis_password_file, v); }, nullptr},
    {"redis-prefix", "NAME", "wshub", "the start of every Redis channel name: nodes share rooms only under one prefix",
     [](Config& c, std::string_view v) { return set_name(c.redis_prefix, v); }, nullptr},
    {"node-id", "NAME", "made at start", "this node's name in Redis and the logs",
     [](Config& c, std::string_view v) { return set_name(c.node_id, v); }, nullptr},
    {"redis-queue-bytes", "SIZE", "8MiB",
     "most bytes of commands one worker holds for Redis; past it, messages for the other nodes are dropped (counted)",
     [](Config& c, std::string_view v) { return set_size(c.redis_queue_bytes, v, 64 * 1024, uint64_t(1) << 32); },
     nullptr},
    {"node-timeout", "DURATION", "15s",
     "a node unheard for 3/4 of this is dropped by the others (its members leave; it beats every quarter of it); "
     "also how long its node number stays claimed in Redis",
     [](Config& c, std::string_view v) { return set_node_timeout(c, v); }, nullptr},
    {"redis-required", "BOOL", "false",
     "/readyz answers 503 while a worker is not connected to Redis (the node still serves its own rooms)",
     [](Config& c, std::string_view v) { return set_bool(c.redis_required, v); }, nullptr},
    {"publish-token-file", "PATH", "none",
     "file holding the bearer token of POST /publish (one trailing newline is ignored)",
     [](Config& c, std::string_view v) { return set_text(c.publish_token_file, v); }, nullptr},
    {"static", "DIR", "none",
     "serve the files under DIR for GET and HEAD on paths no route or endpoint has (index.html for a directory; "
     "never a listing, nothing outside DIR)",
     [](Config& c, std::string_view v) {
         std::string err = set_text(c.static_dir, v);
         if (!err.empty()) return err;
         // Said at start rather than at the first request; the reason
         // alone, as the flag's value follows it.
         err = files::Root(c.static_dir).error();
         if (err.starts_with(c.static_dir + ": ")) err.erase(0, c.static_dir.size() + 2);
         return err;
     }, nullptr},
};

}  // namespace

std::span<const Flag> flags() noexcept { return kFlags; }

const Flag* find_flag(std::string_view name) noexcept {
    for (const auto& f : kFlags)
        if (name == f.name) return &f;
    return nullptr;
}

}  // namespace wshub::config
