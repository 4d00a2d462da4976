#include "message_inflater.h"

#include <cstring>

namespace wsbench {

using wshub::deflate::InflateOptions;
using wshub::deflate::InflateResult;
using wshub::deflate::Inflater;

namespace {

// Sets of ways, the oldest way of a set taken for a new message. A fanout
// run has about publishers x inflight messages in flight, each received by
// every subscriber in turn: two of them sharing one place would evict each
// other at every subscriber (each inflating both), so a set holds several.
constexpr size_t kSets = 256;
constexpr size_t kWays = 8;

// Where a message's compressed bytes are looked for: a hash of their length
// and of their first and last bytes (up to 32 and 8), which is all it takes
// to tell apart the few messages in flight; a full comparison confirms a hit.
// Hashing every byte cost the generator as much as comparing them.
uint64_t slot_hash(const uint8_t* p, size_t n, uint8_t window_bits) noexcept {
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t(n) << 8 | window_bits);
    auto mix_in = [&h](const uint8_t* q, size_t k) {
        uint64_t w = 0;
        std::memcpy(&w, q, k);
        h = (h ^ w) * 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    };
    const size_t head = n < 32 ? n : 32;
    for (size_t i = 0; i < head; i += 8) mix_in(p + i, head - i < 8 ? head - i : 8);
    if (n > 40) mix_in(p + n - 8, 8);
    return h ^ (h >> 29);
}

}  // namespace

struct MessageInflater::Slot {
    bool used = false;
    uint64_t stamp = 0;  // when it was filled: the oldest of a set goes first
    uint64_t hash = 0;
    uint8_t window_bits = 0;
    std::vector<uint8_t> compressed;
    std::vector<uint8_t> inflated;
};

MessageInflater::MessageInflater(uint64_t max_message, bool every_copy)
    : max_message_(max_message), every_copy_(every_copy), out_(max_message + 1) {
    if (!every_copy_) slots_.resize(kSets * kWays);
}

MessageInflater::~MessageInflater() = default;

std::unique_ptr<Inflater>& MessageInflater::inflater_for(uint32_t conn, const DeflateAnswer& agreed) {
    InflateOptions o;
    o.window_bits = agreed.server_window_bits;
    o.context_takeover = !agreed.server_no_context_takeover;
    o.max_message = max_message_;
    std::unique_ptr<Inflater>* slot = &alone_[agreed.server_window_bits & 15];
    if (o.context_takeover) {
        if (per_conn_.size() <= conn) per_conn_.resize(size_t(conn) + 1);
        slot = &per_conn_[conn];
    }
    if (!*slot) *slot = std::make_unique<Inflater>(o);
    return *slot;
}

MessageInflater::Result MessageInflater::run(std::unique_ptr<Inflater>& inf, const uint8_t* z, size_t n) {
    ++inflated_;
    Result r;
    const InflateResult ir = inf->inflate(z, n, out_.data(), out_.size(), true);
    if (ir.status == InflateResult::Status::error)
        r.error = "does not inflate: " + std::string(wshub::deflate::describe(ir.error));
    else if (ir.status != InflateResult::Status::message_end)
        r.error = "does not inflate: it goes on past its last frame";
    if (!r.error.empty()) inf.reset();
    r.data = out_.data();
    r.size = ir.produced;
    r.fresh = true;
    return r;
}

MessageInflater::Result MessageInflater::inflate(uint32_t conn, const DeflateAnswer& agreed, const uint8_t* z,
                                                 size_t n) {
    std::unique_ptr<Inflater>& inf = inflater_for(conn, agreed);
    if (every_copy_ || !agreed.server_no_context_takeover) return run(inf, z, n);
    const uint64_t h = slot_hash(z, n, agreed.server_window_bits);
    Slot* const set = &slots_[(h % kSets) * kWays];
    Slot* oldest = set;
    for (Slot* s = set; s < set + kWays; ++s) {
        if (s->used && s->hash == h && s->window_bits == agreed.server_window_bits && s->compressed.size() == n &&
            std::memcmp(s->compressed.data(), z, n) == 0) {
            ++reused_;
            Result r;
            r.data = s->inflated.data();
            r.size = s->inflated.size();
            return r;
        }
        if (!s->used || (oldest->used && s->stamp < oldest->stamp)) oldest = s;
    }
    Result r = run(inf, z, n);
    if (!r.error.empty()) return r;
    Slot& s = *oldest;
    s.used = true;
    s.stamp = inflated_;
    s.hash = h;
    s.window_bits = agreed.server_window_bits;
    s.compressed.assign(z, z + n);
    s.inflated.assign(r.data, r.data + r.size);
    return r;
}

}  // namespace wsbench
