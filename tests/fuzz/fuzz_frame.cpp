// libFuzzer target for ws::Decoder. The first input byte picks a split point
// (and its low bit whether permessage-deflate's RSV1 is allowed); the rest is
// a client byte stream, fed in two pieces (each its own heap buffer,
// so ASan sees any overread), looping over events until none or error. Checks:
// no crash/UB; consumed never exceeds the input; text payloads are valid
// UTF-8 unless compressed, and only a decoder that allows it reports one;
// close codes are allowed on the wire (or 1005) with UTF-8 reasons; errors are
// sticky; and the events are the same as when the stream is fed whole, or (for
// short inputs) one byte at a time.
//
// Differential: a streaming decoder (stream_messages()) must report the same
// messages, its pieces joined, and the same error, its pieces keeping the
// contract (views into the input, first/last in order, no empty piece but a
// first or last, text valid so far); and a client's decoder, given the same
// frames as a server would send them (tests/frame_sides.h), must report what
// the server's does, reassembling and streaming (error reasons aside: each
// side names its own masking rule).
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../frame_sides.h"
#include "require.h"
#include "ws/frame.h"

using namespace wshub::ws;

namespace {

using fuzz::require;

constexpr uint64_t kMaxMessage = 4096;

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

struct Mode {
    Side side = Side::server;
    bool streaming = false;
    bool reasons = true;  // error reasons in the transcript
};

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

// A streamed message's pieces so far.
struct Joined {
    bool open = false;
    Event::Kind kind = Event::Kind::none;
    bool compressed = false;
    std::string bytes;
    Utf8Validator utf8;
};

// Holds a text/binary event to the contract of its mode and adds it to msg;
// true when it completes a message (then msg.bytes holds all of it). `fed` is
// the input of the feed that reported it.
bool join_piece(const Event& e, const uint8_t* fed, size_t fed_len, bool streaming, Joined& msg) {
    if (!streaming) {
        require(e.first && e.last, "whole message not first and last");
        msg.bytes.assign(e.payload);
        return true;
    }
    require(e.first != msg.open, e.first ? "first piece inside a message" : "piece without a first");
    if (e.first) {
        msg.open = true;
        msg.kind = e.kind;
        msg.compressed = e.compressed;
        msg.bytes.clear();
        msg.utf8.reset();
    }
    require(e.kind == msg.kind && e.compressed == msg.compressed, "piece changed kind");
    require(!e.payload.empty() || e.first || e.last, "empty piece in the middle");
    require(u8(e.payload) >= fed && u8(e.payload) + e.payload.size() <= fed + fed_len, "piece not in the input");
    msg.bytes.append(e.payload);
    require(msg.bytes.size() <= kMaxMessage, "streamed message over max");
    const bool checked = e.kind == Event::Kind::text && !e.compressed;
    require(!checked || msg.utf8.feed(u8(e.payload), e.payload.size()), "piece reported before invalid text");
    require(!checked || !e.last || msg.utf8.complete(), "last piece of incomplete text");
    msg.open = !e.last;
    return e.last;
}

void log_event(std::string& log, const Event& e, bool reasons) {
    log += static_cast<char>(e.kind);
    log += std::to_string(e.code);
    log += e.compressed ? 'z' : '-';
    log += ':';
    log.append(e.payload.data(), e.payload.size());
    log += '/';
    if (reasons || e.kind != Event::Kind::error) log.append(e.reason.data(), e.reason.size());
    log += '\n';
}

// Feeds data cut into pieces of at most `step` bytes (0: as split at `cut`).
// Returns a transcript of the events (a streamed message once, whole).
std::string run(const uint8_t* data, size_t size, size_t cut, size_t step, bool compressed_ok, Mode mode) {
    Decoder d(kMaxMessage, mode.side);
    if (compressed_ok) d.allow_compressed();
    if (mode.streaming) d.stream_messages();
    std::string log;
    Joined msg;
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
            if (e.kind == Event::Kind::none) {
                require(off == piece.size(), "none before the end of the input");
                break;
            }
            if (e.kind == Event::Kind::text || e.kind == Event::Kind::binary) {
                if (!join_piece(e, piece.data() + off - n, n, mode.streaming, msg)) continue;
                e.payload = msg.bytes;
            }
            check_event(e, compressed_ok);
            log_event(log, e, mode.reasons);
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

size_t cut_of(uint8_t b, size_t n) { return n == 0 ? 0 : (static_cast<size_t>(b) * (n + 1)) / 256; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t n = size - 1;
    const uint8_t* stream = data + 1;
    const size_t cut = cut_of(data[0], n);
    const bool ok = (data[0] & 1) != 0;
    const size_t step = 1 + data[0] % 7;
    const Mode server{Side::server, false}, streaming{Side::server, true};
    const std::string whole = run(stream, n, n, 0, ok, server);
    require(run(stream, n, cut, 0, ok, server) == whole, "split feed differs from whole feed");
    require(run(stream, n, cut, 0, ok, streaming) == whole, "streaming differs from reassembling");
    if (n <= 2048) {
        require(run(stream, n, 0, step, ok, server) == whole, "chunked feed differs from whole feed");
        require(run(stream, n, 0, step, ok, streaming) == whole, "chunked streaming differs from reassembling");
    }

    // The client side, on the same frames unmasked (up to a cut-off key).
    size_t mirrored = 0;
    const std::vector<uint8_t> flipped = frame_sides::flip_masking(stream, n, &mirrored);
    const std::string want = run(stream, mirrored, mirrored, 0, ok, {Side::server, false, false});
    const size_t m = flipped.size();
    require(run(flipped.data(), m, m, 0, ok, {Side::client, false, false}) == want, "client differs from server");
    require(run(flipped.data(), m, cut_of(data[0], m), 0, ok, {Side::client, true, false}) == want,
            "client streaming differs from server");
    if (m <= 2048)
        require(run(flipped.data(), m, 0, step, ok, {Side::client, true, false}) == want,
                "chunked client streaming differs from server");
    return 0;
}
