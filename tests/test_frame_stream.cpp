// Decoder::stream_messages(): data messages reported in pieces as they arrive,
// views into the input, each within one frame; first/last flags; UTF-8 checked
// before a piece is reported; max_message over the sum of a message's frames.
// (Every input of test_frame*.cpp also runs through a streaming decoder, its
// pieces joined: see check_all_feeds in frame_feeds.h.)
#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "frame_feeds.h"
#include "utf8_encode.h"
#include "ws/frame.h"

using namespace frame_test;

namespace {

constexpr uint8_t RSV1 = 0x40;

// One data or control frame of a stream built for a side: masked (with `key`)
// for a server to read, unmasked for a client.
Bytes side_frame(Side side, uint8_t b0, std::string_view payload, Key key = kKey) {
    if (side == Side::server) return frame(b0, payload, 0, key);
    Bytes f = header(b0, payload.size(), 0, false);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

// What one feed reported, with the piece's flags spelled out.
std::string piece_of(const Event& e) {
    std::string s = summarize(e);
    if (e.kind == Event::Kind::text || e.kind == Event::Kind::binary)
        s += std::string(e.first ? " first" : "") + (e.last ? " last" : "");
    return s;
}

// Feeds `in` to a streaming Decoder in the chunks that `sizes` give (each in
// its own buffer, the rest after the last size), and lists every event, one
// per feed, pieces included.
std::vector<std::string> pieces(const Bytes& in, const std::vector<size_t>& sizes, uint64_t max = kMax,
                                Side side = Side::server, bool compressed = false) {
    Decoder d(max, side);
    d.stream_messages();
    if (compressed) d.allow_compressed();
    std::vector<std::string> out;
    size_t start = 0;
    for (size_t i = 0; i <= sizes.size() && start <= in.size(); ++i) {
        const size_t n = i < sizes.size() ? std::min(sizes[i], in.size() - start) : in.size() - start;
        Bytes chunk(in.begin() + static_cast<long>(start), in.begin() + static_cast<long>(start + n));
        start += n;
        size_t off = 0;
        while (off < chunk.size()) {
            Event e;
            off += d.feed(chunk.data() + off, chunk.size() - off, e);
            if (e.kind == Event::Kind::none) break;
            out.push_back(piece_of(e));
            if (e.kind == Event::Kind::error) return out;
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : "|") + x;
    return s;
}

}  // namespace

TEST(frame_stream_pieces_and_flags) {
    // A whole frame is a whole message: one piece, first and last.
    CHECK_EQ(joined(pieces(frame(FIN | TEXT, "hello"), {})), "text:hello first last");
    // Fragments: a piece each (a piece never spans two frames, even in one feed).
    CHECK_EQ(joined(pieces(cat({frame(TEXT, "Hel"), frame(CONT, "lo, "), frame(FIN | CONT, "world")}), {})),
             "text:Hel first|text:lo, |text:world last");
    // A frame split over feeds: a piece per feed.
    CHECK_EQ(joined(pieces(frame(FIN | BIN, "abcdefgh"), {6 + 3, 2})),
             "binary:abc first|binary:de|binary:fgh last");
    // The header alone yields nothing; nor does a feed without payload bytes.
    CHECK_EQ(joined(pieces(frame(FIN | BIN, "ab"), {6, 0, 2})), "binary:ab first last");
}

TEST(frame_stream_empty_frames) {
    // An empty first frame opens the message, an empty final one closes it;
    // empty frames between add nothing.
    CHECK_EQ(joined(pieces(cat({frame(TEXT, ""), frame(CONT, "a"), frame(FIN | CONT, "")}), {})),
             "text: first|text:a|text: last");
    CHECK_EQ(joined(pieces(cat({frame(BIN, "a"), frame(CONT, ""), frame(CONT, ""), frame(FIN | CONT, "b")}), {})),
             "binary:a first|binary:b last");
    CHECK_EQ(joined(pieces(frame(FIN | BIN, ""), {})), "binary: first last");
    CHECK_EQ(joined(pieces(cat({frame(BIN, ""), frame(FIN | CONT, "")}), {})), "binary: first|binary: last");
}

TEST(frame_stream_pieces_are_unmasked_in_place) {
    Bytes in = cat({frame(TEXT, "abcdef"), frame(FIN | CONT, "ghijklm")});
    Decoder d(kMax);
    d.stream_messages();
    Event e;
    // Header and 4 payload bytes of the first frame.
    CHECK_EQ(d.feed(in.data(), 10, e), size_t{10});
    CHECK_EQ(piece_of(e), "text:abcd first");
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == in.data() + 6);
    // The rest of it; the next frame's header and 3 of its bytes; its last 4,
    // unmasked from key byte 3 on.
    CHECK_EQ(d.feed(in.data() + 10, 2, e), size_t{2});
    CHECK_EQ(piece_of(e), "text:ef");
    CHECK_EQ(d.feed(in.data() + 12, 9, e), size_t{9});
    CHECK_EQ(piece_of(e), "text:ghi");
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == in.data() + 18);
    CHECK_EQ(d.feed(in.data() + 21, in.size() - 21, e), in.size() - 21);
    CHECK_EQ(piece_of(e), "text:jklm last");
    CHECK(std::memcmp(in.data() + 21, "jklm", 4) == 0);
    CHECK(!d.mid_message());
}

TEST(frame_stream_control_frames_between_pieces) {
    const Bytes in = cat({frame(TEXT, "ab"), frame(FIN | PING, "p1"), frame(CONT, "cd"),
                          frame(FIN | CLOSE, close_body(1000, "bye")), frame(FIN | CONT, "ef")});
    CHECK_EQ(joined(pieces(in, {})), "text:ab first|ping:p1|text:cd|close 1000:bye|text:ef last");
    // A piece per feed, and the ping, split after its first payload byte, staged.
    CHECK_EQ(joined(pieces(in, {7, 8, 1})), "text:a first|text:b|ping:p1|text:cd|close 1000:bye|text:ef last");
}

TEST(frame_stream_compressed_on_every_piece) {
    CHECK_EQ(joined(pieces(cat({frame(RSV1 | TEXT, "\xC0"), frame(FIN | PONG, ""), frame(FIN | CONT, "\xFF\xFE")}),
                           {}, kMax, Side::server, true)),
             "compressed text:\\xc0 first|pong:|compressed text:\\xff\\xfe last");
    // The next message is plain again.
    CHECK_EQ(joined(pieces(cat({frame(FIN | RSV1 | BIN, "z"), frame(FIN | BIN, "y")}), {}, kMax, Side::server, true)),
             "compressed binary:z first last|binary:y first last");
}

TEST(frame_stream_utf8_error_replaces_the_piece) {
    // Valid so far at each piece's end, a character split across fragments.
    CHECK_EQ(joined(pieces(cat({frame(TEXT, "caf\xC3"), frame(CONT, "\xA9 \xE2\x82"), frame(FIN | CONT, "\xAC!")}), {})),
             "text:caf\\xc3 first|text:\\xa9 \\xe2\\x82|text:\\xac! last");
    // The bad byte's feed reports 1007, not the valid bytes before it.
    CHECK_EQ(joined(pieces(cat({frame(TEXT, "good"), frame(FIN | CONT, "ok \xC0 more")}), {})),
             "text:good first|error 1007");
    CHECK_EQ(joined(pieces(frame(FIN | TEXT, "abcdef\xFFgh"), {6 + 3, 4})), "text:abc first|error 1007");
    // Within the frame, at the first byte that cannot be valid: not later.
    Bytes in = frame(FIN | TEXT, "abc\xED\xA0 and more to come");
    Decoder d(kMax);
    d.stream_messages();
    Event e;
    CHECK_EQ(d.feed(in.data(), 6 + 5, e), size_t{11});
    CHECK_EQ(summarize(e), err(1007));
    // A text that ends mid-character: 1007 instead of the last piece.
    CHECK_EQ(joined(pieces(cat({frame(TEXT, "a"), frame(FIN | CONT, "b\xE2\x82")}), {})), "text:a first|error 1007");
    CHECK_EQ(joined(pieces(cat({frame(TEXT, "a\xE2"), frame(CONT, "\x82"), frame(FIN | CONT, "")}), {})),
             "text:a\\xe2 first|text:\\x82|error 1007");
    // Binary is not checked.
    CHECK_EQ(joined(pieces(cat({frame(BIN, "\xC0"), frame(FIN | CONT, "\xFF")}), {})),
             "binary:\\xc0 first|binary:\\xff last");
}

TEST(frame_stream_max_message_counts_all_fragments) {
    const std::string a = text_of(60), b = text_of(40);
    CHECK_EQ(joined(pieces(cat({frame(TEXT, a), frame(FIN | PING, "not counted"), frame(FIN | CONT, b)}), {}, 100)),
             ev("text", a) + " first|" + ev("ping", "not counted") + "|" + ev("text", b) + " last");
    CHECK_EQ(joined(pieces(cat({frame(TEXT, a), frame(FIN | CONT, b + "x")}), {}, 100)),
             ev("text", a) + " first|" + err(1009));
    CHECK_EQ(joined(pieces(cat({frame(BIN, a), frame(CONT, b), frame(FIN | CONT, "x")}), {}, 100)),
             ev("binary", a) + " first|" + ev("binary", b) + "|" + err(1009));
    // As soon as the header that passes the max is in: no payload needed.
    Bytes in = cat({frame(TEXT, a), header(FIN | CONT, 41)});
    Decoder d(100);
    d.stream_messages();
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), size_t{66});
    CHECK_EQ(piece_of(e), ev("text", a) + " first");
    CHECK_EQ(d.feed(in.data() + 66, in.size() - 66, e), in.size() - 66);
    CHECK_EQ(summarize(e), err(1009));
    // The total is per message: each of two messages may reach the max.
    CHECK_EQ(joined(pieces(cat({frame(TEXT, a), frame(FIN | CONT, b), frame(BIN, b), frame(FIN | CONT, a)}), {}, 100)),
             ev("text", a) + " first|" + ev("text", b) + " last|" + ev("binary", b) + " first|" + ev("binary", a) +
                 " last");
}

TEST(frame_stream_client_side) {
    const Bytes in = cat({side_frame(Side::client, TEXT, "ab"), side_frame(Side::client, FIN | PING, "p"),
                          side_frame(Side::client, FIN | CONT, "cd")});
    CHECK_EQ(joined(pieces(in, {}, kMax, Side::client)), "text:ab first|ping:p|text:cd last");
    CHECK_EQ(joined(pieces(in, {3, 4}, kMax, Side::client)), "text:a first|text:b|ping:p|text:cd last");
    CHECK_EQ(joined(pieces(frame(FIN | TEXT, "ab"), {}, kMax, Side::client)), err(1002));
}

namespace {

// A random stream for frame_stream_random_messages: data messages cut into
// random fragments (some empty) with control frames between them.
struct Stream {
    Bytes bytes;
    std::vector<std::string> want;  // events, each message whole (frame_feeds.h's summaries)
    std::vector<std::pair<size_t, size_t>> payloads;  // each data frame's payload, [begin, end) in bytes
};

std::string random_message(std::mt19937& rng, bool text) {
    const size_t n = rng() % 8 == 0 ? 70000 + rng() % 100 : rng() % 300;
    std::string s;
    if (!text) {
        for (size_t i = 0; i < n; ++i) s += static_cast<char>(rng());
        return s;
    }
    static const uint32_t kPoints[] = {'a', '~', 0xE9, 0x7FF, 0x800, 0x20AC, 0xFFFD, 0x10000, 0x1F600, 0x10FFFF};
    while (s.size() < n) s += testutil::encode_utf8(rng() % 3 == 0 ? kPoints[rng() % 10] : 'a' + rng() % 26);
    return s;
}

Stream random_stream(std::mt19937& rng, Side side) {
    Stream st;
    auto add = [&](uint8_t b0, std::string_view payload) {
        const Key key = {uint8_t(rng()), uint8_t(rng()), uint8_t(rng()), uint8_t(rng())};
        const Bytes f = side_frame(side, b0, payload, key);
        const size_t end = st.bytes.size() + f.size();
        if ((b0 & 0x08) == 0) st.payloads.push_back({end - payload.size(), end});
        st.bytes.insert(st.bytes.end(), f.begin(), f.end());
    };
    for (int m = 1 + int(rng() % 4); m > 0; --m) {
        const bool text = rng() % 2 == 0;
        const std::string msg = random_message(rng, text);
        std::vector<size_t> cuts = {0, msg.size()};
        for (int k = int(rng() % 5); k > 0; --k) cuts.push_back(msg.size() == 0 ? 0 : rng() % (msg.size() + 1));
        std::sort(cuts.begin(), cuts.end());
        for (size_t i = 0; i + 1 < cuts.size(); ++i) {
            const uint8_t op = i == 0 ? (text ? TEXT : BIN) : CONT;
            const uint8_t fin = i + 2 == cuts.size() ? FIN : 0;
            add(static_cast<uint8_t>(fin | op), std::string_view(msg).substr(cuts[i], cuts[i + 1] - cuts[i]));
            if (i + 2 < cuts.size() && rng() % 3 == 0) {
                std::string p(rng() % 126, '\0');
                for (char& c : p) c = static_cast<char>(rng());
                const bool ping = rng() % 2 == 0;
                add(FIN | (ping ? PING : PONG), p);
                st.want.push_back(ev(ping ? "ping" : "pong", p));
            }
        }
        st.want.push_back(ev(text ? "text" : "binary", msg));
    }
    return st;
}

// Feeds st.bytes cut at `cuts` to a streaming Decoder; checks each piece lies
// within one data frame's payload of the current message and carries the
// right flags; returns the events with each message joined from its pieces.
std::vector<std::string> stream_events(const Stream& st, const std::vector<size_t>& cuts, Side side) {
    Decoder d(kMax, side);
    d.stream_messages();
    std::vector<std::string> got;
    Joined msg;
    size_t start = 0, frame_index = 0;
    for (size_t i = 0; i <= cuts.size(); ++i) {
        const size_t end = i < cuts.size() ? cuts[i] : st.bytes.size();
        Bytes chunk(st.bytes.begin() + static_cast<long>(start), st.bytes.begin() + static_cast<long>(end));
        size_t off = 0;
        while (off < chunk.size()) {
            Event e;
            const size_t n = d.feed(chunk.data() + off, chunk.size() - off, e);
            const std::string_view input(reinterpret_cast<const char*>(chunk.data() + off), n);
            off += n;
            if (e.kind == Event::Kind::none) break;
            if (e.kind != Event::Kind::text && e.kind != Event::Kind::binary) {
                got.push_back(summarize(e));
                continue;
            }
            const std::string wrong = join_piece(e, input, true, msg);
            if (!wrong.empty()) return {wrong};
            // Where the piece is in the stream, and in which frame.
            const size_t at = start + size_t(reinterpret_cast<const uint8_t*>(e.payload.data()) - chunk.data());
            while (frame_index < st.payloads.size() && st.payloads[frame_index].second < at + e.payload.size())
                ++frame_index;
            if (frame_index == st.payloads.size() || at < st.payloads[frame_index].first)
                return {"PIECE OUTSIDE A FRAME'S PAYLOAD at " + std::to_string(at)};
            if (e.last) got.push_back(ev(e.kind == Event::Kind::text ? "text" : "binary", msg.bytes));
        }
        start = end;
    }
    return got;
}

}  // namespace

TEST(frame_stream_random_messages) {
    std::mt19937 rng(20240611);
    for (int round = 0; round < 400; ++round) {
        const Side side = round % 2 == 0 ? Side::server : Side::client;
        const Stream st = random_stream(rng, side);
        std::vector<size_t> cuts;
        if (round % 10 == 0 && st.bytes.size() < 2000) {
            for (size_t k = 1; k < st.bytes.size(); ++k) cuts.push_back(k);
        } else {
            for (int k = int(rng() % 12); k > 0; --k) cuts.push_back(rng() % (st.bytes.size() + 1));
            std::sort(cuts.begin(), cuts.end());
        }
        const std::vector<std::string> got = stream_events(st, cuts, side);
        expect_same(joined(got), joined(st.want), "round " + std::to_string(round));
    }
}
