// The fanout scenario's receiving side: frames read and decoded, Socket.IO
// packets unwrapped, each message's header read back and checked (content,
// sequence, loss, order), and each delivery credited to its publisher's window.
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "clock.h"
#include "fanout_run.h"

namespace wsbench::fanout {

void FanoutRun::on_readable(Conn& c) {
    ReadEnd e = read_rounds(c.fd, rbuf_.get(), kReadBuffer, [&](size_t n) {
        now_ = now_ns();
        if (window_.measuring(now_)) {
            ++reads_measured_;
            if (c.pub < 0) wire_bytes_measured_ += n;
        }
        feed(c, rbuf_.get(), n);
        return c.alive;
    });
    if (!e.ended) return;
    if (!c.closing)
        fail(c, &Errors::closed, read_end_reason(e.r, e.err));
    else
        fail(c, &Errors::close_handshake, kEndedBeforeClose);
}

void FanoutRun::feed(Conn& c, uint8_t* p, size_t n) {
    cur_ = &c;
    cur_failed_ = false;
    c.decoder.feed(p, n, *this);
    if (c.decoder.failed()) return fail(c, &Errors::protocol, "bad frame: " + std::string(c.decoder.error()));
    // A sink callback may have asked for the connection to go (already counted).
    if (cur_failed_) drop(c);
}

std::string conn_name(const Conn& c, uint32_t subscribers) {
    return c.pub < 0 ? "subscriber " + std::to_string(c.id) : "publisher " + std::to_string(c.id - subscribers);
}

void FanoutRun::on_data(const uint8_t* p, size_t n, uint64_t offset) {
    Conn& c = *cur_;
    if (c.decoder.compressed() || c.received < kCheckedMessages || opts_.socketio) {
        c.whole.insert(c.whole.end(), p, p + n);
        return;
    }
    const size_t head = payload_.head_size();
    if (offset < head) std::memcpy(c.head + offset, p, head - size_t(offset) < n ? head - size_t(offset) : n);
}

// The message that just ended on c (its bytes in c.whole or its first ones in
// c.head, as on_data kept them): inflated if compressed, its header read
// back, and its whole content compared when it is one of c's first messages
// or was inflated just now. Returns what is wrong with it, empty if nothing.
std::string FanoutRun::read_message(Conn& c, Opcode opcode, uint64_t length, MsgHeader& m) {
    const bool compressed = c.decoder.compressed();
    const bool whole = compressed || c.received < kCheckedMessages;
    const uint8_t* msg = whole ? c.whole.data() : c.head;
    uint64_t size = length;
    bool fresh = false;
    if (compressed) {
        MessageInflater::Result r = inflater_.inflate(c.id, c.deflate, c.whole.data(), c.whole.size());
        if (!r.error.empty()) return "a compressed message of " + std::to_string(length) + " bytes " + r.error;
        msg = r.data;
        size = r.size;
        fresh = r.fresh;
    }
    if (opcode != opcode_ || size != opts_.size)
        return "message of " + std::to_string(size) + " bytes" + (compressed ? " inflated" : "") + ", opcode " +
               std::to_string(unsigned(opcode)) + "; sent " + std::to_string(opts_.size) + " bytes, opcode " +
               std::to_string(unsigned(opcode_));
    if (!payload_.read_header(msg, m))
        return "message without a valid wsbench fanout header (is another client in the room?)";
    if (m.pub >= pubs_.size()) return "message from publisher " + std::to_string(m.pub) + ", which does not exist";
    if (m.seq >= pubs_[m.pub].sent)
        return "publisher " + std::to_string(m.pub) + "'s message " + std::to_string(m.seq) + " was never sent";
    if (whole && (c.received < kCheckedMessages || fresh)) {
        const size_t at = payload_.first_difference(msg, m);
        if (at < size) return "message content differs at byte " + std::to_string(at);
    }
    return {};
}

void FanoutRun::on_message(Opcode opcode, uint64_t length) {
    Conn& c = *cur_;
    if (opts_.socketio && !unwrap_sio(c, opcode, length)) return;
    MsgHeader m;
    const std::string why = read_message(c, opcode, length, m);
    c.whole.clear();
    if (!why.empty()) {
        ++errors_.protocol;
        note(conn_name(c, subs_opened_) + ": " + why);
        cur_failed_ = true;
        return;
    }
    if (c.received < kCheckedMessages) ++c.received;
    deliver(c, m, c.decoder.compressed());
}

// With --protocol socketio: puts the payload of the msg event in c.whole
// (and its first bytes in c.head) in place of the packet, and its size in
// length. False for any other packet: a ping (answered), another packet
// (ignored), or no Socket.IO packet at all (a protocol error).
bool FanoutRun::unwrap_sio(Conn& c, Opcode opcode, uint64_t& length) {
    const SioPacket k = opcode != Opcode::text ? SioPacket::bad
                                        : sio_read({reinterpret_cast<const char*>(c.whole.data()), c.whole.size()},
                                                   sio_payload_);
    c.whole.clear();
    if (k == SioPacket::event) {
        c.whole.assign(sio_payload_.begin(), sio_payload_.end());
        std::memcpy(c.head, c.whole.data(), std::min(c.whole.size(), payload_.head_size()));
        length = c.whole.size();
        return true;
    }
    if (k == SioPacket::ping) {
        queue_control(c, Opcode::text, reinterpret_cast<const uint8_t*>(kSioPong.data()), kSioPong.size());
        flush(c);
        cur_failed_ = !c.alive;
    } else if (k == SioPacket::bad) {
        ++errors_.protocol;
        note(conn_name(c, subs_opened_) + ": a message that is no Socket.IO packet, or a msg event without a string");
        cur_failed_ = true;
    }
    return false;
}

void FanoutRun::deliver(Conn& c, const MsgHeader& m, bool compressed) {
    Pub& p = pubs_[m.pub];
    uint64_t& next = c.next_seq[m.pub];
    const bool subscriber = c.pub < 0;
    if (m.seq < next) {
        // After the drain wait, the tails were already counted as lost.
        if (phase_ == Phase::closing) {
            ++late_;
            return;
        }
        ++out_of_order_;
        note(conn_name(c, subs_opened_) + ": publisher " + std::to_string(m.pub) + "'s message " +
             std::to_string(m.seq) + " came after message " + std::to_string(next - 1));
        return;
    }
    if (m.seq > next) {
        loss_ += m.seq - next;
        note(conn_name(c, subs_opened_) + ": publisher " + std::to_string(m.pub) + "'s messages " +
             std::to_string(next) + " to " + std::to_string(m.seq - 1) + " never arrived (" +
             std::to_string(m.seq) + " did)");
        // What was skipped will not come: do not let it hold the window.
        if (subscriber)
            for (uint64_t s = next > p.acked ? next : p.acked; s < m.seq; ++s) credit(p, s);
    }
    next = m.seq + 1;
    if (!subscriber) return;
    credit(p, m.seq);
    advance(p);
    ++deliveries_total_;
    if (window_.measuring(now_)) {
        ++deliveries_measured_;
        compressed_measured_ += compressed;
        latency_.record(int64_t((uint64_t(now_) - m.sent_ns) & kLow56));
    }
}

}  // namespace wsbench::fanout
