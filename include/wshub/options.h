// What a wshub::Server is started with: one field per flag of the wshub
// binary (`wshub --help`, man wshub), named as the flag with '_' for '-',
// holding the same values with the same defaults. Server::start checks them
// with the flags' own code, so a value the flag refuses is refused here too,
// and the error names the flag (e.g. "wshub: --workers: expected an integer
// from 1 to 256, got '0'").
//
// Numbers and durations are typed; whatever has a syntax of its own (an
// address, a route, ROOM=SECRET, a policy or level name) is the flag's text.
// An empty string or list is the flag not given (its default applies), as
// are workers = 0 and max_msg_burst = 0, whose defaults are computed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace wshub {

struct Options {
    using ms = std::chrono::milliseconds;

    std::string listen = "127.0.0.1:8080";  // HOST:PORT, numeric
    std::string metrics_listen;             // "": /metrics, /healthz, /readyz on listen
    unsigned workers = 0;                   // 0: one per core (at most 64)
    // "[HOST]PATH=MODE[,auth][,scope=S...][,rooms=NAME][,anonymous][,compress]
    // [,upstream=URL...]" as --route takes it, MODE echo, raw, json, proxy or
    // an add_mode name.
    // Empty: the flag's default, /echo=echo /raw=raw /ws=json.
    std::vector<std::string> routes;
    std::vector<std::string> subprotocols;  // the first the client offers wins
    bool demo = true;  // the chat demo at / (the client /wshub.js is served either way)
    uint64_t max_header_bytes = 8 * 1024;
    uint64_t max_message = 16 * 1024 * 1024;  // over it: close 1009
    ms handshake_timeout{10'000};
    ms ping_interval{30'000};  // 0: never
    ms idle_timeout{60'000};   // 0: never
    ms close_timeout{5'000};
    ms upstream_timeout{10'000};  // proxy routes: the upstream's connect and 101
    // permessage-deflate (RFC 7692) on every route (else on routes marked
    // ,compress); messages under compression_min_size go out as they are.
    bool compression = false;
    uint64_t compression_min_size = 128;
    unsigned compression_level = 1;  // 1 (fastest) .. 9 (smallest)
    uint64_t queue_messages = 1024;
    uint64_t queue_bytes = 1024 * 1024;
    std::string overflow = "close";  // close, drop or block
    ms block_timeout{1'000};
    bool echo_self = false;
    uint64_t max_conns = 0;         // 0: no cap
    uint64_t max_conns_per_ip = 0;  // 0: no cap
    // Reverse proxies ("127.0.0.1", "10.0.0.0/8", "fd00::/8") whose
    // X-Forwarded-For or Forwarded names the client (UpgradeRequest::peer).
    std::vector<std::string> trusted_proxies;
    // Several nodes: "redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]" shares the
    // rooms with every node on that Redis and redis_prefix; "": one node.
    std::string redis;
    // Or a Redis Cluster: "host:port[,host:port...]", any of its nodes.
    std::string redis_cluster;
    std::string redis_password_file;  // instead of a password in the URL
    std::string redis_prefix = "wshub";
    std::string node_id;              // "": made at start
    uint64_t redis_queue_bytes = 8 * 1024 * 1024;
    ms node_timeout{15'000};  // a node unheard for this long is dropped
    bool redis_required = false;  // /readyz is 503 while a worker has no Redis
    uint64_t max_room_conns = 0;    // 0: no cap
    uint64_t max_rooms_per_conn = 16;
    uint64_t max_members_list = 1000;  // a json members answer lists at most this many

    // Admission. The JWT secrets from files (a token signed with any of
    // them is accepted; Server::reload reads them again), or (as
    // WSHUB_JWT_SECRET gives the binary) the one secret itself; not both.
    std::vector<std::string> jwt_secret_files;
    std::string jwt_secret;
    ms jwt_leeway{30'000};
    std::string jwt_issuer;                   // "": not checked
    std::string jwt_audience;                 // "": not checked
    std::vector<std::string> room_passwords;  // "ROOM=SECRET"
    std::string room_password_file;
    std::vector<std::string> allow_origins;  // empty: any Origin
    bool require_origin = false;
    uint64_t max_msg_rate = 0;   // data messages a second per connection; 0: no limit
    uint64_t max_msg_burst = 0;  // 0: the rate

    // Operations. The log goes to stderr; its level and format are the
    // process's (one setting for every Server in it).
    ms drain_timeout{10'000};
    std::string log_level = "info";   // error, warn, info or debug
    std::string log_format = "text";  // text or json
    std::string publish_token_file;   // POST /publish's bearer token
    std::string static_dir;           // --static: files served where no route is; "": none
};

}  // namespace wshub
