// RedisBus: who is where across the nodes. Heartbeats and goodbyes on
// PREFIX:nodes; joins, leaves, questions and answers on each room's channel
// (redis_bus.h says what each is for).
#include <algorithm>
#include <string>
#include <vector>

#include "app/connection.h"
#include "app/log.h"
#include "app/node_number.h"
#include "app/redis_bus.h"
#include "app/worker.h"
#include "bus/envelope.h"

namespace wshub::app {
namespace {

// What member `c` leaves room `room`'s other members if its node goes
// without a word: its handler's farewell, if it has one that fits.
bus::Farewell farewell_of(Connection& c, std::string_view room, std::string& out) {
    bus::Farewell f;
    f.member = c.conn_id();
    if (c.user().size() <= bus::kMaxUser) f.user = c.user();
    wshub::MessageType type = wshub::MessageType::text;
    out.clear();
    if (c.farewell(room, out, type) && out.size() <= bus::kMaxFarewell) {
        f.opcode = type == wshub::MessageType::text ? 1 : 2;
        f.payload = out;
    }
    return f;
}

}  // namespace

void RedisBus::on_heartbeat() {
    const uint64_t now = w_.now_ms();
    const uint64_t timeout = w_.config().node_timeout_ms;
    w_.loop().set_timer(heartbeat_timer_, now + timeout / 16);
    // Nobody is judged while this worker cannot hear them.
    if (!up()) return;
    if (w_.index() == 0 && now >= beat_at_ms_) {
        renew_node_number();
        beat();
    }
    for (const uint32_t node : nodes_.expire(now, timeout * 3 / 4)) node_gone(node, bus::Roster::kAllWorkers);
}

void RedisBus::beat() {
    beat_at_ms_ = w_.now_ms() + w_.config().node_timeout_ms / 4;
    envelope_.clear();
    bus::put_heartbeat(envelope_, {uint16_t(w_.shared().node_number), 0, epoch_, w_.shared().process_tag});
    publish_envelope(nodes_channel_, false);
}

// The number's key, renewed for another --node-timeout if it is free or
// this node's; left alone if another node took it (while this one could
// not reach Redis, or when both started without it).
void RedisBus::renew_node_number() {
    static constexpr std::string_view kRenew =
        "local v = redis.call('GET', KEYS[1]) "
        "if v == false or v == ARGV[1] then "
        "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 'wshub:held' end "
        "return 'wshub:taken:' .. v";
    const std::string key = node_number_key(w_.config(), w_.shared().node_number);
    const std::string ttl = std::to_string(w_.config().node_timeout_ms);
    client_->command(key, {"EVAL", kRenew, "1", key, w_.shared().node_id, ttl});
}

void RedisBus::take_renewal(std::string_view answer) {
    constexpr std::string_view kTaken = "wshub:taken:";
    const bool taken = answer.substr(0, kTaken.size()) == kTaken;
    if (taken == number_taken_) return;
    number_taken_ = taken;
    const LogLevel level = taken ? LogLevel::warn : LogLevel::info;
    if (!log_enabled(level)) return;
    Log line(level, taken ? "node_number_taken" : "node_number");
    line.str("node", w_.shared().node_id).num("number", w_.shared().node_number);
    if (taken) line.str("holder", answer.substr(kTaken.size(), 64));
    line.emit();
}

void RedisBus::member_joined(uint16_t ns, std::string_view name, Connection& c) {
    if (w_.hub().closed()) return;
    std::string farewell;
    const bus::Farewell f = farewell_of(c, name, farewell);
    envelope_.clear();
    bus::put_joined(envelope_, f, epoch_);
    publish_envelope(channel_of(ns, name), false);
}

void RedisBus::member_left(uint16_t ns, std::string_view name, hub::MemberId id) {
    if (w_.hub().closed()) return;
    envelope_.clear();
    bus::put_left(envelope_, id);
    publish_envelope(channel_of(ns, name), false);
}

const RedisBus::RoomKey* RedisBus::room_channel(uint16_t ns, std::string_view name) const {
    std::string channel = channel_prefix_;
    const std::string& space = w_.config().namespaces[ns];
    channel += std::to_string(space.size());
    channel += ':';
    channel += space;
    channel += ':';
    channel += name;
    const auto it = channels_.find(channel);
    return it == channels_.end() ? nullptr : &it->second;
}

size_t RedisBus::remote_members(uint16_t ns, std::string_view name) const noexcept {
    const RoomKey* ch = room_channel(ns, name);
    return ch ? ch->roster.size() : 0;
}

void RedisBus::list_remote(uint16_t ns, std::string_view name, size_t max, std::vector<wshub::RoomMember>& out) const {
    const RoomKey* ch = room_channel(ns, name);
    if (!ch) return;
    const size_t end = out.size() + max;
    ch->roster.each([&](uint64_t id, const bus::Roster::Entry& e) {
        if (out.size() == end) return false;
        out.push_back({id, e.user});
        return true;
    });
}

void RedisBus::say_goodbye() {
    envelope_.clear();
    bus::put_bye(envelope_, {uint16_t(w_.shared().node_number), uint8_t(w_.index()), epoch_, w_.shared().process_tag});
    publish_envelope(nodes_channel_, false);
    client_->flush();  // the worker may end before its next pass
}

// 'J', 'L', 'Q' or 'R' on a room's channel.
void RedisBus::take_room_news(RoomKey& room, std::string_view envelope) {
    const uint32_t own = w_.shared().node_number;
    bus::Farewell f;
    bus::Generation gen = 0;
    hub::MemberId id = 0;
    bus::Origin asker;
    if (bus::kind_of(envelope) == char(bus::Kind::roster)) {
        take_answer(room, envelope);
    } else if (bus::read_joined(envelope, f, gen)) {
        if (hub::node_of(f.member) == own) return;  // counted here already
        room.roster.joined(f, epoch_, gen);
        if (!nodes_.known(hub::node_of(f.member))) nodes_.heard(hub::node_of(f.member), w_.now_ms());
    } else if (bus::read_left(envelope, id)) {
        room.roster.left(id);
    } else if (bus::read_query(envelope, asker)) {
        if (asker.node != own) answer(room, channel_of(room.ns, room.name), asker);
    } else {
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
    }
}

// In parts that a Redis push of --max-message carries.
void RedisBus::answer(const RoomKey& room, const std::string& channel, bus::Origin to) {
    const hub::LocalRoom* local = w_.hub().rooms().find(room.ns, room.name);
    if (!local || w_.hub().closed()) return;
    const size_t part_bytes = std::min<size_t>(32 * 1024, w_.config().max_message + 512);
    bus::RosterHead head{.ns = room.ns,
                         .room = room.name,
                         .from = {uint16_t(w_.shared().node_number), uint8_t(w_.index())},
                         .gen = epoch_,
                         .to = to,
                         .reset = true};
    envelope_.clear();
    bus::put_roster_head(envelope_, head);
    size_t entries = 0;
    bool sent = false;  // a part: an empty room still gets its one, to reset
    std::string farewell;
    for (const hub::LocalRoom::Entry& e : local->members) {
        bus::add_roster_entry(envelope_, farewell_of(*static_cast<Connection*>(e.member), room.name, farewell));
        ++entries;
        if (envelope_.size() < part_bytes) continue;
        publish_envelope(channel, false);
        sent = true;
        head.reset = false;
        envelope_.clear();
        bus::put_roster_head(envelope_, head);
        entries = 0;
    }
    if (entries != 0 || !sent) publish_envelope(channel, false);
}

// An answer on the room's channel: this worker's if addressed to it or to all.
void RedisBus::take_answer(RoomKey& room, std::string_view envelope) {
    bus::RosterHead head;
    std::string_view entries;
    if (!bus::read_roster(envelope, head, entries)) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    const uint32_t own = w_.shared().node_number;
    const bool mine = head.to.node == bus::kEveryNode || (head.to.node == own && head.to.worker == w_.index());
    if (!mine || head.from.node == own) return;
    if (head.ns != room.ns || head.room != room.name || !room.roster.answer(head, entries, epoch_))
        w_.counters().redis_drop(metrics::RedisDrop::malformed);
    if (!nodes_.known(head.from.node)) nodes_.heard(head.from.node, w_.now_ms());
}

// 'H', 'B' or 'U' on PREFIX:nodes.
void RedisBus::take_node_news(std::string_view envelope) {
    bus::NodeNews news;
    if (!bus::read_node_news(envelope, news)) return w_.counters().redis_drop(metrics::RedisDrop::malformed);
    if (news.node == w_.shared().node_number) {
        if (news.node_id != w_.shared().process_tag && !said_shared_ && log_enabled(LogLevel::warn)) {
            Log(LogLevel::warn, "node_number_shared")
                .num("number", news.node)
                .str("other", news.node_id.substr(0, news.node_id.rfind('#')))
                .emit();
        }
        said_shared_ = said_shared_ || news.node_id != w_.shared().process_tag;
        return;
    }
    const char kind = bus::kind_of(envelope);
    if (kind == char(bus::Kind::bye)) return node_gone(news.node, news.worker);
    nodes_.heard(news.node, w_.now_ms());
    if (kind == char(bus::Kind::back))
        for (auto& [channel, room] : channels_) room.roster.forget(news.node, news.worker, news.gen);
    if (kind == char(bus::Kind::ping) && w_.index() == 0) beat();
    // Its first beat since this worker came back follows its answers to
    // this worker's questions: what they did not list again is gone.
    if (kind == char(bus::Kind::heartbeat) && heard_since_up_.insert(news.node).second) {
        const uint32_t node = news.node;
        for (auto& [channel, room] : channels_) room.roster.sweep(epoch_, [node](uint32_t n) { return n == node; });
    }
}

// Node `node`'s members (of its worker `worker`, or of all) are gone: this
// worker's members hear their farewells. Gathered first: a delivery may
// close a member, and with it end this worker's interest in a room.
void RedisBus::node_gone(uint32_t node, int worker) {
    struct Said {
        uint16_t ns;
        std::string room;
        uint8_t opcode;
        std::string farewell;
    };
    std::vector<Said> said;
    for (auto& [channel, room] : channels_)
        room.roster.drop(node, worker, [&](uint8_t opcode, std::string_view farewell) {
            said.push_back({room.ns, room.name, opcode, std::string(farewell)});
        });
    for (const Said& s : said) {
        if (hub::Frame* f = hub::make_frame(ws::Opcode(s.opcode), s.farewell)) {
            w_.hub().deliver_remote(s.ns, s.room, f);
            hub::release(f);
        }
    }
    const bool whole = worker == bus::Roster::kAllWorkers;
    if (whole) nodes_.forget(node);
    if (log_enabled(LogLevel::info) && (!said.empty() || (whole && w_.index() == 0)))
        Log(LogLevel::info, whole ? "node_gone" : "node_worker_gone")
            .num("number", node)
            .num("worker", whole ? w_.index() : unsigned(worker))
            .num("farewells", said.size())
            .emit();
}

}  // namespace wshub::app
