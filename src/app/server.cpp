// wshub::Server: start() checks the configuration, binds every listener
// and starts one thread per worker; stop() starts the drain (drain.cpp)
// that the last worker to finish reports through Shared::drain.on_done;
// wait() ends the threads and says how it went; reload() reads the secrets'
// files again (reload.cpp).
#include "app/server.h"

#include <system_error>
#include <utility>

#include "app/log.h"
#include "app/options.h"
#include "app/upstream_names.h"
#include "modes/modes.h"
#include "net/socket.h"
#include "reactor/loop.h"

namespace wshub {
namespace {

// How long a node waits at start for Redis to give it a node number: a
// node whose Redis is away starts anyway, serving its own rooms.
constexpr uint32_t kNodeClaimBudgetMs = 2000;

}  // namespace

Server::Server(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() {
    impl_->stop(nullptr);
    impl_->wait();
}

void Server::add_mode(std::string name, Handler& handler) { impl_->modes.push_back({std::move(name), &handler}); }
Status Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(nullptr); }
void Server::stop_now() { impl_->stop_now(nullptr); }
Status Server::reload() { return impl_->reload(nullptr); }
int Server::wait() { return impl_->wait(); }

Server::Impl::Impl(config::Config cfg, std::vector<Handler*> custom)
    : cfg_(std::move(cfg)), configured_(true), custom_(std::move(custom)) {}

Status Server::Impl::start() {
    {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::ready) return {false, "wshub: start() was called already"};
    }
    Status s = configure();
    if (s) {
        app::set_log_level(cfg_.log_level);
        app::set_log_format(cfg_.log_format);
        for (const auto& w : cfg_.warnings) app::log_message(app::LogLevel::warn, "config", w);
        app::warn_open_secret_files(cfg_);
        s = launch();
    }
    std::lock_guard lock(mu_);
    phase_ = s ? Phase::running : Phase::failed;
    return s;
}

// Options, with the modes added, through the flags' code (app/options.h).
Status Server::Impl::configure() {
    if (configured_) return {};
    if (std::string err = app::check_modes(modes); !err.empty()) return {false, err};
    std::vector<std::string> names;
    for (const Mode& m : modes) {
        names.push_back(m.name);
        custom_.push_back(m.handler);
    }
    const config::ParseResult r = app::to_config(options_, names, cfg_);
    if (r.action != config::ParseResult::Action::run) return {false, r.message};
    configured_ = true;
    return {};
}

Status Server::Impl::launch() {
    if (std::string why = app::resolve_upstream_names(cfg_); !why.empty()) {
        app::log_message(app::LogLevel::error, "upstream_unresolved", why);
        return {false, "wshub: " + why};
    }
    shared_ = std::make_unique<app::Shared>(cfg_);
    echo_ = modes::make_echo();
    raw_ = modes::make_raw({cfg_.echo_self});
    json_ = modes::make_json({cfg_.echo_self, cfg_.max_members_list});
    shared_->builtin[int(config::RouteMode::echo)] = echo_.get();
    shared_->builtin[int(config::RouteMode::raw)] = raw_.get();
    shared_->builtin[int(config::RouteMode::json)] = json_.get();
    shared_->custom = custom_;
    shared_->map_routes();
    shared_->drain.on_done = &Impl::drain_over;
    shared_->drain.on_done_arg = this;
    if (cfg_.redis) {
        const app::NodeNumber n = app::claim_node_number(cfg_, shared_->node_id, kNodeClaimBudgetMs);
        shared_->node_number = n.number;
        app::log_node_number(shared_->node_id, n);
    }
    if (!cfg_.static_dir.empty()) {
        shared_->static_root = std::make_unique<files::Root>(cfg_.static_dir);
        if (const std::string& why = shared_->static_root->error(); !why.empty()) {
            shared_.reset();
            return {false, "wshub: --static " + cfg_.static_dir + ": " + why};
        }
    }
    Status s = bind_listeners();
    if (s) s = start_threads();
    if (!s) {
        workers_.clear();  // their listeners are closed, for whoever tries next
        shared_.reset();
        return s;
    }
    app::log_start(cfg_);
    return s;
}

Status Server::Impl::bind_listeners() {
    for (const net::Address* a : {&cfg_.listen, cfg_.metrics_listen ? &*cfg_.metrics_listen : nullptr}) {
        if (std::string error; a && !net::address_free(*a, error)) return app::listen_failed(a->to_string(), error);
    }
    for (unsigned i = 0; i < cfg_.workers; ++i) {
        workers_.push_back(std::make_unique<app::Worker>(*shared_, i));
        shared_->workers.push_back(workers_.back().get());
        if (std::string error; !workers_.back()->listen(error))
            return app::listen_failed(cfg_.listen.to_string(), error);
    }
    // --metrics-listen: bound after the hub's listeners (see Worker::listen),
    // stopped and joined with them, but never one of shared.workers.
    if (cfg_.metrics_listen) {
        auto ops = std::make_unique<app::Worker>(*shared_, 0, app::Worker::Role::ops);
        if (std::string error; !ops->listen(error))
            return app::listen_failed(cfg_.metrics_listen->to_string(),
                                      error + " (--metrics-listen must not overlap --listen)");
        shared_->ops = ops.get();
        workers_.push_back(std::move(ops));
    }
    return {};
}

Status Server::Impl::start_threads() {
    try {
        for (auto& w : workers_) threads_.emplace_back([&w] { w->run(); });
    } catch (const std::system_error& e) {
        for (auto& w : workers_) w->request_stop();
        for (auto& t : threads_) t.join();
        threads_.clear();
        app::log_message(app::LogLevel::error, "thread_failed", e.what());
        return {false, std::string("wshub: cannot start a worker thread: ") + e.what()};
    }
    return {};
}

void Server::Impl::stop(const char* signal) {
    std::lock_guard lock(mu_);
    if (phase_ == Phase::running && !shared_->draining()) begin_drain(signal);
}

void Server::Impl::stop_now(const char* signal) {
    std::lock_guard lock(mu_);
    if (phase_ != Phase::running || cut_) return;
    if (!shared_->draining()) begin_drain(signal);
    cut_ = true;
    cut_by_ = signal;
    changed_.notify_all();
}

// Under mu_. The deadline is written before `requested` is released.
void Server::Impl::begin_drain(const char* signal) {
    drain_started_ms_ = reactor::monotonic_ms();
    shared_->drain.deadline_ms = drain_started_ms_ + cfg_.drain_timeout_ms;
    shared_->drain.requested.store(true, std::memory_order_release);
    app::log_drain_start(signal, shared_->caps.open(), cfg_.drain_timeout_ms);
    for (auto& w : workers_) w->wake();
}

// Any time the workers run, the drain included; reloads follow one another.
Status Server::Impl::reload(const char* signal) {
    {
        std::lock_guard lock(mu_);
        if (phase_ != Phase::running) return {false, "wshub: reload() needs a running server"};
    }
    // shared_ lives as long as this Impl once the server has run.
    std::lock_guard lock(reload_mu_);
    const std::vector<app::ReloadOutcome> outcomes = app::reload_secrets(cfg_, *shared_);
    app::log_reload(signal, outcomes);
    Status s;
    for (const app::ReloadOutcome& o : outcomes) {
        if (o.error.empty()) continue;
        s.ok = false;
        s.message += (s.message.empty() ? "wshub: " : "; ") + o.error;
    }
    return s;
}

bool Server::Impl::drained() const noexcept {
    std::lock_guard lock(mu_);
    return shared_ && shared_->drain.done.load(std::memory_order_acquire) == shared_->workers.size();
}

// Shared::drain.on_done, on the last worker's thread.
void Server::Impl::drain_over(void* self) {
    auto* impl = static_cast<Impl*>(self);
    {
        std::lock_guard lock(impl->mu_);
        impl->over_ = true;
    }
    impl->changed_.notify_all();
    if (impl->on_drained) impl->on_drained(impl->on_drained_arg);
}

int Server::Impl::wait() {
    std::unique_lock lock(mu_);
    if (phase_ == Phase::ready) return 0;
    if (phase_ == Phase::failed) return 1;
    changed_.wait(lock, [&] { return over_ || cut_ || phase_ == Phase::ended; });
    // Another thread is ending it, or has: its status is this one's too.
    if (phase_ != Phase::running) {
        changed_.wait(lock, [&] { return phase_ == Phase::ended; });
        return status_;
    }
    phase_ = Phase::ending;
    const char* cut_by = cut_by_;
    lock.unlock();
    // Not under mu_: a worker may call stop() until its thread ends.
    const int status = finish(cut_by);
    lock.lock();
    status_ = status;
    phase_ = Phase::ended;
    changed_.notify_all();
    return status;
}

// Drained workers have left their loops already; anything else is cut now.
int Server::Impl::finish(const char* cut_by) {
    const bool drained = shared_->drain.done.load(std::memory_order_acquire) == shared_->workers.size();
    for (auto& w : workers_) w->request_stop();
    for (auto& t : threads_) t.join();
    const uint64_t forced = shared_->drain.forced.load(std::memory_order_relaxed);
    app::log_drain_end(drained, cut_by, reactor::monotonic_ms() - drain_started_ms_, forced);
    return drained ? 0 : 1;
}

}  // namespace wshub
