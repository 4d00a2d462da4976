#include "redis/single_pubsub.h"

#include <vector>

namespace wshub::redis {

SinglePubSub::SinglePubSub(PubSubLoop& loop, PubSubListener& listener, Endpoint endpoint, LinkOptions options)
    : loop_(loop), listener_(listener), link_(*this, 0, std::move(endpoint), options) {}

void SinglePubSub::subscribe(std::string_view channel) {
    if (!channels_.emplace(channel).second) return;
    // Behind others held back, or refused by a full queue (Redis stalled):
    // held back, not lost. While down, the next up subscribes it.
    if (up() && (!held_.empty() || !link_.send({"SUBSCRIBE", channel}))) held_.emplace_back(channel);
}

void SinglePubSub::unsubscribe(std::string_view channel) {
    const auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    channels_.erase(it);
    // A full queue loses this one: the server then sends messages of a
    // channel not in the set, which on_push drops.
    if (up()) link_.send({"UNSUBSCRIBE", channel});
}

void SinglePubSub::flush() {
    while (!held_.empty() && up()) {
        const std::string& channel = held_.front();
        if (channels_.count(channel) != 0 && !link_.send({"SUBSCRIBE", channel})) break;
        held_.pop_front();
    }
    link_.flush();
}

Publish SinglePubSub::publish(std::string_view channel, std::string_view payload) {
    if (!up()) return Publish::down;
    return link_.send({"PUBLISH", channel, payload}) ? Publish::sent : Publish::queue_full;
}

bool SinglePubSub::command(std::string_view, const std::string_view* args, size_t count) {
    return up() && link_.send(args, count);
}

// A new connection has no subscriptions: every channel again, before the
// owner hears of it. A batch the queue refuses is held back with the rest.
void SinglePubSub::on_up(Link&) {
    held_.clear();
    std::vector<std::string_view> args;
    args.reserve(kChannelsPerSubscribe + 1);
    for (auto it = channels_.begin(); it != channels_.end();) {
        args.assign(1, "SUBSCRIBE");
        for (; it != channels_.end() && args.size() <= kChannelsPerSubscribe; ++it) args.push_back(*it);
        if (held_.empty() && link_.send(args.data(), args.size())) continue;
        held_.insert(held_.end(), args.begin() + 1, args.end());
    }
    listener_.on_up();
}

void SinglePubSub::on_push(Link&, const Value& push) {
    Value v[3];
    if (take(push, v, 3) != 3 || push.size != 3 || v[0].text != "message") return;
    if (channels_.count(v[1].text) == 0) return;  // unsubscribed since it was sent
    listener_.on_message(v[1].text, v[2].text);
}

// PUBLISH answers an integer and SUBSCRIBE a push; any other reply is a
// command()'s. An error reply is any of them, and told as unexpected (one
// server has no MOVED to lose a publish to).
void SinglePubSub::on_reply(Link&, const Value& reply) {
    if (reply.is_error()) listener_.on_error(reply.text);
    else if (reply.type != Type::integer) listener_.on_command_reply(reply);
}

}  // namespace wshub::redis
