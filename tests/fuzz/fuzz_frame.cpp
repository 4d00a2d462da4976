// libFuzzer target for ws::Decoder. The first input byte picks a split point
// (and its low bit whether permessage-deflate's RSV1 is allowed); the rest is
// a client byte stream, fed in two pieces (each its own heap buffer,
// so ASan sees any overread), looping over events until none or error. Checks:
// no crash/UB; consumed never exceeds the input; text payloads are valid
// UTF-8 unless compressed, and only a decoder that allows it reports one;
// close codes are allowed on the wire (or 1005) with UTF-8 reasons; errors are
// sticky; and the events are the same as when the stream is fed whole, or (for
// short inputs) one byte at a time.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "ws/frame.h"
#include "require.h"

using namespace wshub::ws;

namespace {

using fuzz::require;

constexpr uint64_t kMaxMessage = 4096;

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

void check_event(const Event& e, bool compressed_ok) {
    require(compressed_ok || !e.compressed, "compressed message without permessage-deflate");
    switch (e.kind) {
        case Event::Kind::text:
            require(e.compressed || utf8_valid(u8(e.payload), e.payload.size()), "text event not UTF-8");
            require(e.payload.size() <= kMaxMessage, "message over max");
            break;
        case Event::Kind::binary:
            require(e.payload.size() <= kMaxMessage, "message over max");
            break;
        case Event::Kind::ping:
        case Event::Kind::pong:
            require(e.payload.size() <= 125, "control payload over 125");
            break;
        case Event::Kind::close:
            require(e.code == close_code::no_status || close_code_allowed_on_wire(e.code), "bad close code");
            require(utf8_valid(u8(e.reason), e.reason.size()), "close reason not UTF-8");
            require(e.code != close_code::no_status || e.reason.empty(), "1005 with a reason");
            break;
        case Event::Kind::error:
            require(e.code == 1002 || e.code == 1007 || e.code == 1009 || e.code == 1011, "bad error code");
            break;
        case Event::Kind::none:
            break;
    }
}

// Feeds data cut into pieces of at most `step` bytes (0: as split at `cut`).
// Returns a transcript of the events.
std::string run(const uint8_t* data, size_t size, size_t cut, size_t step, bool compressed_ok) {
    Decoder d(kMaxMessage);
    if (compressed_ok) d.allow_compressed();
    std::string log;
    std::vector<size_t> bounds;
    if (step == 0) {
        bounds = {cut, size};
    } else {
        for (size_t k = step; k < size; k += step) bounds.push_back(k);
        bounds.push_back(size);
    }
    size_t start = 0;
    for (size_t end : bounds) {
        std::vector<uint8_t> piece(data + start, data + end);
        start = end;
        size_t off = 0;
        for (;;) {
            Event e;
            const size_t n = d.feed(piece.data() + off, piece.size() - off, e);
            require(n <= piece.size() - off, "consumed more than given");
            off += n;
            check_event(e, compressed_ok);
            if (e.kind == Event::Kind::none) {
                require(off == piece.size(), "none before the end of the input");
                break;
            }
            log += static_cast<char>(e.kind);
            log += std::to_string(e.code);
            log += e.compressed ? 'z' : '-';
            log += ':';
            log.append(e.payload.data(), e.payload.size());
            log += '/';
            log.append(e.reason.data(), e.reason.size());
            log += '\n';
            if (e.kind == Event::Kind::error) {
                uint8_t more[8] = {0x81, 0x82, 1, 2, 3, 4, 5, 6};
                Event again;
                require(d.feed(more, sizeof more, again) == sizeof more, "error: later feed not consumed");
                require(again.kind == Event::Kind::error && again.code == e.code, "error not sticky");
                return log;
            }
        }
    }
    d.shrink();
    return log;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t n = size - 1;
    const uint8_t* stream = data + 1;
    const size_t cut = n == 0 ? 0 : (static_cast<size_t>(data[0]) * (n + 1)) / 256;
    const bool compressed_ok = (data[0] & 1) != 0;
    const std::string split = run(stream, n, cut, 0, compressed_ok);
    const std::string whole = run(stream, n, n, 0, compressed_ok);
    require(split == whole, "split feed differs from whole feed");
    if (n <= 2048) {
        const size_t step = 1 + data[0] % 7;
        require(run(stream, n, 0, step, compressed_ok) == whole, "chunked feed differs from whole feed");
    }
    return 0;
}
