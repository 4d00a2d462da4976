// Test helpers for redis::Link: a LinkHost over a reactor::Loop of its own,
// as a worker will be, that records everything its links tell it (replies
// and pushes as resp_text descriptions, losses, timer requests) and drives
// the loop until a condition holds or a deadline passes; and the servers
// the tests use (shared or private, skipped without redis-server).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "check.h"
#include "net/address.h"
#include "reactor/loop.h"
#include "redis/link.h"
#include "redis_server.h"
#include "resp_text.h"

namespace link_test {

using wshub::redis::Endpoint;
using wshub::redis::Link;
using wshub::redis::LinkDown;
using wshub::redis::LinkOptions;
using wshub::redis::LinkState;
using wshub::redis::Value;

struct Down {
    std::string reason;
    bool was_up;
    size_t dropped_commands;
    size_t dropped_bytes;
    uint32_t retry_ms;
};

// What one link told its host.
struct Record {
    int ups = 0;
    std::vector<Down> downs;
    std::vector<std::string> replies;  // described
    std::vector<std::string> pushes;   // described
    // Delays asked of set_timer while the link was waiting (its reconnects).
    std::vector<uint64_t> retry_delays;
};

class Host final : public wshub::redis::LinkHost {
public:
    wshub::reactor::Loop loop;
    std::map<uint64_t, Record> records;  // by token
    // Called after a reply is recorded, to act from inside the callback.
    std::function<void(Link&, const Value&)> after_reply;

    void add(Link& link) { links_[link.token()] = &link; }
    Record& of(const Link& link) { return records[link.token()]; }

    // Passes of the loop, each ended by a flush of every link as a worker
    // does, until done() or timeout_ms; whether done() came true.
    template <typename Done>
    bool run_until(Done done, uint64_t timeout_ms = 10000) {
        const uint64_t deadline = wshub::reactor::monotonic_ms() + timeout_ms;
        while (!done()) {
            if (wshub::reactor::monotonic_ms() >= deadline) return false;
            pass(10);
        }
        return true;
    }

    void pass(int max_wait_ms) {
        for (auto& [token, link] : links_) link->flush();
        CHECK_EQ(loop.run_once(*this, max_wait_ms), 0);
    }

    // The loop's sink.
    void on_wake() {}
    void on_ready(uint64_t token, uint32_t events) { links_.at(token)->on_ready(events); }
    void on_timer(uint32_t id) { links_.at(id)->on_timer(); }

    // LinkHost.
    int watch(Link& link, int fd, uint32_t interest) override {
        return loop.poller().add(fd, link.token(), interest);
    }
    int rewatch(Link& link, int fd, uint32_t old_interest, uint32_t interest) override {
        return loop.poller().modify(fd, link.token(), old_interest, interest);
    }
    void unwatch(Link&, int fd, uint32_t old_interest) override { loop.poller().remove(fd, old_interest); }
    void set_timer(Link& link, uint64_t deadline_ms) override {
        if (link.state() == LinkState::waiting) of(link).retry_delays.push_back(deadline_ms - loop.now_ms());
        loop.set_timer(uint32_t(link.token()), deadline_ms);
    }
    void cancel_timer(Link& link) override { loop.cancel_timer(uint32_t(link.token())); }
    uint64_t now_ms() override { return loop.now_ms(); }
    void on_up(Link& link) override { ++of(link).ups; }
    void on_down(Link& link, const LinkDown& d) override {
        of(link).downs.push_back(
            {std::string(d.reason), d.was_up, d.dropped_commands, d.dropped_bytes, d.retry_ms});
    }
    void on_push(Link& link, const Value& push) override { of(link).pushes.push_back(resp_text::describe(push)); }
    void on_reply(Link& link, const Value& reply) override {
        of(link).replies.push_back(resp_text::describe(reply));
        if (after_reply) after_reply(link, reply);
    }

private:
    std::map<uint64_t, Link*> links_;
};

inline wshub::net::Address loopback(int port) {
    return *wshub::net::parse_address("127.0.0.1:" + std::to_string(port));
}

inline bool redis_required(bool installed) {
    const char* require = std::getenv("WSHUB_REQUIRE_REDIS");
    return installed || (require != nullptr && std::string(require) == "1");
}

inline redis_test::Server* shared_for(const char* test) {
    std::string why;
    bool installed = false;
    redis_test::Server* server = redis_test::shared_server(why, installed);
    if (server == nullptr && redis_required(installed))
        check::fail(__FILE__, __LINE__, std::string("no redis-server: ") + why);
    else if (server == nullptr)
        std::fprintf(stderr, "  %s: skipped: %s\n", test, why.c_str());
    return server;
}

// A server of the test's own, without cluster mode (so SELECT works).
inline std::unique_ptr<redis_test::Server> private_for(const char* test, const std::string& requirepass = "") {
    std::string why;
    bool installed = false;
    auto server = redis_test::private_server({requirepass, false}, why, installed);
    if (server == nullptr && redis_required(installed))
        check::fail(__FILE__, __LINE__, std::string("no redis-server: ") + why);
    else if (server == nullptr)
        std::fprintf(stderr, "  %s: skipped: %s\n", test, why.c_str());
    return server;
}

inline Endpoint endpoint_at(int port) {
    Endpoint e;
    e.address = loopback(port);
    return e;
}

// Short delays, so a test sees many attempts; a fixed seed, so the same ones.
inline LinkOptions quick_options() {
    LinkOptions o;
    o.backoff_first_ms = 20;
    o.backoff_cap_ms = 160;
    o.seed = 3;
    return o;
}

inline uint32_t ceiling_of(const LinkOptions& o, size_t failures) {
    const uint64_t doubled = failures >= 32 ? UINT64_MAX : uint64_t(o.backoff_first_ms) << failures;
    return doubled < o.backoff_cap_ms ? uint32_t(doubled) : o.backoff_cap_ms;
}

// The index of the first of `got` that differs from `want`, or -1.
inline long first_difference(const std::vector<std::string>& got, const std::vector<std::string>& want) {
    for (size_t i = 0; i < want.size(); ++i)
        if (i >= got.size() || got[i] != want[i]) return long(i);
    return got.size() == want.size() ? -1 : long(want.size());
}

inline bool up(Host& host, Link& link) {
    return host.run_until([&] { return link.state() == LinkState::up; });
}

}  // namespace link_test
