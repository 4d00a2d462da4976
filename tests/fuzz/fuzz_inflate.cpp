// libFuzzer target for deflate::Inflater on arbitrary input. data[0] picks
// the options (window bits, context takeover, the message limit), data[1]
// the piece size and output buffer size; the rest is messages, each a 16-bit
// little-endian length and that many payload bytes (the last one takes what
// is left). Each piece is its own heap buffer, so ASan sees any read past it.
// Checks: no crash or UB; a call never consumes more than it is given nor
// writes past its buffer; need_input only with all input consumed;
// output_full only with the buffer full; no message past the limit; errors
// are sticky; and the transcript (each message's output and end or error) is
// the same fed whole into a large buffer and fed in pieces into a small one.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "deflate/inflate.h"
#include "require.h"

using namespace wshub::deflate;
using Status = InflateResult::Status;

namespace {

using fuzz::require;

std::vector<std::vector<uint8_t>> split_messages(const uint8_t* data, size_t size) {
    std::vector<std::vector<uint8_t>> msgs;
    size_t pos = 0;
    while (pos < size) {
        size_t len = size - pos;
        if (len >= 2) {
            const size_t want = size_t(data[pos]) | size_t(data[pos + 1]) << 8;
            pos += 2;
            len = want < size - pos ? want : size - pos;
        } else {
            pos = size;
            len = 0;
        }
        msgs.emplace_back(data + pos, data + pos + len);
        pos += len;
    }
    return msgs;
}

// One message in pieces of `piece` bytes into a buffer of `cap`; appends the
// output and "E<error>" or "." (the end) to the transcript.
void inflate_one(Inflater& inf, const std::vector<uint8_t>& msg, size_t piece, size_t cap, uint64_t limit,
                 std::string& log) {
    std::vector<uint8_t> out(cap);
    uint64_t total = 0;
    size_t start = 0;
    do {
        const size_t end = msg.size() - start <= piece ? msg.size() : start + piece;
        const bool last = end == msg.size();
        const std::vector<uint8_t> chunk(msg.begin() + long(start), msg.begin() + long(end));
        size_t off = 0;
        for (;;) {
            const InflateResult r = inf.inflate(chunk.data() + off, chunk.size() - off, out.data(), cap, last);
            require(r.consumed <= chunk.size() - off, "consumed more than given");
            require(r.produced <= cap, "produced more than the buffer");
            off += r.consumed;
            total += r.produced;
            require(total <= limit, "message past the limit");
            log.append(reinterpret_cast<const char*>(out.data()), r.produced);
            if (r.status == Status::error) {
                log += "E" + std::to_string(int(r.error));
                const InflateResult again = inf.inflate(chunk.data(), chunk.size(), out.data(), cap, true);
                require(again.status == Status::error && again.error == r.error, "error not sticky");
                require(again.produced == 0 && again.consumed == chunk.size(), "error call not inert");
                return;
            }
            if (r.status == Status::message_end) {
                require(last && off == chunk.size(), "message end before its last byte");
                log += ".";
                return;
            }
            if (r.status == Status::need_input) {
                require(!last && off == chunk.size(), "need_input with input left or at the end");
                break;
            }
            require(r.produced == cap, "output_full with room left");
        }
        start = end;
    } while (start < msg.size());
    require(false, "message neither ended nor failed");
}

std::string run(const InflateOptions& o, const std::vector<std::vector<uint8_t>>& msgs, size_t piece, size_t cap) {
    Inflater inf(o);
    std::string log;
    for (const auto& m : msgs) {
        inflate_one(inf, m, piece, cap, o.max_message, log);
        log += '|';
        inf.shrink();
    }
    return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    static const uint64_t kLimits[4] = {64, 1000, 4096, 1 << 16};
    InflateOptions o;
    o.window_bits = 8 + (data[0] & 7);
    o.context_takeover = (data[0] & 8) != 0;
    o.max_message = kLimits[(data[0] >> 4) & 3];
    const size_t piece = 1 + data[1] % 97;
    const size_t cap = 1 + data[1] % 61;
    const auto msgs = split_messages(data + 2, size - 2);
    const std::string whole = run(o, msgs, size_t(1) << 30, 1 << 17);
    require(run(o, msgs, piece, cap) == whole, "pieces differ from the whole");
    return 0;
}
