// Test helpers for the deflate module: a bit packer to write DEFLATE streams
// by hand (RFC 1951 3.1.1: values first bit lowest, Huffman codes most
// significant bit first), canonical codes computed here on their own (3.2.2),
// the fixed code's symbols (3.2.6), and a driver that feeds an Inflater a
// message in pieces of a chosen size with an output buffer of a chosen size.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "deflate/inflate.h"
#include "deflate/rfc1951.h"

namespace testdeflate {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }
inline std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

class BitStream {
public:
    // The low n bits of value, lowest first.
    void put(uint32_t value, unsigned n) {
        for (unsigned i = 0; i < n; ++i) put_bit((value >> i) & 1u);
    }
    // A Huffman code of len bits, most significant first.
    void put_code(uint32_t code, unsigned len) {
        for (unsigned i = len; i-- > 0;) put_bit((code >> i) & 1u);
    }
    void align() { bits_ = (bits_ + 7) / 8 * 8; }
    void put_bytes(const Bytes& b) {
        align();
        for (uint8_t c : b) put(c, 8);
    }
    // Block header: BFINAL then BTYPE.
    void header(bool final, unsigned type) {
        put(final ? 1 : 0, 1);
        put(type, 2);
    }
    // A stored block (aligned, LEN, NLEN, data); nlen_xor spoils NLEN.
    void stored(const Bytes& data, bool final = false, uint16_t nlen_xor = 0) {
        header(final, wshub::deflate::kStoredBlock);
        align();
        put(uint32_t(data.size()), 16);
        put(uint32_t(~data.size() & 0xffff) ^ nlen_xor, 16);
        put_bytes(data);
    }
    // The end of an RFC 7692 message: an empty stored block's header, padding,
    // and no 00 00 ff ff.
    void sync_end() {
        header(false, wshub::deflate::kStoredBlock);
        align();
    }
    Bytes bytes() const { return out_; }
    size_t bit_count() const { return bits_; }

private:
    void put_bit(unsigned b) {
        if (bits_ / 8 >= out_.size()) out_.push_back(0);
        out_[bits_ / 8] |= uint8_t(b << (bits_ % 8));
        ++bits_;
    }
    Bytes out_;
    size_t bits_ = 0;
};

// Canonical codes for lens (RFC 1951 3.2.2, step by step).
inline std::vector<uint32_t> canonical_codes(const std::vector<uint8_t>& lens) {
    unsigned bl_count[16] = {};
    for (uint8_t l : lens) bl_count[l]++;
    bl_count[0] = 0;
    uint32_t next_code[16] = {};
    uint32_t code = 0;
    for (unsigned bits = 1; bits < 16; ++bits) {
        code = (code + bl_count[bits - 1]) << 1;
        next_code[bits] = code;
    }
    std::vector<uint32_t> codes(lens.size(), 0);
    for (size_t n = 0; n < lens.size(); ++n)
        if (lens[n] != 0) codes[n] = next_code[lens[n]]++;
    return codes;
}

// A literal/length symbol in the fixed code.
inline void fixed_symbol(BitStream& s, unsigned sym) {
    if (sym < 144) s.put_code(0x30 + sym, 8);
    else if (sym < 256) s.put_code(0x190 + sym - 144, 9);
    else if (sym < 280) s.put_code(sym - 256, 7);
    else s.put_code(0xC0 + sym - 280, 8);
}

// A length's symbol index (symbol - 257) and extra bits' value.
inline void length_parts(unsigned length, unsigned& index, unsigned& extra) {
    using namespace wshub::deflate;
    index = length == 258 ? 28 : 0;
    if (length != 258)
        while (index + 1 < 28 && kLengthBase[index + 1] <= length) ++index;
    extra = length - kLengthBase[index];
}

inline void distance_parts(unsigned distance, unsigned& symbol, unsigned& extra) {
    using namespace wshub::deflate;
    symbol = 0;
    while (symbol + 1 < 30 && kDistBase[symbol + 1] <= distance) ++symbol;
    extra = distance - kDistBase[symbol];
}

// A match in the fixed code.
inline void fixed_match(BitStream& s, unsigned length, unsigned distance) {
    using namespace wshub::deflate;
    unsigned li, lx, ds, dx;
    length_parts(length, li, lx);
    distance_parts(distance, ds, dx);
    fixed_symbol(s, 257 + li);
    s.put(lx, kLengthExtra[li]);
    s.put_code(ds, 5);
    s.put(dx, kDistExtra[ds]);
}

struct Inflated {
    std::string out;
    wshub::deflate::InflateError error = wshub::deflate::InflateError::none;
    bool ended = false;    // message_end reported
    size_t max_produced = 0;
};

// Feeds `payload` as one message in pieces of `piece` bytes (0: whole), with
// an output buffer of out_cap bytes, until message_end or an error.
inline Inflated inflate_message(wshub::deflate::Inflater& inf, const Bytes& payload, size_t piece = 0,
                                size_t out_cap = 1 << 16) {
    using Status = wshub::deflate::InflateResult::Status;
    Inflated r;
    std::vector<uint8_t> out(out_cap);
    size_t start = 0;
    do {
        const size_t end = piece == 0 || payload.size() - start <= piece ? payload.size() : start + piece;
        const bool last = end == payload.size();
        std::vector<uint8_t> chunk(payload.begin() + long(start), payload.begin() + long(end));
        size_t off = 0;
        for (;;) {
            const auto res = inf.inflate(chunk.data() + off, chunk.size() - off, out.data(), out.size(), last);
            off += res.consumed;
            r.out.append(reinterpret_cast<const char*>(out.data()), res.produced);
            if (res.produced > r.max_produced) r.max_produced = res.produced;
            if (res.status == Status::error) {
                r.error = res.error;
                return r;
            }
            if (res.status == Status::message_end) {
                r.ended = true;
                return r;
            }
            if (res.status == Status::need_input) break;
        }
        start = end;
    } while (start < payload.size());
    return r;
}

inline wshub::deflate::InflateOptions inflate_options(unsigned window_bits = 15, bool takeover = true,
                                                     uint64_t max_message = 1 << 24) {
    wshub::deflate::InflateOptions o;
    o.window_bits = window_bits;
    o.context_takeover = takeover;
    o.max_message = max_message;
    return o;
}

}  // namespace testdeflate
