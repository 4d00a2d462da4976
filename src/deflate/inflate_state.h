// The Inflater's working state (inside the deflate module only): the bit
// buffer, where in the stream it is, the decoding tables and the window, in one
// heap block that exists while a message is inflated or a window is kept.
//
// Input is pulled into a 64-bit buffer (the stream's next bit lowest) as far as
// it fits; a step that cannot finish with the bits it has leaves them all in
// place and reports need_input, so a symbol with its extra bits, or a whole
// length/distance pair, is decoded at once or not at all. When the caller has
// said the message ends, its bytes are followed by RFC 7692's 00 00 ff ff.
//
// Every byte produced goes to the window (a ring of window_size bytes) and to
// the caller's buffer; a match copies from the ring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "deflate/decode_table.h"
#include "deflate/inflate.h"
#include "deflate/rfc1951.h"

namespace wshub::deflate {

enum class InflateMode : uint8_t {
    block_header,   // BFINAL and BTYPE
    stored_header,  // LEN and NLEN, byte-aligned
    stored_copy,    // copy_len bytes of a stored block
    table_sizes,    // HLIT, HDIST, HCLEN
    code_length_code,  // HCLEN 3-bit lengths
    code_lengths,   // HLIT + HDIST lengths in the code-length code
    data,           // Huffman-coded literals and matches
    match_copy,     // the rest of a match that did not fit the output
    after_final,    // the block with BFINAL is over; only 00 00 ff ff may follow
};

// What one step of the state machine leaves the loop in Inflater::inflate to do.
enum class Step : uint8_t { next, need_input, output_full, message_end, error };

struct Inflater::State {
    // This call's input (the caller's bytes, then the tail) and output.
    const uint8_t* in = nullptr;
    size_t in_len = 0;
    size_t in_pos = 0;
    bool message_end = false;
    uint8_t* out = nullptr;
    size_t out_cap = 0;
    size_t out_pos = 0;

    uint64_t bits = 0;          // the next bitcnt bits of the stream, first lowest
    unsigned bitcnt = 0;
    InflateMode mode = InflateMode::block_header;
    bool final_block = false;   // the block being read has BFINAL set
    bool in_message = false;    // a byte of the current message has been fed
    bool no_distances = false;  // the dynamic block defines no distance code
    uint8_t tail_fed = 0;       // bytes of 00 00 ff ff pulled in so far
    InflateError error = InflateError::none;

    uint64_t max_message = 0;
    uint64_t message_out = 0;   // bytes this message has produced
    uint64_t history = 0;       // bytes written to the window since it was last emptied
    uint32_t window_mask = 0;   // window size - 1
    uint32_t wpos = 0;          // where the next byte goes in the ring

    uint32_t copy_len = 0;      // match_copy: bytes left; stored_copy: bytes left
    uint32_t copy_dist = 0;
    unsigned hlit = 0, hdist = 0, hclen = 0, index = 0;  // dynamic header progress

    const LitLenTable* litlen = nullptr;
    const DistTable* dist = nullptr;
    LitLenTable own_litlen;
    DistTable own_dist;
    CodeLengthTable code_length_table;
    uint8_t code_length_lens[kCodeLengthSymbols];
    uint8_t lens[kMaxLitLenCodes + kMaxDistCodes];

    uint8_t* window = nullptr;  // window_mask + 1 bytes, in the same heap block after this

    // inflate_bits.cpp: input, output and the window.
    void refill() noexcept;  // inline below: the hot path
    bool exhausted() const noexcept;
    Step out_of_bits() noexcept;
    Step fail(InflateError e) noexcept;
    void consume(unsigned n) noexcept {
        bits >>= n;
        bitcnt -= n;
    }
    void put_byte(uint8_t c) noexcept;  // inline below
    void put_bytes(const uint8_t* p, size_t n) noexcept;
    void begin_message() noexcept;
    void end_message() noexcept;

    // inflate_header.cpp: block headers and dynamic code tables.
    Step step() noexcept;
    Step block_header() noexcept;
    Step stored_header() noexcept;
    Step table_sizes() noexcept;
    Step code_length_code() noexcept;
    Step code_lengths() noexcept;
    Step code_length_symbol(int sym, unsigned used) noexcept;
    Step build_tables() noexcept;
    Step after_final() noexcept;

    // inflate_data.cpp: block contents.
    Step stored_copy() noexcept;
    Step data() noexcept;
    Step length_distance(unsigned sym, unsigned used) noexcept;
    Step match_copy() noexcept;
};

// Bits above bitcnt are either zero or the stream's true next bits (those of
// input bytes not yet counted as pulled in), so OR-ing a byte in at bitcnt is
// always right; whoever takes input bytes past the buffer must zero `bits`.
inline void Inflater::State::refill() noexcept {
    if (bitcnt > 56) return;
    if constexpr (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__) {
        if (in_len - in_pos >= 8) {
            // Seven or eight whole bytes in one unaligned load; the top bits of
            // `bits` get the first bits of the byte after them.
            uint64_t word;
            std::memcpy(&word, in + in_pos, 8);
            bits |= word << bitcnt;
            in_pos += (63 - bitcnt) >> 3;
            bitcnt |= 56;
            return;
        }
    }
    while (bitcnt <= 56) {
        uint8_t byte;
        if (in_pos < in_len) {
            byte = in[in_pos++];
        } else if (message_end && tail_fed < kSyncFlushTail.size()) {
            byte = kSyncFlushTail[tail_fed++];
        } else {
            return;
        }
        bits |= uint64_t(byte) << bitcnt;
        bitcnt += 8;
    }
}

inline void Inflater::State::put_byte(uint8_t c) noexcept {
    window[wpos] = c;
    wpos = (wpos + 1) & window_mask;
    ++history;
    out[out_pos++] = c;
    ++message_out;
}

}  // namespace wshub::deflate
