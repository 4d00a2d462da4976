// A worker's part of the graceful drain (SIGTERM/SIGINT; server.cpp starts
// it). In order:
//  1. quiet: stop accepting (the listener is closed, so the kernel refuses
//     new connections), close connections that have sent nothing yet, and
//     hand the other workers what was published here (the end of the pass
//     already did: Hub::hand_over). Then wait until every worker is quiet:
//     after that, every message published before the drain sits in some
//     send queue or inbox.
//  2. closing: deliver the inbox and backlog, then queue a 1001 "going away" behind
//     whatever each open connection has queued, so a client that reads gets
//     everything first. Requests still arriving are answered (upgrades and
//     /publish with 503, /readyz 503 "draining") and closed.
//  3. done: no connection left; the last worker done tells the signal thread.
// At Shared::drain.deadline_ms whatever is left is cut and counted.
#include "app/worker.h"

#include <unistd.h>

namespace wshub::app {

void Worker::step_drain() {
    auto& d = shared_.drain;
    // The counts are of the hub's workers, shared_.workers: the --metrics-listen
    // worker is not one of them, goes on answering (/readyz: 503 draining) and
    // is stopped, by request_stop, once they are done.
    const unsigned workers = unsigned(shared_.workers.size());
    if (index_ >= workers || shared_.workers[index_] != this) return;
    if (drain_ == DrainPhase::none) {
        drain_ = DrainPhase::quiet;
        stop_listening();
        for (size_t i = 0; i < slots_.size(); ++i)
            if (slots_[i]->idle()) slots_[i]->terminate();
        loop_.set_timer(kDrainDeadlineTimer, d.deadline_ms);
        if (d.quiet.fetch_add(1, std::memory_order_acq_rel) + 1 == workers)
            for (Worker* w : shared_.workers)
                if (w != this) w->wake();
    }
    if (drain_ == DrainPhase::quiet) {
        // Past the deadline nobody waits for a worker that is late.
        if (d.quiet.load(std::memory_order_acquire) != workers && loop_.now_ms() < d.deadline_ms) return;
        // Everything handed here before the drain, delivered before the 1001s.
        hub_.take_inbox();
        while (hub_.backlog() != 0) {
            hub_.begin_pass();
            hub_.run_backlog();
        }
        drain_ = DrainPhase::closing;
        hub_.close();
        if (bus_) bus_->say_goodbye();  // for the other nodes, this worker's members are gone
        for (size_t i = 0; i < slots_.size(); ++i) slots_[i]->go_away();
        flush_dirty();
        hub_.hand_over();
    }
    if (drain_ == DrainPhase::closing && open_slots() == 0) {
        drain_ = DrainPhase::done;
        if (d.done.fetch_add(1, std::memory_order_acq_rel) + 1 == workers && d.on_done) d.on_done(d.on_done_arg);
    }
}

void Worker::stop_listening() noexcept {
    if (listen_fd_ < 0) return;
    if (listening_) loop_.poller().remove(listen_fd_, reactor::kReadable);
    listening_ = false;
    ::close(listen_fd_);
    listen_fd_ = -1;
}

void Worker::force_close_all() noexcept {
    uint64_t cut = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
        if (slots_[i]->state() == Connection::State::free) continue;
        slots_[i]->terminate();
        ++cut;
    }
    if (cut != 0) shared_.drain.forced.fetch_add(cut, std::memory_order_relaxed);
}

}  // namespace wshub::app
