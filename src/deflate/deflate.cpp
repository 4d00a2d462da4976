// The Deflater's public side: its heap block, a message's passes (in place
// without context takeover, through the window with it), blocks and the sync
// flush that ends every message.
#include "deflate/deflate.h"

#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <utility>

#include "deflate/deflate_state.h"

namespace wshub::deflate {
namespace {

// Levels 1..9 (index 0 unused).
constexpr LevelConfig kLevels[] = {
    {0, 0, 0, 0, false},
    {0, 4, 16, 2, false},
    {0, 6, 32, 6, false},
    {0, 8, 64, 16, false},
    {4, 4, 16, 16, true},
    {8, 16, 32, 32, true},
    {8, 16, 128, 128, true},
    {8, 32, 128, 256, true},
    {32, 128, 258, 1024, true},
    {32, 258, 258, 4096, true},
};

// Without context takeover a message is matched in place, in passes of at
// most this many bytes, so that positions fit 32 bits.
constexpr size_t kMaxPass = size_t(1) << 30;

unsigned clamp(unsigned v, unsigned lo, unsigned hi) noexcept { return v < lo ? lo : v > hi ? hi : v; }

struct Layout {
    unsigned hash_bits;
    size_t window_size;
    size_t head, prev, symbols, window, total;  // byte offsets in the block, and its size
};

// state_size: sizeof(Deflater::State), which only the Deflater may name.
Layout layout(const DeflateOptions& o, size_t state_size) noexcept {
    Layout l;
    const unsigned bits = clamp(o.window_bits, 8, 15);
    // Half as many hash heads as window bytes: 64 KiB less at 2^15, and on
    // the JSON benchmark no ratio lost at level 6 (0.02% at level 1).
    l.hash_bits = bits > 9 ? bits - 1 : bits;
    l.window_size = size_t(1) << bits;
    l.head = (state_size + 63) & ~size_t(63);
    l.prev = l.head + (sizeof(uint32_t) << l.hash_bits);
    l.symbols = l.prev + sizeof(uint16_t) * l.window_size;
    l.window = l.symbols + sizeof(uint32_t) * kBlockSymbols;
    l.total = l.window + (o.context_takeover ? 2 * l.window_size : 0);
    return l;
}

}  // namespace

Deflater::Deflater(const DeflateOptions& options) noexcept : options_(options) {
    options_.level = clamp(options_.level, 1, 9);
    options_.window_bits = clamp(options_.window_bits, 8, 15);
}

Deflater::~Deflater() { release(); }

Deflater::Deflater(Deflater&& other) noexcept
    : options_(other.options_), state_(std::exchange(other.state_, nullptr)) {}

Deflater& Deflater::operator=(Deflater&& other) noexcept {
    if (this != &other) {
        release();
        options_ = other.options_;
        state_ = std::exchange(other.state_, nullptr);
    }
    return *this;
}

void Deflater::release() noexcept {
    if (!state_) return;
    state_->~State();
    std::free(state_);
    state_ = nullptr;
}

void Deflater::shrink() noexcept {
    if (!options_.context_takeover) release();
}

size_t Deflater::heap_bytes_for(const DeflateOptions& options) noexcept {
    DeflateOptions o = options;
    o.window_bits = clamp(o.window_bits, 8, 15);
    return layout(o, sizeof(State)).total;
}

size_t Deflater::heap_bytes() const noexcept { return state_ ? heap_bytes_for(options_) : 0; }

size_t Deflater::bound(size_t len) const noexcept {
    // Blocks end when kBlockSymbols symbols (as many bytes or more) are in,
    // at the end of each pass, and with context takeover at least every
    // window_size bytes (two passes more when the window is nearly full).
    const size_t window = size_t(1) << options_.window_bits;
    const size_t shortest = options_.context_takeover && window < kBlockSymbols ? window : kBlockSymbols;
    const size_t blocks = len / shortest + len / kMaxPass + 3;
    return len + blocks * block_bound(0) + 5 * (len / kMaxStored) + 1;
}

bool Deflater::allocate() noexcept {
    const Layout l = layout(options_, sizeof(State));
    auto* block = static_cast<uint8_t*>(std::malloc(l.total));
    if (!block) return false;
    State* s = new (block) State;
    s->level = kLevels[options_.level];
    s->hash_bits = l.hash_bits;
    s->window_size = uint32_t(l.window_size);
    s->window_mask = uint32_t(l.window_size - 1);
    s->head = reinterpret_cast<uint32_t*>(block + l.head);
    s->prev = reinterpret_cast<uint16_t*>(block + l.prev);
    s->symbols = reinterpret_cast<uint32_t*>(block + l.symbols);
    s->window = options_.context_takeover ? block + l.window : nullptr;
    std::memset(s->head, 0, sizeof(uint32_t) << l.hash_bits);
    state_ = s;
    return true;
}

bool Deflater::compress(const uint8_t* data, size_t len, Buffer& out) noexcept {
    if (!state_ && !allocate()) return false;
    BitWriter writer(out);
    if (!writer.reserve(bound(len))) return false;
    if (options_.context_takeover) {
        state_->compress_with_history(data, len, writer);
    } else {
        state_->compress_alone(data, len, writer);
    }
    // The sync flush: an empty stored block, of which only the header (3 zero
    // bits) and its padding are written; its LEN and NLEN are the 00 00 ff ff
    // that RFC 7692 removes.
    writer.put(kStoredBlock << 1, 3);
    writer.align();
    writer.finish();
    return true;
}

void Deflater::State::flush_block(Pass& p) noexcept {
    if (count == 0) return;
    const BlockInput block{symbols, count, litlen_freq, dist_freq, p.buf + p.block_start, block_raw};
    write_block(block, *p.out);
    p.block_start += block_raw;
    count = 0;
    block_raw = 0;
    std::memset(litlen_freq, 0, sizeof litlen_freq);
    std::memset(dist_freq, 0, sizeof dist_freq);
}

void Deflater::State::compress_alone(const uint8_t* data, size_t len, BitWriter& out) noexcept {
    size_t done = 0;
    do {
        const size_t n = len - done < kMaxPass ? len - done : kMaxPass;
        if (next_pos > kPositionLimit - n) {
            // Every entry is older than any position from here on.
            std::memset(head, 0, sizeof(uint32_t) << hash_bits);
            next_pos = 1;
        }
        Pass p{data + done, next_pos, 0, n, next_pos, &out, 0};
        parse(p);
        flush_block(p);
        next_pos += uint32_t(n);
        done += n;
    } while (done < len);
}

void Deflater::State::compress_with_history(const uint8_t* data, size_t len, BitWriter& out) noexcept {
    size_t done = 0;
    while (done < len) {
        if (window_len > window_size) {
            // Keep the last window_size bytes: all a match may reach.
            const uint32_t drop = window_len - window_size;
            std::memmove(window, window + drop, window_size);
            window_base += drop;
            window_len = window_size;
        }
        const size_t space = 2 * size_t(window_size) - window_len;
        const size_t n = len - done < space ? len - done : space;
        if (window_base > kPositionLimit - 2 * window_size) move_positions_down();
        std::memcpy(window + window_len, data + done, n);
        Pass p{window, window_base, window_len, window_len + n, window_base, &out, window_len};
        parse(p);
        flush_block(p);
        window_len += uint32_t(n);
        done += n;
    }
}

// Renumbers positions so that the window starts at 1 again (once every few
// GiB of a connection's messages). prev holds distances: unchanged.
void Deflater::State::move_positions_down() noexcept {
    const uint32_t delta = window_base - 1;
    for (size_t h = 0; h < (size_t(1) << hash_bits); ++h) head[h] = head[h] > delta ? head[h] - delta : 0;
    window_base = 1;
}

}  // namespace wshub::deflate
