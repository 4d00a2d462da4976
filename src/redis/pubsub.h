// Redis pub/sub as the owner (a worker's bus) sees it, whatever sits behind:
// one server (SinglePubSub: SUBSCRIBE, PUBLISH) or a Redis Cluster
// (ClusterPubSub: SSUBSCRIBE, SPUBLISH on the shard that owns a channel).
// The client keeps the set of channels subscribed and restores it after every
// reconnect or slot move: the owner subscribes a channel once and never again.
//
// Like redis::Link, a client never blocks, sleeps or starts a thread: it runs
// on the owner's loop through PubSubLoop, each of its connections known to
// the owner by a link index in [0, max_links()) (mapped by the owner to a
// poller token and a timer id), and it talks back through PubSubListener.
// Every callback comes from inside one of the client's methods, on the
// owner's thread; a listener may call publish/subscribe/unsubscribe from one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "redis/link.h"

namespace wshub::redis {

// The owner's loop, for the links of one client.
class PubSubLoop {
public:
    // The poller: `interest` is reactor::kReadable | kWritable; watch and
    // rewatch return 0 or an errno (a loss for that link).
    virtual int watch(size_t link, int fd, uint32_t interest) = 0;
    virtual int rewatch(size_t link, int fd, uint32_t old_interest, uint32_t interest) = 0;
    virtual void unwatch(size_t link, int fd, uint32_t old_interest) = 0;
    // One timer per link index: a deadline replaces any pending one. When it
    // fires the owner calls on_timer(link).
    virtual void set_timer(size_t link, uint64_t deadline_ms) = 0;
    virtual void cancel_timer(size_t link) = 0;
    // The loop's clock, in milliseconds.
    virtual uint64_t now_ms() = 0;

protected:
    ~PubSubLoop() = default;
};

// What the client tells its owner.
class PubSubListener {
public:
    // A message on a channel subscribed (never one unsubscribed since). The
    // views are valid until the call returns.
    virtual void on_message(std::string_view channel, std::string_view payload) = 0;
    // up() turned true: every subscription is being restored (the commands
    // are queued), publishing works.
    virtual void on_up() = 0;
    // Once per loss of one of the client's connections, or per failed
    // attempt to make one. `client_was_up`: up() was true until this loss
    // (so on_up and these balance, for a gauge). down.dropped_commands are
    // commands queued and lost (publishes and subscribes alike: the owner
    // counts them as lost); the subscriptions come back by themselves.
    virtual void on_down(size_t link, const LinkDown& down, bool client_was_up) = 0;
    // A publish the client had sent was answered with an error (a cluster's
    // MOVED: the channel's slot moved; CLUSTERDOWN): lost, never retried.
    virtual void on_publish_failed(std::string_view error) = 0;
    // Any other error reply nobody expected (a refused subscribe, a slot map
    // refused as malformed, with its reason). The view is valid during the call.
    virtual void on_error(std::string_view text) = 0;
    // The reply to a command() that is not an error (those go to on_error),
    // in the order of the commands. Its views are valid during the call.
    virtual void on_command_reply(const Value& reply) = 0;

protected:
    ~PubSubListener() = default;
};

// What became of a publish.
enum class Publish : uint8_t {
    sent,        // queued on a connection that is up (not yet answered)
    down,        // no connection up for the channel: dropped
    queue_full,  // the connection's queue (LinkOptions::queue_bytes) is full: dropped
};

const char* publish_name(Publish p) noexcept;

class PubSub {
public:
    virtual ~PubSub() = default;

    // Link indexes are below this, fixed for the client's life.
    virtual size_t max_links() const noexcept = 0;

    // Starts connecting (once).
    virtual void start() = 0;
    // Readiness of the socket the owner watches for `link`.
    virtual void on_ready(size_t link, uint32_t events) = 0;
    // The timer of `link` fired.
    virtual void on_timer(size_t link) = 0;
    // Once per loop pass: subscribes held back by a full queue, then the writes.
    virtual void flush() = 0;
    // Publishing works and every subscription is placed or being restored
    // (each implementation says exactly when).
    virtual bool up() const noexcept = 0;

    // Adds `channel` to the set kept (nothing if there already): subscribed
    // now when possible, else as soon as it can be, and after every
    // reconnect. Never lost to a full queue: held back and retried at flush.
    virtual void subscribe(std::string_view channel) = 0;
    // Removes `channel` from the set; its messages stop.
    virtual void unsubscribe(std::string_view channel) = 0;
    // Channels in the set.
    virtual size_t subscriptions() const noexcept = 0;

    // Sends `payload` on `channel` once: never retried, so one publisher's
    // messages keep their order.
    virtual Publish publish(std::string_view channel, std::string_view payload) = 0;
    // Any other command, args[0, count), about the one key `key` (a cluster
    // sends it to the key's shard): its reply comes to on_command_reply, or
    // on_error. False, and nothing sent, when that connection is down or full.
    // Only commands whose reply is not an integer: on one server an integer
    // reply is taken for a PUBLISH's.
    virtual bool command(std::string_view key, const std::string_view* args, size_t count) = 0;
    bool command(std::string_view key, std::initializer_list<std::string_view> args) {
        return command(key, args.begin(), args.size());
    }
};

}  // namespace wshub::redis
