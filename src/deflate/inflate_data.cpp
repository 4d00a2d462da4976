// Block contents: the bytes of a stored block (RFC 1951 3.2.4) and the
// literals and length/distance pairs of a Huffman block (3.2.5), written to the
// caller's buffer and the window, within the message's limit.
#include <cstring>

#include "deflate/inflate_state.h"

namespace wshub::deflate {
namespace {

unsigned take_low(uint64_t bits, unsigned shift, unsigned n) noexcept {
    return unsigned(bits >> shift) & ((1u << n) - 1);
}

size_t smaller(size_t a, size_t b) noexcept { return a < b ? a : b; }

}  // namespace

Step Inflater::State::stored_copy() noexcept {
    while (copy_len > 0) {
        size_t n = smaller(copy_len, out_cap - out_pos);
        if (n == 0) return Step::output_full;
        if (message_out == max_message) return fail(InflateError::too_big);
        n = smaller(n, max_message - message_out);
        if (bitcnt >= 8) {  // bytes pulled in before the block started (bitcnt is whole bytes)
            n = smaller(n, bitcnt / 8);
            for (size_t i = 0; i < n; ++i) {
                put_byte(uint8_t(bits));
                consume(8);
            }
        } else if (in_pos < in_len) {
            n = smaller(n, in_len - in_pos);
            bits = 0;  // these bytes bypass the bit buffer (see refill)
            put_bytes(in + in_pos, n);
            in_pos += n;
        } else {
            refill();  // only the tail is left
            if (bitcnt < 8) return out_of_bits();
            continue;
        }
        copy_len -= uint32_t(n);
    }
    mode = final_block ? InflateMode::after_final : InflateMode::block_header;
    return Step::next;
}

Step Inflater::State::data() noexcept {
    for (;;) {
        refill();
        unsigned used = 0;
        const int sym = litlen->decode(bits, bitcnt, used);
        if (sym < 0) return sym == kNeedBits ? out_of_bits() : fail(InflateError::invalid_code);
        if (sym < int(kEndOfBlock)) {
            if (out_pos == out_cap) return Step::output_full;
            if (message_out == max_message) return fail(InflateError::too_big);
            consume(used);
            put_byte(uint8_t(sym));
            continue;
        }
        if (sym == int(kEndOfBlock)) {
            consume(used);
            mode = final_block ? InflateMode::after_final : InflateMode::block_header;
            return Step::next;
        }
        const Step step = length_distance(unsigned(sym), used);
        if (step != Step::next) return step;
    }
}

// A length symbol whose code is `used` bits: its extra bits, the distance
// code and its extra bits are all read, or none is (the step waits for input).
Step Inflater::State::length_distance(unsigned sym, unsigned used) noexcept {
    const unsigned li = sym - kFirstLengthSymbol;
    if (li >= kLengthBase.size()) return fail(InflateError::bad_length_symbol);
    const unsigned len_bits = used + kLengthExtra[li];
    if (bitcnt < len_bits) return out_of_bits();
    const unsigned length = kLengthBase[li] + take_low(bits, used, kLengthExtra[li]);
    if (no_distances) return fail(InflateError::bad_distance_symbol);
    unsigned dist_used = 0;
    const int dsym = dist->decode(bits >> len_bits, bitcnt - len_bits, dist_used);
    if (dsym < 0) return dsym == kNeedBits ? out_of_bits() : fail(InflateError::invalid_code);
    if (unsigned(dsym) >= kDistBase.size()) return fail(InflateError::bad_distance_symbol);
    const unsigned total = len_bits + dist_used + kDistExtra[dsym];
    if (bitcnt < total) return out_of_bits();
    const unsigned distance = kDistBase[dsym] + take_low(bits, len_bits + dist_used, kDistExtra[dsym]);
    if (distance > window_mask + 1 || distance > history) return fail(InflateError::distance_too_far);
    if (length > max_message - message_out) return fail(InflateError::too_big);
    consume(total);
    copy_len = length;
    copy_dist = distance;
    return match_copy();
}

// Copies what fits of the match (copy_len bytes from copy_dist back) to the
// window and the caller; the rest waits in mode match_copy.
Step Inflater::State::match_copy() noexcept {
    const uint32_t wsize = window_mask + 1;
    while (copy_len > 0) {
        const size_t room = out_cap - out_pos;
        if (room == 0) {
            mode = InflateMode::match_copy;
            return Step::output_full;
        }
        const uint32_t n = uint32_t(smaller(copy_len, room));
        uint32_t src = (wpos - copy_dist) & window_mask;
        uint8_t* dst = out + out_pos;
        if (copy_dist >= n && src + n <= wsize && wpos + n <= wsize) {
            // No wrap, and the source is not the copy's own output: memmove
            // reads as the byte loop would (a source after wpos is not yet written).
            std::memmove(window + wpos, window + src, n);
            std::memcpy(dst, window + wpos, n);
            wpos = (wpos + n) & window_mask;
        } else {
            for (uint32_t i = 0; i < n; ++i) {
                const uint8_t c = window[src];
                window[wpos] = c;
                dst[i] = c;
                src = (src + 1) & window_mask;
                wpos = (wpos + 1) & window_mask;
            }
        }
        out_pos += n;
        history += n;
        message_out += n;
        copy_len -= n;
    }
    mode = InflateMode::data;
    return Step::next;
}

}  // namespace wshub::deflate
