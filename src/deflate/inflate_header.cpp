// Block headers (RFC 1951 3.2.3), stored block lengths (3.2.4) and the code
// tables of a dynamic block (3.2.7), one step of the Inflater at a time.
#include "deflate/inflate_state.h"

namespace wshub::deflate {
namespace {

// Code-length symbols 16, 17, 18: extra bits and the least repeat count.
constexpr unsigned kRepeatExtra[3] = {2, 3, 7};
constexpr unsigned kRepeatBase[3] = {3, 3, 11};

unsigned take_low(uint64_t bits, unsigned shift, unsigned n) noexcept {
    return unsigned(bits >> shift) & ((1u << n) - 1);
}

}  // namespace

Step Inflater::State::step() noexcept {
    switch (mode) {
        case InflateMode::block_header: return block_header();
        case InflateMode::stored_header: return stored_header();
        case InflateMode::stored_copy: return stored_copy();
        case InflateMode::table_sizes: return table_sizes();
        case InflateMode::code_length_code: return code_length_code();
        case InflateMode::code_lengths: return code_lengths();
        case InflateMode::data: return data();
        case InflateMode::match_copy: return match_copy();
        case InflateMode::after_final: return after_final();
    }
    return fail(InflateError::truncated);  // unreachable: every mode is handled
}

Step Inflater::State::block_header() noexcept {
    refill();
    if (bitcnt == 0 && exhausted() && message_end) return Step::message_end;
    if (bitcnt < 3) return out_of_bits();
    final_block = (bits & 1) != 0;
    const unsigned type = take_low(bits, 1, 2);
    consume(3);
    switch (type) {
        case kStoredBlock:
            consume(bitcnt & 7);  // to a byte boundary
            mode = InflateMode::stored_header;
            return Step::next;
        case kFixedBlock:
            litlen = &fixed_litlen_table();
            dist = &fixed_dist_table();
            no_distances = false;
            mode = InflateMode::data;
            return Step::next;
        case kDynamicBlock:
            mode = InflateMode::table_sizes;
            return Step::next;
        default:
            return fail(InflateError::bad_block_type);
    }
}

Step Inflater::State::stored_header() noexcept {
    refill();
    if (bitcnt < 32) return out_of_bits();
    const unsigned len = take_low(bits, 0, 16);
    const unsigned nlen = take_low(bits, 16, 16);
    if (len != (~nlen & 0xffffu)) return fail(InflateError::stored_length_mismatch);
    consume(32);
    copy_len = len;
    mode = InflateMode::stored_copy;
    return Step::next;
}

Step Inflater::State::table_sizes() noexcept {
    refill();
    if (bitcnt < 14) return out_of_bits();
    hlit = take_low(bits, 0, 5) + 257;
    hdist = take_low(bits, 5, 5) + 1;
    hclen = take_low(bits, 10, 4) + 4;
    if (hlit > kMaxLitLenCodes || hdist > kMaxDistCodes) return fail(InflateError::too_many_codes);
    consume(14);
    for (uint8_t& len : code_length_lens) len = 0;
    index = 0;
    mode = InflateMode::code_length_code;
    return Step::next;
}

Step Inflater::State::code_length_code() noexcept {
    while (index < hclen) {
        refill();
        if (bitcnt < 3) return out_of_bits();
        code_length_lens[kCodeLengthOrder[index++]] = uint8_t(take_low(bits, 0, 3));
        consume(3);
    }
    if (code_length_table.build(code_length_lens, kCodeLengthSymbols) != CodeSet::complete)
        return fail(InflateError::bad_code_length_code);
    index = 0;
    mode = InflateMode::code_lengths;
    return Step::next;
}

Step Inflater::State::code_lengths() noexcept {
    while (index < hlit + hdist) {
        refill();
        unsigned used = 0;
        const int sym = code_length_table.decode(bits, bitcnt, used);
        if (sym == kNeedBits) return out_of_bits();
        const Step step = code_length_symbol(unsigned(sym), used);
        if (step != Step::next) return step;
    }
    return build_tables();
}

// One code-length symbol (the code-length code is complete: sym is a symbol):
// a length, or a repeat whose extra bits must be here too.
Step Inflater::State::code_length_symbol(int sym, unsigned used) noexcept {
    if (sym < 16) {
        lens[index++] = uint8_t(sym);
        consume(used);
        return Step::next;
    }
    const unsigned r = unsigned(sym) - 16;
    if (bitcnt < used + kRepeatExtra[r]) return out_of_bits();
    const unsigned count = kRepeatBase[r] + take_low(bits, used, kRepeatExtra[r]);
    if (r == 0 && index == 0) return fail(InflateError::repeat_without_length);
    if (index + count > hlit + hdist) return fail(InflateError::repeat_past_end);
    const uint8_t value = r == 0 ? lens[index - 1] : 0;
    for (unsigned i = 0; i < count; ++i) lens[index++] = value;
    consume(used + kRepeatExtra[r]);
    return Step::next;
}

Step Inflater::State::build_tables() noexcept {
    if (lens[kEndOfBlock] == 0) return fail(InflateError::no_end_of_block);
    const CodeSet lit = own_litlen.build(lens, hlit);
    if (lit != CodeSet::complete && lit != CodeSet::single)
        return fail(InflateError::bad_literal_length_code);
    const CodeSet dst = own_dist.build(lens + hlit, hdist);
    if (dst != CodeSet::complete && dst != CodeSet::single && dst != CodeSet::empty)
        return fail(InflateError::bad_distance_code);
    litlen = &own_litlen;
    dist = &own_dist;
    no_distances = dst == CodeSet::empty;
    mode = InflateMode::data;
    return Step::next;
}

// After the block with BFINAL: the rest of its last byte is padding; a whole
// byte more from the sender is an error, the appended 00 00 ff ff is not.
Step Inflater::State::after_final() noexcept {
    consume(bitcnt & 7);
    if (bitcnt / 8 > tail_fed || in_pos < in_len) return fail(InflateError::data_after_final_block);
    bits = 0;
    bitcnt = 0;
    if (!message_end) return Step::need_input;
    tail_fed = uint8_t(kSyncFlushTail.size());
    return Step::message_end;
}

}  // namespace wshub::deflate
