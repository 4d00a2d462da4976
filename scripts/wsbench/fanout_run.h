// The fanout scenario's state, shared by its event loop (fanout.cpp) and
// its report (fanout_report.cpp): one FanoutRun per run.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "conn.h"
#include "conn_errors.h"
#include "cpu_window.h"
#include "dial.h"
#include "fanout_payload.h"
#include "histogram.h"
#include "message_inflater.h"
#include "options.h"
#include "out_queue.h"
#include "run_window.h"
#include "socketio.h"
#include "summary.h"
#include "ws/frame.h"
#include "ws/mask_source.h"

namespace wsbench::fanout {

using wshub::ws::Opcode;

inline constexpr size_t kReadBuffer = 256 * 1024;
inline constexpr uint32_t kCheckedMessages = 4;   // whole content compared on each receiver's first messages
inline constexpr int64_t kDrainWaitNs = 2'000'000'000;  // after the run, for messages still in flight
inline constexpr int64_t kCloseWaitNs = 2'000'000'000;  // then for the close handshakes
inline constexpr int64_t kDrainCheckNs = 1'000'000;
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

// --- State -------------------------------------------------------------------
struct Conn : ConnBase {
    int64_t pub = -1;              // publisher index, or -1 for a subscriber
    uint8_t head[kPayloadHeadMax] = {};  // first bytes of the message being received
    std::vector<uint8_t> whole;    // all of it, when it is checked or compressed
    uint64_t* next_seq = nullptr;  // per publisher: the sequence number expected next
    uint32_t received = 0;         // messages, saturating at kCheckedMessages
    DeflateAnswer deflate;         // permessage-deflate as its 101 agreed
    OutQueue out;
};

struct Pub {
    uint32_t conn = 0;       // its index in conns_
    bool dead = false;       // its connection failed: its stream ends where it ends
    bool dirty = false;      // in dirty_: its window may have room
    uint64_t sent = 0;       // messages queued so far; the next sequence number
    uint64_t acked = 0;      // oldest message not yet at every live subscriber
    uint32_t* got = nullptr; // ring: subscribers holding message seq, at seq & (ring_ - 1)
    int64_t due = 0;         // with --rate: when the next message is due
};

enum class Phase { running, draining, closing };

// Protocol errors here: bad frame, header, length, type or content; a message never sent.
using Errors = ConnErrors;

class FanoutRun {
public:
    explicit FanoutRun(const Options& opts)
        : opts_(opts), payload_(opts.json, opts.size), inflater_(opts.size, opts.inflate_each) {}
    int run();

    // ServerFrames sink, for the connection being read (cur_).
    void on_data(const uint8_t* p, size_t n, uint64_t offset);
    void on_message(Opcode opcode, uint64_t length);
    void on_control(const wshub::ws::Event& e);
    bool stopped() const noexcept { return cur_failed_; }

private:
    std::vector<DialedConn> dial(uint32_t count, size_t targets, bool join, DialStats& stats);
    std::vector<DialedConn> dial_target(const Target& target, uint32_t count, DialStats& stats);
    bool setup(std::vector<DialedConn>& subs, std::vector<DialedConn>& pubs);
    bool add_conn(size_t index, int fd, int64_t pub);
    void loop();
    void on_readable(Conn& c);
    bool unwrap_sio(Conn& c, Opcode opcode, uint64_t& length);
    void feed(Conn& c, uint8_t* p, size_t n);
    std::string read_message(Conn& c, Opcode opcode, uint64_t length, MsgHeader& m);
    void deliver(Conn& c, const MsgHeader& m, bool compressed);
    void credit(Pub& p, uint64_t seq);
    void advance(Pub& p);
    void pump(int64_t now);
    void fill(Pub& p, int64_t now);
    void append_message(Pub& p, Conn& c, int64_t now);
    void flush(Conn& c);
    void queue_control(Conn& c, Opcode op, const uint8_t* payload, size_t n);
    void start_closing(Conn& c);
    bool drained() const;
    void count_missing();
    void fail(Conn& c, uint64_t Errors::*kind, const std::string& why);
    void note(const std::string& why);
    void drop(Conn& c);
    void tick(int64_t now);
    void add_deflate_fields(std::vector<Field>& f) const;
    int report();

    const Options& opts_;
    wshub::ws::MaskSource masks_;  // masking keys, and the handshakes' keys
    int epfd_ = -1;
    Opcode opcode_ = Opcode::text;
    size_t frame_len_ = 0;
    int64_t interval_ns_ = 0;  // with --rate
    uint64_t ring_ = 1;        // slots of each publisher's window ring: a power of two, at least inflight
    FanoutPayload payload_;
    MessageInflater inflater_;      // with --deflate
    std::optional<SioPublisher> sio_pub_;  // with --protocol socketio
    std::string sio_payload_;       // the payload of the Socket.IO event being read
    std::vector<Conn> conns_;       // subscribers first, then publishers
    std::vector<Pub> pubs_;
    std::vector<uint64_t> seq_arena_;
    std::vector<uint32_t> got_arena_;
    std::vector<uint32_t> dirty_;   // publishers whose window moved since the last pump
    std::unique_ptr<uint8_t[]> rbuf_;
    size_t alive_ = 0;
    uint32_t subs_opened_ = 0;
    uint32_t alive_subs_ = 0;
    DialStats sub_dial_, pub_dial_;
    double sub_dial_s_ = 0, pub_dial_s_ = 0;

    // Warm-up until warm_end, measuring until end, then draining, then closing.
    Phase phase_ = Phase::running;
    RunWindow window_;
    int64_t deadline_ = 0;
    int64_t next_due_ = kNever;  // earliest due time of a publisher with room in its window
    int64_t next_drain_check_ = 0;
    Conn* cur_ = nullptr;
    bool cur_failed_ = false;
    int64_t now_ = 0;

    uint64_t published_total_ = 0, published_measured_ = 0;
    uint64_t deliveries_total_ = 0, deliveries_measured_ = 0;
    uint64_t reads_measured_ = 0;  // reads that returned data, by receive time as deliveries
    uint64_t wire_bytes_measured_ = 0;   // read by subscribers, by receive time too: frames as sent
    uint64_t compressed_measured_ = 0;   // deliveries that came compressed
    uint64_t loss_ = 0, out_of_order_ = 0, late_ = 0;
    Histogram latency_;
    Errors errors_;
    CpuWindow cpu_;

    bool progress_ = false;
    uint64_t deliveries_at_tick_ = 0, published_at_tick_ = 0;
};

// "subscriber 3" or "publisher 0", for error notes.
std::string conn_name(const Conn& c, uint32_t subscribers);

}  // namespace wsbench::fanout
