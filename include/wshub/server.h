// Embedding wshub: the whole server in a program of your own, with route
// modes of your own beside echo, raw and json. A mode is a Handler
// (wshub/handler.h) and a name that a route uses, e.g. "/shout=shout".
//
// Two ways in:
// - wshub::Server, started from Options: the program owns the process (its
//   signals, its main loop) and calls start(), stop() and wait();
// - wshub::run(argc, argv, modes): does what the wshub binary does, flags,
//   environment and signals included.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "wshub/handler.h"
#include "wshub/options.h"

namespace wshub {

// What start() says: ok, or one line saying why not.
struct Status {
    bool ok = true;
    std::string message;
    explicit operator bool() const noexcept { return ok; }
};

struct Mode {
    std::string name;  // not echo, raw or json
    Handler* handler;  // outlives run(); shared by every worker thread
};

// The server behind the wshub binary, without its signals. Every method may
// be called from any thread except as noted, but not from a Handler
// callback unless noted (stop() and stop_now() may).
//
// The server never installs a signal handler nor changes a signal mask or
// disposition: its threads inherit the mask of the thread that calls
// start() (block the signals you sigwait for before it). Writes to clients
// never raise SIGPIPE; the log goes to stderr with write(2), so a program
// whose stderr may be a pipe that closes should ignore SIGPIPE itself.
class Server {
public:
    explicit Server(Options options);
    // Stops (stop()) and waits for the drain if the server is running.
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Adds a route mode named `name` (not echo, raw or json, and not a
    // name already added), before start(). The handler outlives the
    // server and is shared by every worker thread. A mismatch is reported
    // by start().
    void add_mode(std::string name, Handler& handler);

    // Checks the options (as the flags are), binds every listener and starts
    // the workers, then returns: the server is accepting when it says ok.
    // Otherwise nothing runs and the message says why (a bad option, an
    // address in use); call it once.
    Status start();

    // Starts the graceful drain, as SIGTERM does for the binary: listeners
    // closed, every client sent 1001 "going away" behind what it has
    // queued, cut at drain_timeout. Returns at once; does nothing if the
    // server is not running or already draining. May be called from a
    // Handler callback.
    void stop();
    // Cuts every connection now, as a second SIGTERM does: wait() then
    // returns 1 (0 if the drain was over already). Starts the drain first
    // if stop() was not called. May be called from a Handler callback.
    void stop_now();

    // Reads the files of secrets again, as SIGHUP does for the binary: every
    // jwt_secret_files entry, publish_token_file and room_password_file
    // (room_passwords and jwt_secret stay as they are, and so does every
    // other option). Each of the three is swapped in on its own; one whose
    // file cannot be read or is refused keeps its old values, and the
    // message names its file (never its content). Connections stay open,
    // with the identity they were admitted with; from then on upgrades,
    // refreshes, joins and POST /publish are judged by the new values. Logs
    // one `reload` line. Any thread may call it while the server runs, the
    // drain included (otherwise it does nothing and says so); calls follow
    // one another.
    Status reload();

    // Blocks until the drain is over (after stop() or stop_now(), from any
    // thread) and every worker thread has ended, then returns the exit
    // status the binary would have: 0 drained (connections cut at
    // drain_timeout included), 1 cut by stop_now() or start() failed.
    // Returns at once if start() was not called (0). Never from a callback.
    int wait();

private:
    struct Impl;
    explicit Server(std::unique_ptr<Impl> impl);
    friend int run(int argc, char** argv, const std::vector<Mode>& modes);
    std::unique_ptr<Impl> impl_;
};

// Does what the wshub binary does: reads the flags and WSHUB_* environment
// (printing --help/--version, or one error line and returning 2), starts a
// Server and serves until SIGINT or SIGTERM, which it waits for with
// sigwait (blocking them, SIGHUP, and SIGCHLD as PID 1, in the calling
// thread first; ignoring SIGPIPE). The first signal drains, a second one
// cuts every connection; SIGHUP, at any time, is reload(). Returns the exit
// status.
int run(int argc, char** argv, const std::vector<Mode>& modes = {});

}  // namespace wshub
