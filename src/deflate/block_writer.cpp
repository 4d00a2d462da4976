// Chooses a block's form by its exact size in bits, then writes it. A dynamic
// block's header (3.2.7) run-length codes the code lengths with symbols 16
// (repeat the last length 3-6 times), 17 (3-10 zeros) and 18 (11-138 zeros).
#include "deflate/block_writer.h"

#include "deflate/huffman.h"
#include "deflate/symbol_codes.h"

namespace wshub::deflate {
namespace {

constexpr unsigned kAllCodes = kMaxLitLenCodes + kMaxDistCodes;
constexpr uint8_t kRepeatExtraBits[3] = {2, 3, 7};  // symbols 16, 17, 18

struct Code {
    uint8_t lens[kAllCodes];  // literal/length lengths, then distance lengths
    uint16_t codes[kAllCodes];
    const uint8_t* dist_lens() const noexcept { return lens + kMaxLitLenCodes; }
    const uint16_t* dist_codes() const noexcept { return codes + kMaxLitLenCodes; }
};

// A dynamic block's header: the code lengths as code-length symbols.
struct Header {
    unsigned hlit = 0, hdist = 0, hclen = 0;
    uint8_t symbols[kAllCodes];
    uint8_t extra[kAllCodes];
    unsigned count = 0;
    uint8_t cl_lens[kCodeLengthSymbols];
    uint16_t cl_codes[kCodeLengthSymbols];  // built only if the block is written dynamic
    uint64_t bits = 0;  // the header's size, block type bits included
};

const Code& fixed_code() noexcept {
    static const Code code = [] {
        // Built over all 288 symbols: 286 and 287 are never written, but
        // their 8-bit codes come before every 9-bit code.
        uint8_t lens[kLitLenSymbols];
        uint16_t codes[kLitLenSymbols];
        for (unsigned s = 0; s < kLitLenSymbols; ++s) lens[s] = fixed_litlen_length(s);
        build_codes(lens, kLitLenSymbols, codes);
        Code c{};
        for (unsigned s = 0; s < kMaxLitLenCodes; ++s) {
            c.lens[s] = lens[s];
            c.codes[s] = codes[s];
        }
        for (unsigned d = 0; d < kMaxDistCodes; ++d) c.lens[kMaxLitLenCodes + d] = kFixedDistLength;
        build_codes(c.lens + kMaxLitLenCodes, kMaxDistCodes, c.codes + kMaxLitLenCodes);
        return c;
    }();
    return code;
}

void push(Header& h, unsigned symbol, unsigned extra) noexcept {
    h.symbols[h.count] = uint8_t(symbol);
    h.extra[h.count] = uint8_t(extra);
    h.count++;
}

// Run-length codes `value` repeated `run` times into h.
void push_run(Header& h, unsigned value, unsigned run) noexcept {
    if (value == 0) {
        for (; run >= 11; run -= run < 138 ? run : 138) push(h, 18, (run < 138 ? run : 138) - 11);
        if (run >= 3) {
            push(h, 17, run - 3);
            run = 0;
        }
    } else {
        push(h, value, 0);
        --run;
        for (; run >= 3; run -= run < 6 ? run : 6) push(h, 16, (run < 6 ? run : 6) - 3);
    }
    for (; run > 0; --run) push(h, value, 0);
}

void build_header(const Code& code, Header& h) noexcept {
    h.hlit = kMaxLitLenCodes;
    while (h.hlit > kFirstLengthSymbol && code.lens[h.hlit - 1] == 0) --h.hlit;
    h.hdist = kMaxDistCodes;
    while (h.hdist > 1 && code.dist_lens()[h.hdist - 1] == 0) --h.hdist;
    uint8_t all[kAllCodes];
    for (unsigned i = 0; i < h.hlit; ++i) all[i] = code.lens[i];
    for (unsigned i = 0; i < h.hdist; ++i) all[h.hlit + i] = code.dist_lens()[i];
    const unsigned total = h.hlit + h.hdist;
    for (unsigned i = 0; i < total;) {
        unsigned run = 1;
        while (i + run < total && all[i + run] == all[i]) ++run;
        push_run(h, all[i], run);
        i += run;
    }
    uint32_t freq[kCodeLengthSymbols] = {};
    for (unsigned i = 0; i < h.count; ++i) freq[h.symbols[i]]++;
    build_code_lengths(freq, kCodeLengthSymbols, kMaxCodeLengthBits, h.cl_lens);
    h.hclen = kCodeLengthSymbols;
    while (h.hclen > 4 && h.cl_lens[kCodeLengthOrder[h.hclen - 1]] == 0) --h.hclen;
    h.bits = 3 + 5 + 5 + 4 + 3 * h.hclen;
    for (unsigned i = 0; i < h.count; ++i) {
        const unsigned s = h.symbols[i];
        h.bits += h.cl_lens[s] + (s >= 16 ? kRepeatExtraBits[s - 16] : 0);
    }
}

// Bits of the block's symbols (and its end of block) in `code`.
uint64_t data_bits(const BlockInput& b, const Code& code) noexcept {
    uint64_t bits = code.lens[kEndOfBlock];
    for (unsigned s = 0; s < kMaxLitLenCodes; ++s) bits += uint64_t(b.litlen_freq[s]) * code.lens[s];
    for (unsigned i = 0; i < kLengthExtra.size(); ++i)
        bits += uint64_t(b.litlen_freq[kFirstLengthSymbol + i]) * kLengthExtra[i];
    for (unsigned d = 0; d < kMaxDistCodes; ++d)
        bits += uint64_t(b.dist_freq[d]) * (code.dist_lens()[d] + kDistExtra[d]);
    return bits;
}

// Bits of the block stored, when `pending` bits precede it in the last byte.
uint64_t stored_bits(size_t raw_len, unsigned pending) noexcept {
    const uint64_t chunks = raw_len == 0 ? 1 : (raw_len + kMaxStored - 1) / kMaxStored;
    const unsigned first_pad = (8 - (pending + 3) % 8) % 8;
    return chunks * (3 + 32) + first_pad + (chunks - 1) * 5 + 8 * uint64_t(raw_len);
}

void write_stored(const BlockInput& b, BitWriter& out) noexcept {
    size_t done = 0;
    do {
        const size_t n = b.raw_len - done < kMaxStored ? b.raw_len - done : kMaxStored;
        out.put(kStoredBlock << 1, 3);
        out.align();
        out.put(uint32_t(n) | uint32_t(~n & 0xffff) << 16, 32);
        out.put_bytes(b.raw + done, n);
        done += n;
    } while (done < b.raw_len);
}

void write_header(const Header& h, BitWriter& out) noexcept {
    out.put(kDynamicBlock << 1, 3);
    out.put(h.hlit - kFirstLengthSymbol, 5);
    out.put(h.hdist - 1, 5);
    out.put(h.hclen - 4, 4);
    for (unsigned i = 0; i < h.hclen; ++i) out.put(h.cl_lens[kCodeLengthOrder[i]], 3);
    for (unsigned i = 0; i < h.count; ++i) {
        const unsigned s = h.symbols[i];
        out.put(h.cl_codes[s], h.cl_lens[s]);
        if (s >= 16) out.put(h.extra[i], kRepeatExtraBits[s - 16]);
    }
}

void write_symbols(const BlockInput& b, const Code& code, BitWriter& out) noexcept {
    for (size_t i = 0; i < b.count; ++i) {
        const uint32_t sym = b.symbols[i];
        const unsigned distance = sym >> 8;
        if (distance == 0) {
            out.put(code.codes[sym], code.lens[sym]);
            continue;
        }
        const unsigned length = (sym & 0xff) + kMinMatch;
        const unsigned li = kLengthIndex[length - kMinMatch];
        const unsigned ls = kFirstLengthSymbol + li;
        out.put(code.codes[ls] | (length - kLengthBase[li]) << code.lens[ls], code.lens[ls] + kLengthExtra[li]);
        const unsigned ds = distance_symbol(distance);
        const unsigned dlen = code.dist_lens()[ds];
        out.put(code.dist_codes()[ds] | (distance - kDistBase[ds]) << dlen, dlen + kDistExtra[ds]);
    }
    out.put(code.codes[kEndOfBlock], code.lens[kEndOfBlock]);
}

}  // namespace

unsigned write_block(const BlockInput& b, BitWriter& out) noexcept {
    uint32_t litlen[kMaxLitLenCodes];
    for (unsigned s = 0; s < kMaxLitLenCodes; ++s) litlen[s] = b.litlen_freq[s];
    litlen[kEndOfBlock] = 1;
    Code dynamic;  // its codes are built only if it is chosen
    build_code_lengths(litlen, kMaxLitLenCodes, kMaxCodeBits, dynamic.lens);
    build_code_lengths(b.dist_freq, kMaxDistCodes, kMaxCodeBits, dynamic.lens + kMaxLitLenCodes);
    Header header;
    build_header(dynamic, header);

    const uint64_t stored = stored_bits(b.raw_len, out.pending_bits());
    const uint64_t fixed = 3 + data_bits(b, fixed_code());
    const uint64_t dyn = header.bits + data_bits(b, dynamic);
    if (stored <= fixed && stored <= dyn) {
        write_stored(b, out);
        return kStoredBlock;
    }
    if (fixed <= dyn) {
        out.put(kFixedBlock << 1, 3);
        write_symbols(b, fixed_code(), out);
        return kFixedBlock;
    }
    build_codes(dynamic.lens, kMaxLitLenCodes, dynamic.codes);
    build_codes(dynamic.dist_lens(), kMaxDistCodes, dynamic.codes + kMaxLitLenCodes);
    build_codes(header.cl_lens, kCodeLengthSymbols, header.cl_codes);
    write_header(header, out);
    write_symbols(b, dynamic, out);
    return kDynamicBlock;
}

}  // namespace wshub::deflate
