// What the workers share: the configuration, the room registry, the hub's
// exchange (inboxes, lanes), the global counts that caps are checked
// against, and the credentials a reload replaces. Everything here is either
// immutable after start-up or atomic/locked.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/room_passwords.h"
#include "auth/verifier.h"
#include "config/config.h"
#include "files/file_answer.h"
#include "hub/caps.h"
#include "hub/exchange.h"
#include "hub/policy.h"
#include "hub/registry.h"
#include "net/ip_limiter.h"
#include "wshub/handler.h"

namespace wshub::app {

// What a proxy route's connections show the handler API: nothing. Their
// messages go to the upstream (conn_proxy.cpp), never to a handler.
wshub::Handler& proxy_handler() noexcept;

class Worker;

struct Shared {
    explicit Shared(const config::Config& c)
        : cfg(c),
          registry(c.workers, unsigned(c.namespaces.size())),
          // A worker may hand another as much as one member's queue holds.
          exchange(registry, c.workers, {c.queue_bytes, c.queue_messages}),
          delivery{{c.queue_messages, c.queue_bytes}, c.overflow, c.block_timeout_ms},
          caps(c.max_conns, c.max_conns_per_ip),
          verifier(auth::VerifierOptions{.jwt_secrets = c.jwt_secrets,
                                         .leeway_s = int64_t(c.jwt_leeway_ms / 1000),
                                         .issuer = c.jwt_issuer,
                                         .audience = c.jwt_audience,
                                         .publish_token = c.publish_token}),
          room_passwords(room_passwords_of(c.room_passwords, c.room_password_file_lines)),
          node_id(c.node_id.empty() ? make_node_id() : c.node_id),
          process_tag(node_id + "#" + make_node_id()) {}

    // --room-password's, then those of --room-password-file's lines.
    static std::vector<auth::RoomPassword> room_passwords_of(const std::vector<auth::RoomPassword>& given,
                                                             const std::vector<auth::RoomPassword>& file_lines) {
        std::vector<auth::RoomPassword> all = given;
        all.insert(all.end(), file_lines.begin(), file_lines.end());
        return all;
    }

    // A node's name when --node-id gives none: 12 hex digits from the clock
    // and the process, different for every start.
    static std::string make_node_id();

    const config::Config& cfg;
    hub::Registry registry;
    hub::Exchange exchange;                // the workers' inboxes and lanes
    hub::DeliveryPolicy delivery;          // --queue-*, --overflow, --block-timeout
    std::vector<Worker*> workers;          // filled before any worker runs
    Worker* ops = nullptr;                 // the --metrics-listen worker, if any
    hub::Caps caps;                        // --max-conns, --max-conns-per-ip
    wshub::Handler* builtin[3] = {};       // echo, raw, json (config::RouteMode order)
    std::vector<wshub::Handler*> custom;   // by Route::custom
    std::vector<wshub::Handler*> by_route;  // handler_for each of cfg.routes, in order
    // What a reload replaces (Server::Impl::reload), each swapped whole
    // while the workers read it (see auth::Verifier's Keys).
    // Tokens: the ,auth routes' JWTs and POST /publish's credentials.
    auth::Verifier verifier;
    auth::RoomPasswords room_passwords;  // --room-password, --room-password-file
    const std::string node_id;           // --node-id, or made at start
    // "NODE_ID#RANDOM", different at every start: tells this process from
    // another started with the same --node-id.
    const std::string process_tag;
    // --static DIR, or null; made at start, read-only after.
    std::unique_ptr<files::Root> static_root;
    // The top bits of this node's connection ids (app/node_number.h): 0
    // without --redis; set before any worker starts.
    uint32_t node_number = 0;

    // The graceful drain (app/drain.cpp). The signal thread writes
    // deadline_ms, then sets requested (release) and wakes every worker;
    // each worker then stops accepting and says so in `quiet`, closes its
    // connections once all are quiet, and counts itself in `done` when it
    // has none left. The last one calls on_done (once, from its thread).
    struct Drain {
        std::atomic<bool> requested{false};
        uint64_t deadline_ms = 0;          // reactor::monotonic_ms() clock
        std::atomic<unsigned> quiet{0};
        std::atomic<unsigned> done{0};
        std::atomic<uint64_t> forced{0};   // connections cut at the deadline or by a second signal
        void (*on_done)(void* arg) = nullptr;
        void* on_done_arg = nullptr;
    } drain;
    bool draining() const noexcept { return drain.requested.load(std::memory_order_acquire); }

    // Fills by_route from the configuration.
    void map_routes() {
        for (const config::Route& r : cfg.routes) by_route.push_back(handler_for(r));
    }

    wshub::Handler* handler_for(const config::Route& r) const noexcept {
        if (r.mode == config::RouteMode::proxy) return &proxy_handler();
        return r.mode == config::RouteMode::custom ? custom[r.custom] : builtin[int(r.mode)];
    }
};

}  // namespace wshub::app
