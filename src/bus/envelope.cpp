#include "bus/envelope.h"

namespace wshub::bus {
namespace {

// Reads fields off the front of an envelope; once short, every read fails.
class Reader {
public:
    explicit Reader(std::string_view in) noexcept : in_(in) {}
    bool ok() const noexcept { return ok_; }
    bool done() const noexcept { return ok_ && in_.empty(); }
    std::string_view rest() noexcept { return take(in_.size()); }

    uint64_t u(size_t bytes) noexcept {
        const std::string_view b = take(bytes);
        uint64_t v = 0;
        for (size_t i = b.size(); i-- > 0;) v = v << 8 | uint8_t(b[i]);
        return v;
    }
    std::string_view take(size_t n) noexcept {
        if (!ok_ || in_.size() < n) {
            ok_ = false;
            return {};
        }
        const std::string_view b = in_.substr(0, n);
        in_.remove_prefix(n);
        return b;
    }
    // Past "W" and the kind.
    bool head(Kind k) noexcept {
        const std::string_view h = take(2);
        return ok_ && h[0] == 'W' && h[1] == char(k);
    }

private:
    std::string_view in_;
    bool ok_ = true;
};

void put(std::string& out, uint64_t v, size_t bytes) {
    for (size_t i = 0; i < bytes; ++i) out += char(v >> (8 * i));
}

void put_head(std::string& out, Kind k) {
    out += 'W';
    out += char(k);
}

bool data_opcode(uint8_t op) noexcept { return op == 1 || op == 2; }

}  // namespace

char kind_of(std::string_view envelope) noexcept {
    if (envelope.size() < 2 || envelope[0] != 'W') return 0;
    switch (Kind(envelope[1])) {
    case Kind::message:
    case Kind::direct:
    case Kind::joined:
    case Kind::left:
    case Kind::query:
    case Kind::roster:
    case Kind::heartbeat:
    case Kind::bye:
    case Kind::back:
    case Kind::ping:
        return envelope[1];
    }
    return 0;
}

void put_message(std::string& out, const Message& m) {
    put_head(out, Kind::message);
    put(out, m.opcode, 1);
    put(out, m.node_id.size(), 1);
    out += m.node_id;
    put(out, m.worker, 1);
    put(out, m.seq, 8);
    put(out, m.sent_us, 8);
    out += m.payload;
}

bool read_message(std::string_view in, Message& out) noexcept {
    Reader r(in);
    if (!r.head(Kind::message)) return false;
    out.opcode = uint8_t(r.u(1));
    out.node_id = r.take(r.u(1));
    out.worker = uint8_t(r.u(1));
    out.seq = r.u(8);
    out.sent_us = r.u(8);
    out.payload = r.rest();
    return r.ok() && data_opcode(out.opcode);
}

void put_direct(std::string& out, const Direct& d) {
    put_head(out, Kind::direct);
    put(out, d.opcode, 1);
    put(out, d.ns, 2);
    put(out, d.target, 8);
    out += d.payload;
}

bool read_direct(std::string_view in, Direct& out) noexcept {
    Reader r(in);
    if (!r.head(Kind::direct)) return false;
    out.opcode = uint8_t(r.u(1));
    out.ns = uint16_t(r.u(2));
    out.target = r.u(8);
    out.payload = r.rest();
    return r.ok() && data_opcode(out.opcode);
}

void put_joined(std::string& out, const Farewell& f, Generation gen) {
    put_head(out, Kind::joined);
    put(out, f.member, 8);
    put(out, gen, 4);
    put(out, f.opcode, 1);
    put(out, f.user.size(), 2);
    out += f.user;
    out += f.payload;
}

bool read_joined(std::string_view in, Farewell& out, Generation& gen) noexcept {
    Reader r(in);
    if (!r.head(Kind::joined)) return false;
    out.member = r.u(8);
    gen = Generation(r.u(4));
    out.opcode = uint8_t(r.u(1));
    out.user = r.take(r.u(2));
    out.payload = r.rest();
    return r.ok() && (out.opcode == 0 ? out.payload.empty() : data_opcode(out.opcode)) &&
           out.payload.size() <= kMaxFarewell && out.user.size() <= kMaxUser;
}

void put_left(std::string& out, uint64_t member) {
    put_head(out, Kind::left);
    put(out, member, 8);
}

bool read_left(std::string_view in, uint64_t& member) noexcept {
    Reader r(in);
    if (!r.head(Kind::left)) return false;
    member = r.u(8);
    return r.done();
}

void put_query(std::string& out, Origin asker) {
    put_head(out, Kind::query);
    put(out, asker.node, 2);
    put(out, asker.worker, 1);
}

bool read_query(std::string_view in, Origin& out) noexcept {
    Reader r(in);
    if (!r.head(Kind::query)) return false;
    out.node = uint16_t(r.u(2));
    out.worker = uint8_t(r.u(1));
    return r.done();
}

void put_roster_head(std::string& out, const RosterHead& h) {
    put_head(out, Kind::roster);
    put(out, h.ns, 2);
    put(out, h.room.size(), 2);
    out += h.room;
    put(out, h.from.node, 2);
    put(out, h.from.worker, 1);
    put(out, h.gen, 4);
    put(out, h.to.node, 2);
    put(out, h.to.worker, 1);
    put(out, h.reset ? 1 : 0, 1);
}

void add_roster_entry(std::string& out, const Farewell& f) {
    put(out, f.member, 8);
    put(out, f.opcode, 1);
    put(out, f.user.size(), 2);
    out += f.user;
    put(out, f.payload.size(), 2);
    out += f.payload;
}

bool read_roster(std::string_view in, RosterHead& head, std::string_view& entries) noexcept {
    Reader r(in);
    if (!r.head(Kind::roster)) return false;
    head.ns = uint16_t(r.u(2));
    head.room = r.take(r.u(2));
    head.from.node = uint16_t(r.u(2));
    head.from.worker = uint8_t(r.u(1));
    head.gen = Generation(r.u(4));
    head.to.node = uint16_t(r.u(2));
    head.to.worker = uint8_t(r.u(1));
    const uint64_t reset = r.u(1);
    head.reset = reset == 1;
    entries = r.rest();
    return r.ok() && reset <= 1;
}

bool RosterEntries::next(Farewell& out) noexcept {
    if (rest_.empty() || bad_) return false;
    Reader r(rest_);
    out.member = r.u(8);
    out.opcode = uint8_t(r.u(1));
    out.user = r.take(r.u(2));
    out.payload = r.take(r.u(2));
    bad_ = !r.ok() || out.payload.size() > kMaxFarewell || out.user.size() > kMaxUser ||
           (out.opcode == 0 ? !out.payload.empty() : !data_opcode(out.opcode));
    if (bad_) return false;
    rest_ = r.rest();
    return true;
}

namespace {

void put_node_news(std::string& out, Kind k, const NodeNews& n) {
    put_head(out, k);
    put(out, n.node, 2);
    put(out, n.worker, 1);
    put(out, n.gen, 4);
    put(out, n.node_id.size(), 1);
    out += n.node_id;
}

}  // namespace

void put_heartbeat(std::string& out, const NodeNews& n) { put_node_news(out, Kind::heartbeat, n); }
void put_bye(std::string& out, const NodeNews& n) { put_node_news(out, Kind::bye, n); }
void put_back(std::string& out, const NodeNews& n) { put_node_news(out, Kind::back, n); }
void put_ping(std::string& out, const NodeNews& n) { put_node_news(out, Kind::ping, n); }

bool read_node_news(std::string_view in, NodeNews& out) noexcept {
    const char k = kind_of(in);
    if (k != char(Kind::heartbeat) && k != char(Kind::bye) && k != char(Kind::back) && k != char(Kind::ping))
        return false;
    Reader r(in);
    r.take(2);
    out.node = uint16_t(r.u(2));
    out.worker = uint8_t(r.u(1));
    out.gen = Generation(r.u(4));
    out.node_id = r.take(r.u(1));
    return r.done();
}

}  // namespace wshub::bus
