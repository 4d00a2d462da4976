// Test helpers for redis::PubSub clients: the owner's loop and listener over
// a reactor::Loop of the test's own (link index = poller token = timer id),
// recording what the client tells it, and driving the loop until a
// condition holds or a deadline passes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "reactor/loop.h"
#include "redis/pubsub.h"

namespace pubsub_test {

struct Down {
    size_t link;
    std::string reason;
    bool was_up;
    bool client_was_up;
    size_t dropped_commands;
};

class Host final : public wshub::redis::PubSubLoop, public wshub::redis::PubSubListener {
public:
    wshub::reactor::Loop loop;
    wshub::redis::PubSub* client = nullptr;

    int ups = 0;
    std::vector<Down> downs;
    std::vector<std::pair<std::string, std::string>> messages;  // channel, payload
    std::vector<std::string> failed_publishes;
    std::vector<std::string> errors;
    std::vector<std::string> command_replies;  // on_command_reply, the text of each

    // Loop passes, each begun by the client's flush as a worker's are, until
    // done() or timeout_ms; whether done() came true.
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
        client->flush();
        CHECK_EQ(loop.run_once(*this, max_wait_ms), 0);
    }
    // Messages received on `channel`, in order.
    std::vector<std::string> payloads_on(const std::string& channel) const {
        std::vector<std::string> out;
        for (const auto& [c, p] : messages)
            if (c == channel) out.push_back(p);
        return out;
    }
    // Whether `payload` came on `channel`.
    bool received(const std::string& channel, const std::string& payload) const {
        for (const auto& [c, p] : messages)
            if (c == channel && p == payload) return true;
        return false;
    }

    // The loop's sink.
    void on_wake() {}
    void on_ready(uint64_t token, uint32_t events) { client->on_ready(size_t(token), events); }
    void on_timer(uint32_t id) { client->on_timer(id); }

    // PubSubLoop.
    int watch(size_t link, int fd, uint32_t interest) override {
        CHECK_LT(link, client->max_links());
        return loop.poller().add(fd, link, interest);
    }
    int rewatch(size_t link, int fd, uint32_t old_interest, uint32_t interest) override {
        return loop.poller().modify(fd, link, old_interest, interest);
    }
    void unwatch(size_t, int fd, uint32_t old_interest) override { loop.poller().remove(fd, old_interest); }
    void set_timer(size_t link, uint64_t deadline_ms) override {
        CHECK_LT(link, client->max_links());
        loop.set_timer(uint32_t(link), deadline_ms);
    }
    void cancel_timer(size_t link) override { loop.cancel_timer(uint32_t(link)); }
    uint64_t now_ms() override { return loop.now_ms(); }

    // PubSubListener.
    void on_message(std::string_view channel, std::string_view payload) override {
        messages.emplace_back(channel, payload);
    }
    void on_up() override {
        CHECK(client->up());
        ++ups;
    }
    void on_down(size_t link, const wshub::redis::LinkDown& d, bool client_was_up) override {
        downs.push_back({link, std::string(d.reason), d.was_up, client_was_up, d.dropped_commands});
    }
    void on_publish_failed(std::string_view error) override { failed_publishes.emplace_back(error); }
    void on_error(std::string_view text) override { errors.emplace_back(text); }
    void on_command_reply(const wshub::redis::Value& reply) override { command_replies.emplace_back(reply.text); }
};

}  // namespace pubsub_test
