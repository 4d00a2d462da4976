// libFuzzer target for deflate::Deflater: whatever the data, compressing it
// and inflating the result gives it back. data[0] picks the level (1..9),
// data[1] the window bits (8..15) and context takeover, data[2] where the rest
// is cut into up to four messages; each message is compressed, checked
// against the deflater's bound, and inflated by an Inflater with the same
// options, in pieces, into a small buffer.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "deflate/deflate.h"
#include "deflate/inflate.h"
#include "require.h"

using namespace wshub::deflate;
using Status = InflateResult::Status;

namespace {

using fuzz::require;

std::string inflate(Inflater& inf, const Buffer& z, size_t piece) {
    std::string out;
    uint8_t buf[509];
    size_t start = 0;
    do {
        const size_t end = z.size() - start <= piece ? z.size() : start + piece;
        const bool last = end == z.size();
        const std::vector<uint8_t> chunk(z.data() + start, z.data() + end);
        size_t off = 0;
        for (;;) {
            const InflateResult r = inf.inflate(chunk.data() + off, chunk.size() - off, buf, sizeof buf, last);
            off += r.consumed;
            out.append(reinterpret_cast<const char*>(buf), r.produced);
            require(r.status != Status::error, describe(r.error).data());
            if (r.status == Status::message_end) return out;
            if (r.status == Status::need_input) break;
        }
        start = end;
    } while (start < z.size());
    require(false, "message did not end");
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    DeflateOptions d;
    d.level = 1 + data[0] % 9;
    d.window_bits = 8 + (data[1] & 7);
    d.context_takeover = (data[1] & 8) != 0;
    InflateOptions i;
    i.window_bits = d.window_bits;
    i.context_takeover = d.context_takeover;
    i.max_message = size;
    Deflater deflater(d);
    Inflater inflater(i);
    const uint8_t* rest = data + 3;
    const size_t n = size - 3;
    // Cuts at fractions of the rest chosen by data[2]'s bit pairs.
    size_t cuts[5] = {0, 0, 0, 0, n};
    for (int k = 1; k < 4; ++k) cuts[k] = cuts[k - 1] + (n - cuts[k - 1]) * ((data[2] >> (2 * k)) & 3) / 4;
    const size_t piece = 1 + data[2] % 53;
    for (int k = 0; k < 4; ++k) {
        Buffer z;
        const size_t len = cuts[k + 1] - cuts[k];
        require(deflater.compress(rest + cuts[k], len, z), "compress failed");
        require(z.size() <= deflater.bound(len), "over the bound");
        const std::string back = inflate(inflater, z, piece);
        require(back.size() == len && back.compare(0, len, reinterpret_cast<const char*>(rest + cuts[k]), len) == 0,
                "round trip differs");
        if (k % 2) deflater.shrink();
    }
    return 0;
}
