// RFC 6455 section 5 framing (decoding either side's frames, masking) and the
// section 7.4 close codes. The writers are in frame_write.cpp.
//
// Decoder life cycle: phase kHeader collects the 2..14 header bytes into hdr_
// (they may arrive one at a time); the first two are validated as soon as they
// are in, the length rules once the whole header is. Phase kPayload reads the
// frame's payload: if it is all in the caller's buffer and needs no reassembly
// it is unmasked there and returned as a view (no copy); otherwise it is appended
// to buf_ and unmasked there, or, streaming, unmasked in the caller's buffer and
// returned from there as a piece. A control frame that arrives split is staged at
// the end of buf_, after the data message in progress. When an event returns a
// view into buf_, phase kAfterMessage / kAfterControl remembers to drop those
// bytes at the start of the next feed() (the view must stay valid until then).
#include "ws/frame.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace wshub::ws {
namespace {

enum : uint8_t { kHeader, kPayload, kAfterMessage, kAfterControl };

// Errors: Decoder::error_ holds an index into kErrors (0 = none).
enum : uint8_t {
    eNone,
    eRsv,
    eOpcode,
    eUnmasked,
    eMasked,
    eControlFragmented,
    eControlTooLong,
    eNoMessage,
    eNotContinuation,
    eLength64,
    eTooBig,
    eText,
    eCloseLength,
    eCloseCode,
    eCloseReason,
    eNoMemory,
};

struct ErrorInfo {
    uint16_t code;
    const char* reason;
};

constexpr ErrorInfo kErrors[] = {
    {0, ""},
    {close_code::protocol_error, "reserved bits set"},
    {close_code::protocol_error, "reserved opcode"},
    {close_code::protocol_error, "client frame not masked"},
    {close_code::protocol_error, "server frame masked"},
    {close_code::protocol_error, "fragmented control frame"},
    {close_code::protocol_error, "control frame over 125 bytes"},
    {close_code::protocol_error, "continuation frame without a message"},
    {close_code::protocol_error, "new message inside a fragmented one"},
    {close_code::protocol_error, "64-bit length with the top bit set"},
    {close_code::too_big, "message too big"},
    {close_code::invalid_payload, "text is not valid UTF-8"},
    {close_code::protocol_error, "close payload of 1 byte"},
    {close_code::protocol_error, "close code not allowed"},
    {close_code::invalid_payload, "close reason is not valid UTF-8"},
    {close_code::internal_error, "out of memory"},
};

constexpr uint8_t kFinBit = 0x80;
constexpr uint8_t kRsvBits = 0x70;
constexpr uint8_t kRsv1 = 0x40;  // permessage-deflate's "compressed" (RFC 7692 section 6)
constexpr uint8_t kOpBits = 0x0F;
constexpr uint8_t kMaskBit = 0x80;
constexpr uint8_t kLenBits = 0x7F;
constexpr uint8_t kText = static_cast<uint8_t>(Opcode::text);

bool is_control(uint8_t op) noexcept { return (op & 0x8) != 0; }

// Header size implied by the second byte (mask key included when MASK is set).
size_t header_size(uint8_t b1) noexcept {
    const uint8_t len7 = b1 & kLenBits;
    return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((b1 & kMaskBit) ? 4 : 0);
}

uint64_t payload_length(const uint8_t* h) noexcept {
    const uint8_t len7 = h[1] & kLenBits;
    if (len7 < 126) return len7;
    if (len7 == 126) return uint64_t{h[2]} << 8 | h[3];
    uint64_t v = 0;
    for (int i = 2; i < 10; ++i) v = v << 8 | h[i];
    return v;
}

// dst[0, n) = src[0, n) XOR the 4-byte key (mask's bytes in memory order),
// src[0] with key byte `off & 3`. Works a word at a time through memcpy (no
// aliasing or alignment assumptions; dst == src is fine). The one masking
// loop: mask_copy for writers, unmask for the decoder. Always inlined into
// those two, so the compiler sees unmask's dst == src and keeps its loop
// reading and writing one pointer.
[[gnu::always_inline]] inline void xor_key(uint8_t* dst, const uint8_t* src, size_t n, uint32_t mask,
                                           size_t off) noexcept {
    // The key as it lines up with src[0]: rotated by `off` bytes, doubled to 8.
    uint8_t k[8];
    std::memcpy(k, &mask, 4);
    std::memcpy(k + 4, &mask, 4);
    uint32_t m32;
    std::memcpy(&m32, k + (off & 3), 4);
    const uint64_t m = uint64_t(m32) << 32 | m32;
    std::memcpy(k, &m, 8);
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        uint64_t w[4];
        std::memcpy(w, src + i, 32);
        w[0] ^= m;
        w[1] ^= m;
        w[2] ^= m;
        w[3] ^= m;
        std::memcpy(dst + i, w, 32);
    }
    for (; n - i >= 8; i += 8) {
        uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= m;
        std::memcpy(dst + i, &w, 8);
    }
    for (; i < n; ++i) dst[i] = src[i] ^ k[i & 7];
}

void unmask(uint8_t* p, size_t n, uint32_t mask, size_t off) noexcept { xor_key(p, p, n, mask, off); }

uint32_t load_key(const uint8_t* key) noexcept {
    uint32_t mask;
    std::memcpy(&mask, key, 4);
    return mask;
}

std::string_view view(const uint8_t* p, size_t n) noexcept {
    return {reinterpret_cast<const char*>(p), n};
}

}  // namespace

Decoder::~Decoder() { std::free(buf_); }

Decoder::Decoder(Decoder&& other) noexcept : max_message_(0), flags_(0) { *this = std::move(other); }

Decoder& Decoder::operator=(Decoder&& other) noexcept {
    if (this == &other) return *this;
    std::free(buf_);
    buf_ = other.buf_;
    buf_size_ = other.buf_size_;
    buf_cap_ = other.buf_cap_;
    other.buf_ = nullptr;
    other.buf_size_ = other.buf_cap_ = 0;
    max_message_ = other.max_message_;
    remaining_ = other.remaining_;
    msg_total_ = other.msg_total_;
    std::memcpy(hdr_, other.hdr_, sizeof hdr_);
    hdr_len_ = other.hdr_len_;
    phase_ = other.phase_;
    msg_op_ = other.msg_op_;
    error_ = other.error_;
    utf8_ = other.utf8_;
    flags_ = other.flags_;
    return *this;
}

void mask_copy(uint8_t* dst, const uint8_t* src, size_t n, uint32_t mask, size_t offset) noexcept {
    xor_key(dst, src, n, mask, offset);
}

// p[0, n) are the current frame's next payload bytes: unmasks them in place
// (nothing to do for an unmasked frame). The bytes read before them, whose
// count mod 4 picks the key byte for p[0], are the declared length minus
// remaining_; the length's low byte is all that takes.
void Decoder::unmask_next(uint8_t* p, size_t n) const noexcept {
    if (!masked()) return;
    const uint8_t len7 = hdr_[1] & kLenBits;
    const uint8_t low = len7 < 126 ? len7 : len7 == 126 ? hdr_[3] : hdr_[9];
    unmask(p, n, load_key(hdr_ + hdr_len_ - 4), (low - remaining_) & 3);
}

// Grows the buffer by doubling (from 256 bytes). max_message_ is at most
// kMaxDecodedMessage, so size + n never passes 32 bits; false on no memory.
bool Decoder::append(const uint8_t* p, size_t n) noexcept {
    const uint64_t need = uint64_t(buf_size_) + n;
    if (need > UINT32_MAX) return false;
    if (need > buf_cap_) {
        uint64_t cap = buf_cap_ ? buf_cap_ : 256;
        while (cap < need) cap *= 2;
        if (cap > UINT32_MAX) cap = UINT32_MAX;
        auto* grown = static_cast<uint8_t*>(std::realloc(buf_, size_t(cap)));
        if (!grown) return false;
        buf_ = grown;
        buf_cap_ = uint32_t(cap);
    }
    if (n != 0) std::memcpy(buf_ + buf_size_, p, n);
    buf_size_ = uint32_t(need);
    return true;
}

bool close_code_allowed_on_wire(uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

// Rules that the first two header bytes decide on their own.
uint8_t Decoder::check_first_bytes() const noexcept {
    const uint8_t b0 = hdr_[0], b1 = hdr_[1];
    const uint8_t op = b0 & kOpBits;
    // RSV1 only where permessage-deflate was negotiated, and only on a
    // message's first frame; no extension defines RSV2 or RSV3.
    if ((b0 & kRsvBits) != 0 && ((b0 & kRsvBits) != kRsv1 || !has(kCompressedOk) || op == 0 || is_control(op)))
        return eRsv;
    if ((op > 0x2 && op < 0x8) || op > 0xA) return eOpcode;
    if ((b1 ^ flags_) & kMaskBit) return has(kPeerMasks) ? eUnmasked : eMasked;
    if (is_control(op)) {
        if (!(b0 & kFinBit)) return eControlFragmented;
        if ((b1 & kLenBits) > 125) return eControlTooLong;
    } else if (op == 0) {
        if (msg_op_ == 0) return eNoMessage;
    } else if (msg_op_ != 0) {
        return eNotContinuation;
    }
    return eNone;
}

// The whole header is in hdr_: check the length and enter the payload phase.
// Inlined into take_header, its one caller, which every split frame passes.
[[gnu::always_inline]] inline uint8_t Decoder::begin_frame() noexcept {
    const uint64_t n = payload_length(hdr_);
    if (n >> 63) return eLength64;
    const uint8_t op = hdr_[0] & kOpBits;
    if (!is_control(op)) {
        // Decided from the header alone: nothing of an oversized frame is read.
        if (op != 0) msg_total_ = 0;
        if (n > max_message_ - msg_total_) return eTooBig;
        msg_total_ += uint32_t(n);
        if (op != 0) {
            msg_op_ = op;
            set(kMsgCompressed, (hdr_[0] & kRsv1) != 0);
            set(kPieceSent, false);
            if (op == kText) utf8_.reset();
        }
    }
    remaining_ = uint32_t(n);  // under max_message_ (data) or 126 (control)
    phase_ = kPayload;
    return eNone;
}

// Drops what the previous event's view pointed at in buf_.
void Decoder::cleanup() noexcept {
    if (phase_ == kAfterMessage) {
        buf_size_ = 0;  // keeps the capacity
    } else if (phase_ == kAfterControl) {
        buf_size_ -= hdr_[1] & kLenBits;
    } else {
        return;
    }
    phase_ = kHeader;
}

size_t Decoder::fail(uint8_t err, size_t consumed, Event& out) noexcept {
    error_ = err;
    out.kind = Event::Kind::error;
    out.code = kErrors[err].code;
    out.payload = {};
    out.reason = kErrors[err].reason;
    return consumed;
}

// A whole, unmasked control payload p[0, n): report it (close is validated).
size_t Decoder::control(const uint8_t* p, size_t n, size_t consumed, Event& out) noexcept {
    const auto op = static_cast<Opcode>(hdr_[0] & kOpBits);
    if (op != Opcode::close) {
        out.kind = op == Opcode::ping ? Event::Kind::ping : Event::Kind::pong;
        out.payload = view(p, n);
        return consumed;
    }
    if (n == 0) {
        out.kind = Event::Kind::close;
        out.code = close_code::no_status;
        return consumed;
    }
    if (n == 1) return fail(eCloseLength, consumed, out);
    const uint16_t code = static_cast<uint16_t>(p[0] << 8 | p[1]);
    if (!close_code_allowed_on_wire(code)) return fail(eCloseCode, consumed, out);
    if (!utf8_valid(p + 2, n - 2)) return fail(eCloseReason, consumed, out);
    out.kind = Event::Kind::close;
    out.code = code;
    out.reason = view(p + 2, n - 2);
    return consumed;
}

// The common case, decided from the raw bytes without staging the header:
// a whole unfragmented text or binary frame under 64 KiB, masked (kMasked,
// the server side) or not (the client side) as this side expects, with no
// message in progress. Returns the bytes of the frame, or 0 to take the
// general path (which then sees exactly the same bytes, so the two cannot
// disagree on anything but speed). Streaming, such a frame is a whole message
// too: its one piece, first and last. A template so that in each side's
// copy the header size is a constant and the mask test folds away.
template <bool kMasked>
size_t Decoder::whole_frame(uint8_t* data, size_t len, Event& out) noexcept {
    constexpr size_t kHead = kMasked ? 6 : 2;
    if (len < kHead || msg_op_ != 0) return 0;
    const uint8_t b0 = data[0], b1 = data[1];
    const uint8_t op = b0 & kOpBits;
    // FIN, no RSV, text or binary; masked as expected; 7- or 16-bit length.
    if ((b0 & (kFinBit | kRsvBits)) != kFinBit || (op != 1 && op != 2) || ((b1 & kMaskBit) != 0) != kMasked)
        return 0;
    size_t n = b1 & kLenBits, head = kHead;
    if (n == 127) return 0;
    if (n == 126) {
        if (len < kHead + 2) return 0;
        n = size_t(data[2]) << 8 | data[3];
        head = kHead + 2;
    }
    if (n > max_message_ || len - head < n) return 0;
    uint8_t* const p = data + head;
    if (kMasked) unmask(p, n, load_key(p - 4), 0);
    if (op == kText && !utf8_valid(p, n)) return fail(eText, head + n, out);
    out.kind = op == kText ? Event::Kind::text : Event::Kind::binary;
    out.payload = view(p, n);
    return head + n;
}

size_t Decoder::feed(uint8_t* data, size_t len, Event& out) noexcept {
    out = Event{};
    if (error_ != eNone) {
        fail(error_, 0, out);
        return len;
    }
    cleanup();
    if (phase_ == kHeader && hdr_len_ == 0) {
        const size_t used = has(kPeerMasks) ? whole_frame<true>(data, len, out) : whole_frame<false>(data, len, out);
        if (used != 0) return used;
    }
    size_t pos = 0, result = 0;
    for (;;) {
        if (phase_ == kHeader && !take_header(data, len, pos, out, result)) return result;
        if (is_control(hdr_[0] & kOpBits)) return take_control(data, len, pos, out);
        if (!take_data(data, len, pos, out, result)) return result;
    }
}

// Stages the header's bytes from data[pos, len), checks it and begins the
// frame. False when feed must return `result`: the input ran out (or an
// error was found) first.
bool Decoder::take_header(const uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept {
    if (hdr_len_ < 2) {
        const size_t n = std::min<size_t>(2u - hdr_len_, len - pos);
        if (n != 0) std::memcpy(hdr_ + hdr_len_, data + pos, n);
        hdr_len_ = static_cast<uint8_t>(hdr_len_ + n);
        pos += n;
        result = pos;
        if (hdr_len_ < 2) return false;
        if (uint8_t e = check_first_bytes()) return result = fail(e, pos, out), false;
    }
    const size_t need = header_size(hdr_[1]);
    const size_t n = std::min<size_t>(need - hdr_len_, len - pos);
    if (n != 0) std::memcpy(hdr_ + hdr_len_, data + pos, n);
    hdr_len_ = static_cast<uint8_t>(hdr_len_ + n);
    pos += n;
    result = pos;
    if (hdr_len_ < need) return false;
    if (uint8_t e = begin_frame()) return result = fail(e, pos, out), false;
    return true;
}

// A control frame's payload: reported from the input when it is all there
// (unmasked in place), else staged in buf_ behind any message in progress.
size_t Decoder::take_control(uint8_t* data, size_t len, size_t pos, Event& out) noexcept {
    const size_t n = hdr_[1] & kLenBits;
    const size_t avail = len - pos;
    uint8_t* const p = data + pos;
    if (remaining_ == n && avail >= n) {
        unmask_next(p, n);
        remaining_ = 0;
        hdr_len_ = 0;
        phase_ = kHeader;
        return control(p, n, pos + n, out);
    }
    const size_t take = static_cast<size_t>(std::min<uint64_t>(avail, remaining_));
    if (!append(p, take)) return fail(eNoMemory, pos, out);
    unmask_next(buf_ + buf_size_ - take, take);
    remaining_ -= take;
    pos += take;
    if (remaining_ != 0) return pos;
    hdr_len_ = 0;
    phase_ = kAfterControl;
    return control(buf_ + buf_size_ - n, n, pos, out);
}

// A data frame's payload: a whole unfragmented message in the input is
// reported from it (unmasked in place); anything else is reassembled in
// buf_, or streamed (take_piece). True when the frame ended a fragment and the
// next one may already be in the input; else feed returns `result`.
bool Decoder::take_data(uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept {
    const uint8_t op = hdr_[0] & kOpBits;
    const size_t avail = len - pos;
    uint8_t* const p = data + pos;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(avail, remaining_));
    const bool fin = (hdr_[0] & kFinBit) != 0;
    if (fin && op != 0 && avail >= remaining_ && remaining_ == payload_length(hdr_)) {
        unmask_next(p, take);
        remaining_ = 0;
        hdr_len_ = 0;
        phase_ = kHeader;
        msg_op_ = 0;
        if (op == kText && !has(kMsgCompressed) && !utf8_valid(p, take))
            return result = fail(eText, pos + take, out), false;
        out.kind = op == kText ? Event::Kind::text : Event::Kind::binary;
        out.payload = view(p, take);
        out.compressed = has(kMsgCompressed);
        return result = pos + take, false;
    }
    if (has(kStreaming)) return take_piece(data, len, pos, out, result);
    if (take != 0) {
        if (!append(p, take)) return result = fail(eNoMemory, pos, out), false;
        uint8_t* const q = buf_ + buf_size_ - take;
        unmask_next(q, take);
        remaining_ -= take;
        pos += take;
        // Fail fast: before the rest of the frame or message arrives.
        if (msg_op_ == kText && !has(kMsgCompressed) && !utf8_.feed(q, take))
            return result = fail(eText, pos, out), false;
    }
    result = pos;
    if (remaining_ != 0) return false;
    hdr_len_ = 0;
    phase_ = kHeader;
    if (!fin) return true;  // more fragments to come
    if (msg_op_ == kText && !has(kMsgCompressed) && !utf8_.complete())
        return result = fail(eText, pos, out), false;
    out.kind = msg_op_ == kText ? Event::Kind::text : Event::Kind::binary;
    out.payload = view(buf_, buf_size_);
    out.compressed = has(kMsgCompressed);
    msg_op_ = 0;
    phase_ = kAfterMessage;
    return false;
}

// Streaming: the current frame's payload bytes in the input, unmasked in place,
// are one piece of the message. A frame that adds no bytes is skipped unless it
// begins or ends the message. Same return contract as take_data.
bool Decoder::take_piece(uint8_t* data, size_t len, size_t& pos, Event& out, size_t& result) noexcept {
    uint8_t* const p = data + pos;
    const size_t take = static_cast<size_t>(std::min<uint64_t>(len - pos, remaining_));
    unmask_next(p, take);
    remaining_ -= uint32_t(take);
    pos += take;
    const bool checked = msg_op_ == kText && !has(kMsgCompressed);
    if (checked && !utf8_.feed(p, take)) return result = fail(eText, pos, out), false;
    result = pos;
    const bool frame_done = remaining_ == 0;
    const bool last = frame_done && (hdr_[0] & kFinBit) != 0;
    if (frame_done) {
        hdr_len_ = 0;
        phase_ = kHeader;
    }
    if (take == 0 && !(frame_done && (last || !has(kPieceSent)))) return frame_done;
    if (last && checked && !utf8_.complete()) return result = fail(eText, pos, out), false;
    out.kind = msg_op_ == kText ? Event::Kind::text : Event::Kind::binary;
    out.payload = view(p, take);
    out.compressed = has(kMsgCompressed);
    out.first = !has(kPieceSent);
    out.last = last;
    set(kPieceSent, true);
    if (last) msg_op_ = 0;
    return false;
}

bool Decoder::mid_message() const noexcept {
    return msg_op_ != 0 || hdr_len_ != 0 || phase_ == kPayload;
}

void Decoder::shrink() noexcept {
    cleanup();
    if (buf_size_ == 0) {
        std::free(buf_);
        buf_ = nullptr;
        buf_cap_ = 0;
    }
}

}  // namespace wshub::ws
