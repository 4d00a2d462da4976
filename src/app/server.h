// The server behind wshub::Server and wshub::run: from a checked
// configuration, one Worker per --workers on a thread of its own (and the
// --metrics-listen worker), the graceful drain (drain.cpp) that stop()
// starts, and wait(), which ends the threads and gives the exit status;
// reload() (reload.cpp) reads the secrets' files again. Signals are run()'s
// (run.cpp); nothing here touches them.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/node_number.h"
#include "app/shared.h"
#include "app/worker.h"
#include "config/config.h"
#include "wshub/server.h"

namespace wshub {

struct Server::Impl {
    // To be checked by start(), with the modes add_mode gives.
    explicit Impl(Options o) : options_(std::move(o)) {}
    // Checked already (run(): the flags); `custom` in the order of
    // cfg.custom_modes.
    Impl(config::Config cfg, std::vector<Handler*> custom);

    std::vector<Mode> modes;  // add_mode's, before start()

    Status start();
    // `signal`: what asked, for the log lines ("SIGTERM"; null: a call).
    void stop(const char* signal);
    // Reads the secrets' files again (app/reload.cpp), one reload at a time.
    Status reload(const char* signal);
    void stop_now(const char* signal);
    // Every worker has drained.
    bool drained() const noexcept;
    int wait();

    // Called once, from the last worker's thread, when the drain is over
    // (before wait() returns). Set before start().
    void (*on_drained)(void* arg) = nullptr;
    void* on_drained_arg = nullptr;

private:
    enum class Phase : uint8_t { ready, failed, running, ending, ended };

    Status configure();
    Status launch();
    Status bind_listeners();
    Status start_threads();
    void begin_drain(const char* signal);
    int finish(const char* cut_by);
    static void drain_over(void* self);

    Options options_;
    config::Config cfg_;
    bool configured_ = false;  // cfg_ holds the flags' configuration
    std::vector<Handler*> custom_;
    std::unique_ptr<Handler> echo_, raw_, json_;
    std::unique_ptr<app::Shared> shared_;
    // Declared after what they use, so destroyed before it; their threads
    // are joined by wait(), which ~Server calls.
    std::vector<std::unique_ptr<app::Worker>> workers_;  // the hub's, then the ops worker
    std::vector<std::thread> threads_;

    std::mutex reload_mu_;  // held through a reload: they follow one another
    mutable std::mutex mu_;
    std::condition_variable changed_;  // phase_, over_ or cut_
    Phase phase_ = Phase::ready;
    bool over_ = false;               // drain_over was called
    bool cut_ = false;                // stop_now was called
    const char* cut_by_ = nullptr;    // its signal
    uint64_t drain_started_ms_ = 0;   // reactor::monotonic_ms()
    int status_ = 0;
};

}  // namespace wshub

namespace wshub::app {

// What a reload did to one item it read again (reload.cpp): its field in the
// log line, and the count now in force (none for the one publish token), or
// the error line that kept the old values.
struct ReloadOutcome {
    const char* item;  // jwt_secrets, publish_token, room_passwords
    std::optional<size_t> count;
    std::string error;  // "": reloaded
};
// Reads again every secrets' file the configuration names and swaps in what
// it holds, each item on its own; an item without a file is left out.
std::vector<ReloadOutcome> reload_secrets(const config::Config& cfg, Shared& shared);
// One secret_file_mode warning for each secrets' file that group or others
// may read or write (at start and on each reload).
void warn_open_secret_files(const config::Config& cfg);

// The log lines of a server's life (server_log.cpp).
void log_start(const config::Config& cfg);
// The number this node claimed in Redis (info), or took unclaimed (warn).
void log_node_number(const std::string& node_id, const NodeNumber& n);
// A listener could not be bound: logged, and start()'s error.
Status listen_failed(const std::string& address, const std::string& why);
void log_drain_start(const char* signal, uint64_t connections, uint64_t timeout_ms);
// The reload line: each item's count, ok or failed, the failures' errors in
// msg; a warning when any failed.
void log_reload(const char* signal, const std::vector<ReloadOutcome>& outcomes);
// After the threads have ended: drain_done (forced: connections cut at
// --drain-timeout), or drain_abort when the drain was cut short.
void log_drain_end(bool drained, const char* cut_by, uint64_t duration_ms, uint64_t forced);

}  // namespace wshub::app
