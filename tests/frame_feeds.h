// Client frames built byte by byte, and a Decoder fed them whole, split at
// every point and a byte at a time, its events summed up as text: what the
// frame codec's tests (test_frame*.cpp) compare. check_all_feeds runs each
// input through four decoders that must agree: a server's reassembling and
// streaming (its pieces joined back into messages), and a client's both ways
// on the same frames as a server would send them (flip_masking).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "frame_sides.h"
#include "ws/frame.h"

namespace frame_test {

using namespace wshub::ws;

using Bytes = std::vector<uint8_t>;
using Key = std::array<uint8_t, 4>;
using frame_sides::flip_masking;

constexpr uint8_t FIN = 0x80;
constexpr uint8_t CONT = 0x0, TEXT = 0x1, BIN = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;
constexpr Key kKey = {0x9A, 0x3C, 0xF1, 0x07};
constexpr uint64_t kMax = 1 << 20;

// A client frame header. form: 0 = shortest, else 7, 16 or 64 (length encoding).
inline Bytes header(uint8_t b0, uint64_t len, int form = 0, bool masked = true, Key key = kKey) {
    if (form == 0) form = len < 126 ? 7 : len <= 0xFFFF ? 16 : 64;
    Bytes h{b0};
    const uint8_t m = masked ? 0x80 : 0;
    if (form == 7) {
        h.push_back(static_cast<uint8_t>(m | len));
    } else if (form == 16) {
        h.push_back(m | 126);
        h.push_back(static_cast<uint8_t>(len >> 8));
        h.push_back(static_cast<uint8_t>(len));
    } else {
        h.push_back(m | 127);
        for (int i = 7; i >= 0; --i) h.push_back(static_cast<uint8_t>(len >> (8 * i)));
    }
    if (masked) h.insert(h.end(), key.begin(), key.end());
    return h;
}

// A whole masked client frame.
inline Bytes frame(uint8_t b0, std::string_view payload, int form = 0, Key key = kKey) {
    Bytes f = header(b0, payload.size(), form, true, key);
    for (size_t i = 0; i < payload.size(); ++i)
        f.push_back(static_cast<uint8_t>(payload[i]) ^ key[i % 4]);
    return f;
}

inline Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string close_body(uint16_t code, std::string_view reason = {}) {
    std::string s;
    s += static_cast<char>(code >> 8);
    s += static_cast<char>(code & 0xFF);
    s += reason;
    return s;
}

// Short payloads verbatim (escaped), long ones as length and FNV-1a hash.
inline std::string brief(std::string_view s) {
    if (s.size() > 40) {
        uint64_t h = 1469598103934665603ull;
        for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
        return "#" + std::to_string(s.size()) + "/" + std::to_string(h);
    }
    std::string out;
    for (unsigned char c : s) {
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            static const char* hex = "0123456789abcdef";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

inline std::string ev(std::string_view kind, std::string_view payload = {}) {
    return std::string(kind) + ":" + brief(payload);
}
inline std::string close_ev(uint16_t code, std::string_view reason = {}) {
    return "close " + std::to_string(code) + ":" + brief(reason);
}
inline std::string err(uint16_t code) { return "error " + std::to_string(code); }

inline std::string summarize(const Event& e) {
    switch (e.kind) {
        case Event::Kind::text: return ev(e.compressed ? "compressed text" : "text", e.payload);
        case Event::Kind::binary: return ev(e.compressed ? "compressed binary" : "binary", e.payload);
        case Event::Kind::ping: return ev("ping", e.payload);
        case Event::Kind::pong: return ev("pong", e.payload);
        case Event::Kind::close: return close_ev(e.code, e.reason);
        case Event::Kind::error: return err(e.code);
        case Event::Kind::none: return "none";
    }
    return "?";
}

// How a Decoder under test is set up.
struct Setup {
    uint64_t max = kMax;
    bool compressed = false;  // allow_compressed()
    Side side = Side::server;
    bool streaming = false;   // stream_messages()
};

// A streamed message's pieces so far.
struct Joined {
    bool open = false;  // a first piece came, the last has not
    Event::Kind kind = Event::Kind::none;
    bool compressed = false;
    std::string bytes;
};

// Checks a text/binary event against the streaming contract and adds it to
// `msg`; returns what is wrong with it, or "". `input` is what that feed was
// given: a streamed piece must be a view into it.
inline std::string join_piece(const Event& e, std::string_view input, bool streaming, Joined& msg) {
    if (!streaming) {
        if (!e.first || !e.last) return "WHOLE MESSAGE NOT FIRST AND LAST";
        msg.bytes.assign(e.payload);
        return "";
    }
    if (e.first == msg.open) return e.first ? "FIRST PIECE INSIDE A MESSAGE" : "NO FIRST PIECE";
    if (e.first) {
        msg = {true, e.kind, e.compressed, {}};
    } else if (e.kind != msg.kind || e.compressed != msg.compressed) {
        return "PIECE CHANGED KIND";
    }
    if (e.payload.empty() && !e.first && !e.last) return "EMPTY PIECE IN THE MIDDLE";
    if (e.payload.data() < input.data() || e.payload.data() + e.payload.size() > input.data() + input.size())
        return "PIECE NOT IN THE INPUT";
    msg.bytes.append(e.payload);
    msg.open = !e.last;
    return "";
}

// Feeds `in` cut at the sorted positions `cuts`, each piece in its own buffer,
// the way a connection would: re-feed the unconsumed rest after each event.
// Returns the events joined by '|' (a streamed message once, when its last
// piece comes, with all its pieces); stops at the first error after checking
// that it is sticky.
inline std::string run(const Bytes& in, const std::vector<size_t>& cuts, const Setup& setup) {
    Decoder d(setup.max, setup.side);
    if (setup.compressed) d.allow_compressed();
    if (setup.streaming) d.stream_messages();
    std::string out;
    Joined msg;
    size_t start = 0;
    for (size_t i = 0; i <= cuts.size(); ++i) {
        const size_t end = i < cuts.size() ? cuts[i] : in.size();
        Bytes piece(in.begin() + static_cast<long>(start), in.begin() + static_cast<long>(end));
        start = end;
        size_t off = 0;
        for (;;) {
            Event e;
            const size_t n = d.feed(piece.data() + off, piece.size() - off, e);
            if (n > piece.size() - off) return out + "|OVERRUN";
            const std::string_view input(reinterpret_cast<const char*>(piece.data() + off), n);
            off += n;
            if (e.kind == Event::Kind::none) {
                if (off != piece.size()) return out + "|NONE BUT INPUT LEFT";
                break;
            }
            if (e.kind == Event::Kind::text || e.kind == Event::Kind::binary) {
                const std::string wrong = join_piece(e, input, setup.streaming, msg);
                if (!wrong.empty()) return out + "|" + wrong;
                if (!e.last) continue;
                e.payload = msg.bytes;
            }
            if (!out.empty()) out += "|";
            out += summarize(e);
            if (e.kind == Event::Kind::error) {
                Bytes more = frame(FIN | TEXT, "ok");
                Event again;
                const size_t m = d.feed(more.data(), more.size(), again);
                if (m != more.size() || again.kind != Event::Kind::error || again.code != e.code)
                    out += "|NOT STICKY";
                return out;
            }
        }
    }
    return out;
}

inline std::string run(const Bytes& in, const std::vector<size_t>& cuts, uint64_t max = kMax, bool compressed = false) {
    return run(in, cuts, Setup{max, compressed});
}

inline void expect_same(const std::string& got, const std::string& want, const std::string& how) {
    if (got != want) CHECK_EQ(how + ": " + got, how + ": " + want);
}

// Whole, every split point (sampled for long inputs), and one byte at a time.
inline void check_feeds(const Bytes& in, const std::string& want, const Setup& setup, const std::string& name) {
    expect_same(run(in, {}, setup), want, name + " whole");
    const size_t n = in.size();
    for (size_t k = 0; k <= n; ++k) {
        if (n > 400 && k > 24 && k + 24 < n && k % 997 != 0) continue;
        expect_same(run(in, {k}, setup), want, name + " split at " + std::to_string(k));
    }
    std::vector<size_t> bytewise;
    for (size_t k = 1; k < n; ++k) bytewise.push_back(k);
    expect_same(run(in, bytewise, setup), want, name + " bytewise");
}

// check_feeds for the four decoders (see the top): client frames `in` to a
// server, reassembling and streaming, and the same as server frames to a client.
inline void check_all_feeds(const Bytes& in, const std::string& want, uint64_t max = kMax,
                            const std::string& name = "", bool compressed = false) {
    check_feeds(in, want, {max, compressed, Side::server, false}, name);
    check_feeds(in, want, {max, compressed, Side::server, true}, name + " (streaming)");
    size_t mirrored = 0;
    const Bytes flipped = flip_masking(in, &mirrored);
    CHECK_EQ(mirrored, in.size());
    check_feeds(flipped, want, {max, compressed, Side::client, false}, name + " (client)");
    check_feeds(flipped, want, {max, compressed, Side::client, true}, name + " (client, streaming)");
}

inline std::string text_of(size_t n) {
    std::string s(n, 'a');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

inline std::string binary_of(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xFF);
    return s;
}

}  // namespace frame_test
