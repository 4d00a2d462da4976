#include "message_inflater.h"

#include <cstring>

namespace wsbench {

using wshub::deflate::InflateOptions;
using wshub::deflate::InflateResult;
using wshub::deflate::Inflater;

namespace {

// Direct-mapped: a fanout run has at most publishers x inflight messages in
// flight, so a miss by collision only costs one more inflation.
constexpr size_t kSlots = 1024;

// A 64-bit hash of the compressed bytes, 8 at a time.
uint64_t hash_bytes(const uint8_t* p, size_t n, uint8_t window_bits) noexcept {
    uint64_t h = 0x9E3779B97F4A7C15u ^ (uint64_t(n) << 8 | window_bits);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9u;
        h ^= h >> 31;
    }
    for (; i < n; ++i) h = (h ^ p[i]) * 0x94D049BB133111EBu;
    return h ^ (h >> 29);
}

}  // namespace

struct MessageInflater::Slot {
    bool used = false;
    uint64_t hash = 0;
    uint8_t window_bits = 0;
    std::vector<uint8_t> compressed;
    std::vector<uint8_t> inflated;
};

MessageInflater::MessageInflater(uint64_t max_message, bool every_copy)
    : max_message_(max_message), every_copy_(every_copy), out_(max_message + 1) {
    if (!every_copy_) slots_.resize(kSlots);
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
    const uint64_t h = hash_bytes(z, n, agreed.server_window_bits);
    Slot& s = slots_[h % kSlots];
    if (s.used && s.hash == h && s.window_bits == agreed.server_window_bits && s.compressed.size() == n &&
        std::memcmp(s.compressed.data(), z, n) == 0) {
        ++reused_;
        Result r;
        r.data = s.inflated.data();
        r.size = s.inflated.size();
        return r;
    }
    Result r = run(inf, z, n);
    if (!r.error.empty()) return r;
    s.used = true;
    s.hash = h;
    s.window_bits = agreed.server_window_bits;
    s.compressed.assign(z, z + n);
    s.inflated.assign(r.data, r.data + r.size);
    return r;
}

}  // namespace wsbench
