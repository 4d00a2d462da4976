// Test fixture: a real redis-server on a free loopback port in a temporary
// directory (no persistence), shared by the run or private to a test (which
// may give it a password, stop, pause or restart it), and a blocking client
// that sends commands with the module's encoder and reads replies with its
// Parser. Every wait has a deadline, so a server that misbehaves fails a
// test instead of hanging it.
#pragma once

#include <sys/types.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis/resp.h"

namespace redis_test {

class Client;
class Server;

// The server, started once for the whole run (the first call) and stopped
// when the test program exits. nullptr when there is none, with the reason
// in `why_not`; `installed` says whether redis-server was found at all (a
// test skips without it, unless WSHUB_REQUIRE_REDIS=1, and fails with it).
Server* shared_server(std::string& why_not, bool& installed);

struct Settings {
    std::string requirepass;  // not empty: clients must authenticate with it
    bool cluster = true;      // Redis 7: a cluster of one node (no SELECT then)
    // With cluster: every slot assigned to this node. False: none, for a
    // test that joins several nodes into one cluster.
    bool own_every_slot = true;
    std::vector<std::string> extra_args = {};  // more of redis-server's options
};

// A server of the caller's own, for a test that stops, pauses or restarts
// it or needs other settings; nullptr as shared_server says.
std::unique_ptr<Server> private_server(const Settings& settings, std::string& why_not, bool& installed);

class Server {
public:
    ~Server();
    int port() const noexcept { return port_; }
    // The cluster bus's port (cluster mode), chosen free like port().
    int cluster_port() const noexcept { return cluster_port_; }
    int major_version() const noexcept { return major_; }
    // Started with --cluster-enabled yes and every slot assigned to itself
    // (Redis 7 and later): CLUSTER commands and sharded pub/sub work.
    bool cluster() const noexcept { return cluster_; }

    // Starts redis-server from `binary`; false with the reason in `why`.
    bool start(const std::string& binary, std::string& why, const Settings& settings = {});
    // SIGTERM, then SIGKILL after 5 s; removes the directory.
    void stop() noexcept;

    // The process stopped as stop() does, the directory and port kept for
    // restart(), which starts it again on the same port.
    void terminate() noexcept { stop_process(); }
    bool restart(std::string& why);
    // SIGSTOP and SIGCONT: a server that stops reading, then reads again.
    void pause() noexcept;
    void resume() noexcept;

private:
    pid_t pid_ = -1;
    int port_ = 0;
    int cluster_port_ = 0;
    int major_ = 0;
    bool cluster_ = false;
    std::string binary_;
    std::string dir_;
    Settings settings_;

    bool launch(std::string& why);
    void stop_process() noexcept;
    bool authenticate(Client& c);
    bool wait_ready(std::string& why);
    bool assign_slots(std::string& why);
};

class Client {
public:
    Client() = default;
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    // Connects with 5-second send and receive timeouts.
    bool connect(int port);
    bool send(std::initializer_list<std::string_view> args);
    bool send_raw(std::string_view bytes);
    // The next reply's bytes (a copy: parse them again with parse_reply to
    // inspect), or "" if none is complete within 5 s or the bytes are not
    // RESP (then `error` says why).
    std::string next_reply();
    std::string error;

private:
    int fd_ = -1;
    std::string buffer_;
    wshub::redis::Parser parser_;
};

// A command sent and its reply read, described by resp_text::describe
// ("complete <n> <value>"), or "no reply: <why>".
std::string round_trip(Client& c, std::initializer_list<std::string_view> args);
// The next reply, described.
std::string next_described(Client& c);

}  // namespace redis_test
