// Incremental UTF-8 validation as a small DFA over Unicode Table 3-7.
//
// Every byte falls into one of 12 classes; the state says which byte ranges may
// come next. The restricted second-byte ranges (after E0, ED, F0, F4) are their
// own states, so overlongs, surrogates and code points above U+10FFFF fail at
// the first byte that rules them out, never later. ASCII runs are skipped eight
// bytes at a time while the state is at a boundary.
#include "ws/utf8.h"

#include <array>
#include <cstring>

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

}  // namespace

bool Utf8Validator::feed(const uint8_t* data, size_t len) noexcept {
    uint8_t s = state_;
    if (s == kInvalid) return false;
    size_t i = 0;
    while (i < len) {
        if (s == kAccept) {
            // At a boundary: skip ASCII, a word at a time, then byte by byte.
            while (len - i >= 8) {
                uint64_t w;
                std::memcpy(&w, data + i, 8);
                if (w & kHighBits) break;
                i += 8;
            }
            while (i < len && data[i] < 0x80) ++i;
            if (i == len) break;
        }
        s = kNext[s][kClass[data[i]]];
        ++i;
        if (s == kInvalid) {
            state_ = kInvalid;
            return false;
        }
    }
    state_ = s;
    return true;
}

bool utf8_valid(const uint8_t* data, size_t len) noexcept {
    Utf8Validator v;
    return v.feed(data, len) && v.complete();
}

}  // namespace wshub::ws
