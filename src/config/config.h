// Command-line flags (`--name value`) and WSHUB_* environment variables,
// validated into a Config. One table drives parsing, the environment names
// and --help, so they cannot disagree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/room_passwords.h"
#include "config/redis_url.h"
#include "config/upstream_url.h"
#include "hub/policy.h"
#include "net/address.h"
#include "net/cidr.h"

namespace wshub::config {

// proxy: each client is carried to one of the route's upstreams (app/proxy*.cpp).
enum class RouteMode : uint8_t { echo, raw, json, custom, proxy };

const char* mode_name(RouteMode mode) noexcept;

using Overflow = hub::Overflow;

// --log-level: a line is written when its level is at or below this one.
enum class LogLevel : uint8_t { error, warn, info, debug };
// --log-format: text (`TS LEVEL EVENT key=value ...`) or one JSON object a line.
enum class LogFormat : uint8_t { text, json };

// One --route: where it is (HOST/PATH or PATH) and what it serves there.
struct Route {
    // "": any Host. Else the lower-case host name a request's Host must be
    // (without its port), or "*.SUFFIX": any host one or more labels below
    // SUFFIX, never SUFFIX itself (as --allow-origin's wildcards).
    std::string host;
    std::string path;
    RouteMode mode = RouteMode::echo;
    uint8_t custom = 0;  // mode `custom`: index into Config::custom_modes
    bool auth = false;   // `,auth`: a valid JWT is required
    // `,scope=S` (repeatable, with ,auth only): a token's `scope` claim must
    // hold every one; in the order given, each once.
    std::vector<std::string> scopes;
    // `,rooms=NAME`: the room namespace it shares with the other routes that
    // name it; "": a namespace of its own, named by its path.
    std::string rooms;
    // `,anonymous`: a public route that shares its namespace with ,auth
    // routes on purpose (anonymous clients read and write those rooms).
    bool anonymous = false;
    // `,compress`: permessage-deflate is negotiated here even without
    // --compression on.
    bool compress = false;
    // A proxy route's `,upstream=URL`s (at least one), taken in turn.
    std::vector<UpstreamUrl> upstreams;
    uint16_t ns = 0;  // its namespace: an index into Config::namespaces

    // HOST/PATH, or PATH for a route on any host: its name in messages, and
    // its namespace's unless it says rooms=NAME.
    std::string target() const { return host + path; }
};

using RoomPassword = auth::RoomPassword;

struct Config {
    net::Address listen;  // --listen, default 127.0.0.1:8080
    // --metrics-listen: when set, /metrics, /healthz and /readyz are served
    // there only, by a thread of their own, and the main port has no such paths.
    std::optional<net::Address> metrics_listen;
    unsigned workers = 1;
    std::vector<Route> routes;
    // Room namespaces, by name: a route's path, or the NAME of rooms=NAME.
    // Rooms of the same name in two namespaces are two rooms.
    std::vector<std::string> namespaces;
    std::vector<std::string> subprotocols;
    // --demo: the chat demo at / (and its files) on the main listener, where
    // no route has the path. /wshub.js is served whatever it says.
    bool demo = true;
    size_t max_header_bytes = 8 * 1024;
    uint64_t max_message = 16 * 1024 * 1024;
    uint64_t handshake_timeout_ms = 10'000;
    uint64_t ping_interval_ms = 30'000;  // 0 = off
    uint64_t idle_timeout_ms = 60'000;   // 0 = off
    uint64_t close_timeout_ms = 5'000;
    // Proxy routes: how long an upstream has to accept its connection and
    // answer the upgrade before the client gets 504.
    uint64_t upstream_timeout_ms = 10'000;
    // permessage-deflate (RFC 7692): negotiated on every route (--compression
    // on) or on the routes marked ,compress; messages under min_size go out
    // as they are.
    bool compression = false;
    uint64_t compression_min_size = 128;
    unsigned compression_level = 1;
    uint32_t queue_messages = 1024;
    uint64_t queue_bytes = 1024 * 1024;
    Overflow overflow = Overflow::close;
    uint64_t block_timeout_ms = 1'000;
    uint32_t max_conns_per_ip = 0;    // 0 = no cap
    // --trusted-proxy: a connection from one of these is taken to be from
    // the client its X-Forwarded-For or Forwarded names (app/proxied.cpp).
    std::vector<net::Cidr> trusted_proxies;
    bool echo_self = false;
    uint64_t max_conns = 0;           // 0 = no cap
    uint32_t max_room_conns = 0;      // 0 = no cap
    uint32_t max_rooms_per_conn = 16;
    uint32_t max_members_list = 1000;  // most members a json `members` answer lists

    // Admission. The JWT secrets never come from the command line (every
    // user of the machine can read it there): files or WSHUB_JWT_SECRET. A
    // token signed with any of them is accepted.
    std::vector<std::string> jwt_secret_files;
    std::vector<std::string> jwt_secrets;  // resolved by parse(): one a file, or WSHUB_JWT_SECRET's
    uint64_t jwt_leeway_ms = 30'000;
    std::string jwt_issuer;            // "" = not checked
    std::string jwt_audience;          // "" = not checked
    std::vector<RoomPassword> room_passwords;  // --room-password's
    std::string room_password_file;
    std::vector<RoomPassword> room_password_file_lines;  // read by parse()
    std::vector<std::string> allow_origins;  // empty: any Origin
    bool require_origin = false;
    uint32_t max_msg_rate = 0;   // data messages per second per connection; 0 = off
    uint32_t max_msg_burst = 0;  // 0: the rate

    // Operations.
    uint64_t drain_timeout_ms = 10'000;  // SIGTERM/SIGINT: how long a drain may take
    LogLevel log_level = LogLevel::info;
    LogFormat log_format = LogFormat::text;
    // POST /publish: a static bearer token read from a file (never the
    // command line, like the JWT secrets). "" with no JWT secret: /publish refuses.
    std::string publish_token_file;
    std::string static_dir;  // --static: "" for none
    std::string publish_token;  // resolved by parse()

    // Several nodes (--redis): the nodes on one Redis and prefix share rooms.
    // Set by --redis, or by --redis-cluster (its first seed, no password).
    std::optional<RedisTarget> redis;
    std::vector<net::Address> redis_cluster;  // --redis-cluster's seeds; empty: one Redis
    std::string redis_password_file;
    std::string redis_password;  // resolved by parse(): the file's, or the URL's
    std::string redis_prefix = "wshub";
    std::string node_id;  // "": one is made at start
    uint64_t redis_queue_bytes = 8 * 1024 * 1024;
    uint64_t node_timeout_ms = 15'000;  // heartbeats every quarter of it
    bool redis_required = false;  // /readyz is 503 while a worker has no Redis

    std::vector<std::string> custom_modes;  // mode names an embedder added
    std::vector<std::string> warnings;      // said once at start-up

    // The route of a request for `path` whose Host names `host` (its name
    // without the port; "" without a Host): the route of that exact host,
    // else of the wildcard with the longest suffix that admits it, else the
    // route of that path on any host; null when none. Routes are few (at
    // most kMaxRoutes): a scan, with no allocation (config/routes.cpp).
    const Route* find_route(std::string_view host, std::string_view path) const noexcept;
    // A proxy route never negotiates permessage-deflate: what it carries is
    // the upstream's, which gets no extension offer.
    bool compresses(const Route& r) const noexcept {
        return r.mode != RouteMode::proxy && (compression || r.compress);
    }
    // The namespace of this name, or -1.
    int find_namespace(std::string_view name) const noexcept;
    std::string_view mode_of(const Route& r) const noexcept;
};

struct ParseResult {
    enum class Action : uint8_t { run, print_and_exit, usage_error };
    Action action = Action::run;
    std::string message;  // --help/--version text, or the one-line error
};

// Reads defaults, then the environment (envp, may be null), then argv; the
// command line wins. Repeatable flags given on the command line replace the
// environment's list rather than extending it.
// custom_modes: mode names an embedder adds to echo, raw and json.
ParseResult parse(int argc, const char* const* argv, const char* const* envp, Config& out,
                  const std::vector<std::string>& custom_modes = {});

std::string help_text();

// "500ms", "10s", "2m", "1h", or bare seconds. False if malformed or too large.
bool parse_duration_ms(std::string_view text, uint64_t& out) noexcept;
// Bytes, or with K/KiB/M/MiB/G/GiB (binary multiples). False if malformed/overflow.
bool parse_size(std::string_view text, uint64_t& out) noexcept;

}  // namespace wshub::config
