// Incremental UTF-8 validation as a small DFA over Unicode Table 3-7.
//
// Every byte falls into one of 12 classes; the state says which byte ranges may
// come next. The restricted second-byte ranges (after E0, ED, F0, F4) are their
// own states, so overlongs, surrogates and code points above U+10FFFF fail at
// the first byte that rules them out, never later. At a boundary, a run of
// ASCII is skipped in blocks by ascii_prefix: most text a server sees is
// mostly ASCII (JSON, chat), and the table costs several instructions a byte.
#include "ws/utf8.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace wshub::ws {
namespace {

// States. kAccept must be 0 (complete() tests state_ == 0).
enum : uint8_t {
    kAccept = 0,
    kNeed1 = 1,    // one more 80..BF
    kNeed2 = 2,    // two more 80..BF
    kNeed3 = 3,    // three more 80..BF
    kAfterE0 = 4,  // A0..BF, then one more (no overlong 3-byte forms)
    kAfterED = 5,  // 80..9F, then one more (no surrogates D800..DFFF)
    kAfterF0 = 6,  // 90..BF, then two more (no overlong 4-byte forms)
    kAfterF4 = 7,  // 80..8F, then two more (nothing above U+10FFFF)
    kInvalid = 8,
    kStates = 9,
};

// Byte classes.
enum : uint8_t {
    cAscii,   // 00..7F
    c80_8F,   // continuation, low
    c90_9F,   // continuation, middle
    cA0_BF,   // continuation, high
    cBad,     // C0, C1, F5..FF: never valid anywhere
    cLead2,   // C2..DF
    cE0,      // E0
    cLead3,   // E1..EC, EE, EF
    cED,      // ED
    cF0,      // F0
    cLead4,   // F1..F3
    cF4,      // F4
    kClasses,
};

constexpr std::array<uint8_t, 256> make_classes() {
    std::array<uint8_t, 256> t{};
    for (int b = 0; b < 256; ++b) {
        uint8_t c = cBad;
        if (b <= 0x7F) c = cAscii;
        else if (b <= 0x8F) c = c80_8F;
        else if (b <= 0x9F) c = c90_9F;
        else if (b <= 0xBF) c = cA0_BF;
        else if (b <= 0xC1) c = cBad;
        else if (b <= 0xDF) c = cLead2;
        else if (b == 0xE0) c = cE0;
        else if (b == 0xED) c = cED;
        else if (b <= 0xEF) c = cLead3;
        else if (b == 0xF0) c = cF0;
        else if (b <= 0xF3) c = cLead4;
        else if (b == 0xF4) c = cF4;
        t[static_cast<size_t>(b)] = c;
    }
    return t;
}

constexpr std::array<uint8_t, 256> kClass = make_classes();

constexpr uint8_t X = kInvalid;
// kNext[state][class]
constexpr uint8_t kNext[kStates][kClasses] = {
    //           asc  80-8F 90-9F A0-BF bad  C2-DF E0       E1-EF   ED       F0       F1-F3   F4
    /* accept */ {kAccept, X, X, X, X, kNeed1, kAfterE0, kNeed2, kAfterED, kAfterF0, kNeed3, kAfterF4},
    /* need1  */ {X, kAccept, kAccept, kAccept, X, X, X, X, X, X, X, X},
    /* need2  */ {X, kNeed1, kNeed1, kNeed1, X, X, X, X, X, X, X, X},
    /* need3  */ {X, kNeed2, kNeed2, kNeed2, X, X, X, X, X, X, X, X},
    /* E0     */ {X, X, X, kNeed1, X, X, X, X, X, X, X, X},
    /* ED     */ {X, kNeed1, kNeed1, X, X, X, X, X, X, X, X, X},
    /* F0     */ {X, X, kNeed2, kNeed2, X, X, X, X, X, X, X, X},
    /* F4     */ {X, kNeed2, X, X, X, X, X, X, X, X, X, X},
    /* inval  */ {X, X, X, X, X, X, X, X, X, X, X, X},
};

constexpr uint64_t kHighBits = 0x8080808080808080ull;

uint64_t load_word(const uint8_t* p) noexcept {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

// Which of the 8 bytes a word was loaded from comes first among those whose
// high bit is set, given high = that word & kHighBits (not 0).
size_t first_high_byte(uint64_t high) noexcept {
    if constexpr (std::endian::native == std::endian::little)
        return static_cast<size_t>(std::countr_zero(high)) / 8;
    else
        return static_cast<size_t>(std::countl_zero(high)) / 8;
}

#if defined(__SSE2__)
__m128i load16(const uint8_t* p) noexcept { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// Bit k set when byte k of p[0, 16) has its high bit set.
unsigned high_bytes16(const uint8_t* p) noexcept {
    return static_cast<unsigned>(_mm_movemask_epi8(load16(p)));
}

size_t first_high(unsigned mask) noexcept { return static_cast<size_t>(std::countr_zero(mask)); }
#endif

// What ascii_prefix_words returns (utf8.h).
inline size_t scan_words(const uint8_t* p, size_t n) noexcept {
    if (n < 8) {
        size_t i = 0;
        while (i < n && p[i] < 0x80) ++i;
        return i;
    }
    // One word first: the short runs between the letters of accented text end here.
    if (const uint64_t high = load_word(p) & kHighBits) return first_high_byte(high);
    size_t i = 8;
    // Long runs: four words OR-ed, one test per 32 bytes; the word loop below
    // finds the byte once a block has one.
    while (n - i >= 32) {
        if ((load_word(p + i) | load_word(p + i + 8) | load_word(p + i + 16) | load_word(p + i + 24)) & kHighBits)
            break;
        i += 32;
    }
    while (n - i >= 8) {
        if (const uint64_t high = load_word(p + i) & kHighBits) return i + first_high_byte(high);
        i += 8;
    }
    if (i == n) return n;
    // The last 8 bytes, overlapping some already seen: those are ASCII, so
    // any high bit found belongs to a byte at i or after.
    const uint64_t high = load_word(p + n - 8) & kHighBits;
    return high ? n - 8 + first_high_byte(high) : n;
}

#if defined(__SSE2__)
// ascii_prefix with 16-byte chunks (SSE2 is part of x86-64): one chunk
// first, then 64 bytes per test, then the chunk that has the byte, and the
// last 16 bytes overlapping, as in scan_words.
inline size_t scan(const uint8_t* p, size_t n) noexcept {
    if (n < 16) return scan_words(p, n);
    if (const unsigned high = high_bytes16(p)) return first_high(high);
    size_t i = 16;
    while (n - i >= 64) {
        const __m128i any = _mm_or_si128(_mm_or_si128(load16(p + i), load16(p + i + 16)),
                                         _mm_or_si128(load16(p + i + 32), load16(p + i + 48)));
        if (_mm_movemask_epi8(any) != 0) break;
        i += 64;
    }
    while (n - i >= 16) {
        if (const unsigned high = high_bytes16(p + i)) return i + first_high(high);
        i += 16;
    }
    if (i == n) return n;
    const unsigned high = high_bytes16(p + n - 16);
    return high ? n - 16 + first_high(high) : n;
}
#else
inline size_t scan(const uint8_t* p, size_t n) noexcept { return scan_words(p, n); }
#endif

// The table's walk over data[i, len) from state s, skipping each ASCII run
// met at a boundary. Returns the state after it, kInvalid as soon as a byte
// rules the text out.
uint8_t walk(uint8_t s, const uint8_t* data, size_t i, size_t len) noexcept {
    while (i < len) {
        // At a boundary an ASCII byte starts a run: skip all of it. (A byte
        // above 7F goes straight to the table, so text that is mostly
        // multi-byte pays one comparison per character for the ASCII path.)
        if (s == kAccept && data[i] < 0x80) {
            i += scan(data + i, len - i);
            if (i == len) break;
        }
        s = kNext[s][kClass[data[i]]];
        ++i;
        if (s == kInvalid) break;
    }
    return s;
}

}  // namespace

bool Utf8Validator::feed(const uint8_t* data, size_t len) noexcept {
    // Most pieces are ASCII from a boundary on: one scan, no table.
    size_t i = 0;
    if (state_ == kAccept) {
        i = scan(data, len);
        if (i == len) return true;
    }
    state_ = walk(state_, data, i, len);
    return state_ != kInvalid;
}

size_t ascii_prefix(const uint8_t* p, size_t n) noexcept { return scan(p, n); }

size_t ascii_prefix_words(const uint8_t* p, size_t n) noexcept { return scan_words(p, n); }

bool utf8_valid(const uint8_t* data, size_t len) noexcept {
    Utf8Validator v;
    return v.feed(data, len) && v.complete();
}

}  // namespace wshub::ws
