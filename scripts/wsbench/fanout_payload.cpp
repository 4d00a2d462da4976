#include "fanout_payload.h"

#include <cstring>

#include "chat_json.h"
#include "options.h"

namespace wsbench {

static_assert(kFanoutHeader <= kPayloadHeadMax && kChatHeadMax <= kPayloadHeadMax);

namespace {

// The padding form's header: three 8-byte words of 7-bit groups, so every
// byte is below 0x80 and a text message stays valid UTF-8 (the padding is
// lower-case letters; the decoder checks text). The same process writes and
// reads them, so host byte order is fine.
//   word 0   sequence number (56 bits)
//   word 1   send time, CLOCK_MONOTONIC nanoseconds modulo 2^56 (56 bits)
//   word 2   bytes [0, 4): publisher index (28 bits); [4, 7): "wsF";
//            [7]: the sum of the 23 bytes before it, modulo 128
constexpr uint64_t kHighBits = 0x8080808080808080u;

// 56 bits to eight 7-bit groups, one a byte, lowest first; and back.
constexpr uint64_t spread7(uint64_t v) noexcept {
    uint64_t x = (v & 0x0FFFFFFFu) | ((v << 4) & 0x0FFFFFFF00000000u);
    x = (x & 0x00003FFF00003FFFu) | ((x << 2) & 0x3FFF00003FFF0000u);
    return (x & 0x007F007F007F007Fu) | ((x << 1) & 0x7F007F007F007F00u);
}
constexpr uint64_t pack7(uint64_t x) noexcept {
    x = (x & 0x007F007F007F007Fu) | ((x & 0x7F007F007F007F00u) >> 1);
    x = (x & 0x00003FFF00003FFFu) | ((x & 0x3FFF00003FFF0000u) >> 2);
    return (x & 0x0FFFFFFFu) | ((x & 0x0FFFFFFF00000000u) >> 4);
}
static_assert(pack7(spread7(0x00ABCDEF01234567u)) == 0x00ABCDEF01234567u);
static_assert((spread7(kLow56) & kHighBits) == 0);

// The sum of a word's bytes (each below 0x80).
constexpr uint64_t byte_sum(uint64_t w) noexcept {
    uint64_t s = (w & 0x00FF00FF00FF00FFu) + ((w >> 8) & 0x00FF00FF00FF00FFu);
    return (s * 0x0001000100010001u) >> 48;
}

uint64_t magic_word() noexcept {
    uint64_t w = 0;
    const uint8_t magic[3] = {'w', 's', 'F'};
    std::memcpy(reinterpret_cast<uint8_t*>(&w) + 4, magic, 3);
    return w;
}
const uint64_t kMagic = magic_word();  // bytes 4..6 of word 2
const uint64_t kMagicMask = [] {        // bytes 4..6
    uint64_t m = 0;
    std::memset(reinterpret_cast<uint8_t*>(&m) + 4, 0xFF, 3);
    return m;
}();
const uint64_t kLowFour = [] {  // bytes 0..3
    uint64_t m = 0;
    std::memset(&m, 0xFF, 4);
    return m;
}();
const uint64_t kLastByte = [] {  // byte 7
    uint64_t m = 0;
    std::memset(reinterpret_cast<uint8_t*>(&m) + 7, 0xFF, 1);
    return m;
}();

void encode_header(uint8_t* h, const MsgHeader& m) noexcept {
    uint64_t w[3];
    w[0] = spread7(m.seq & kLow56);
    w[1] = spread7(m.sent_ns & kLow56);
    w[2] = (spread7(m.pub & 0x0FFFFFFFu) & kLowFour) | kMagic;
    uint8_t check = uint8_t((byte_sum(w[0]) + byte_sum(w[1]) + byte_sum(w[2])) & 0x7F);
    std::memcpy(h, w, 24);
    h[23] = check;
}

bool decode_header(const uint8_t* h, MsgHeader& m) noexcept {
    uint64_t w[3];
    std::memcpy(w, h, 24);
    if ((w[0] | w[1] | w[2]) & kHighBits) return false;
    if ((w[2] & kMagicMask) != kMagic) return false;
    if (((byte_sum(w[0]) + byte_sum(w[1]) + byte_sum(w[2] & ~kLastByte)) & 0x7F) != h[23]) return false;
    m.seq = pack7(w[0]);
    m.sent_ns = pack7(w[1]);
    m.pub = uint32_t(pack7(w[2] & kLowFour));
    return true;
}

uint8_t padding_byte(uint64_t offset) noexcept { return uint8_t('a' + offset % 26); }

}  // namespace

FanoutPayload::FanoutPayload(bool json, size_t size)
    : json_(json), size_(size), head_size_(json ? (size < kChatHeadMax ? size : kChatHeadMax) : kFanoutHeader),
      message_(size), expected_(size) {
    if (json_) return;
    for (size_t i = 0; i < size; ++i) message_[i] = expected_[i] = padding_byte(i);
}

const uint8_t* FanoutPayload::write(const MsgHeader& m) {
    if (json_)
        write_chat(reinterpret_cast<char*>(message_.data()), size_, {m.seq, m.pub, m.sent_ns & kLow56});
    else
        encode_header(message_.data(), m);
    return message_.data();
}

bool FanoutPayload::read_header(const uint8_t* head, MsgHeader& m) const noexcept {
    if (!json_) return decode_header(head, m);
    ChatHead h;
    if (!read_chat_head(reinterpret_cast<const char*>(head), head_size_, h) || h.ts > kLow56) return false;
    m = {h.pub, h.seq, h.ts};
    return true;
}

size_t FanoutPayload::first_difference(const uint8_t* msg, const MsgHeader& m) {
    if (json_)
        write_chat(reinterpret_cast<char*>(expected_.data()), size_, {m.seq, m.pub, m.sent_ns & kLow56});
    else
        encode_header(expected_.data(), m);
    size_t i = 0;
    while (i < size_ && msg[i] == expected_[i]) ++i;
    return i;
}

}  // namespace wsbench
