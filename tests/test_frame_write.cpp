// Writing client frames: write_masked_header byte for byte, mask_copy against
// a bytewise XOR and in pieces at odd offsets, and frames so written decoded
// by a server's Decoder.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "check.h"
#include "frame_feeds.h"
#include "ws/frame.h"

using namespace frame_test;

namespace {

const uint8_t* u8(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// The mask whose bytes in memory are `key`.
uint32_t mask_of(const Key& key) {
    uint32_t m;
    std::memcpy(&m, key.data(), 4);
    return m;
}

}  // namespace

TEST(frame_write_masked_header) {
    const Key key = {0x11, 0x22, 0x33, 0x44};
    struct {
        const char* name;
        Opcode op;
        uint64_t len;
        bool fin;
        Bytes want;
    } cases[] = {
        {"0", Opcode::text, 0, true, {0x81, 0x80, 0x11, 0x22, 0x33, 0x44}},
        {"125", Opcode::binary, 125, true, {0x82, 0xFD, 0x11, 0x22, 0x33, 0x44}},
        {"126", Opcode::text, 126, true, {0x81, 0xFE, 0x00, 0x7E, 0x11, 0x22, 0x33, 0x44}},
        {"65535", Opcode::binary, 65535, false, {0x02, 0xFE, 0xFF, 0xFF, 0x11, 0x22, 0x33, 0x44}},
        {"65536", Opcode::text, 65536, true, {0x81, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 0x11, 0x22, 0x33, 0x44}},
        {"continuation", Opcode::continuation, 1, true, {0x80, 0x81, 0x11, 0x22, 0x33, 0x44}},
        {"close", Opcode::close, 2, true, {0x88, 0x82, 0x11, 0x22, 0x33, 0x44}},
    };
    for (auto& c : cases) {
        uint8_t out[kMaxClientHeader + 4];
        std::memset(out, 0xEE, sizeof out);
        const size_t n = write_masked_header(out, c.op, c.len, c.fin, mask_of(key));
        expect_same(brief(std::string_view(reinterpret_cast<const char*>(out), n)),
                    brief(std::string_view(reinterpret_cast<const char*>(c.want.data()), c.want.size())), c.name);
        CHECK_EQ(out[n], uint8_t{0xEE});
    }
}

TEST(frame_mask_copy_matches_bytewise_xor) {
    const Key key = {0x9A, 0x3C, 0xF1, 0x07};
    const std::string src = binary_of(90);
    for (size_t len = 0; len <= 80; ++len) {
        for (size_t offset = 0; offset < 9; ++offset) {
            std::string want(len, '\0'), got(len + 1, '\x55');
            for (size_t i = 0; i < len; ++i) want[i] = static_cast<char>(src[i] ^ key[(offset + i) % 4]);
            mask_copy(reinterpret_cast<uint8_t*>(got.data()), u8(src), len, mask_of(key), offset);
            const std::string name = "len " + std::to_string(len) + " offset " + std::to_string(offset);
            expect_same(brief(got.substr(0, len)), brief(want), name);
            expect_same(std::to_string(got[len]), std::to_string('\x55'), name + " wrote past the end");
            // In place gives the same, and masking again restores the source.
            std::string in_place = src.substr(0, len);
            auto* p = reinterpret_cast<uint8_t*>(in_place.data());
            mask_copy(p, p, len, mask_of(key), offset);
            expect_same(brief(in_place), brief(want), name + " in place");
            mask_copy(p, p, len, mask_of(key), offset);
            expect_same(brief(in_place), brief(src.substr(0, len)), name + " twice");
        }
    }
}

TEST(frame_mask_copy_in_pieces) {
    // A payload masked piecewise (odd offsets, uneven pieces) is the payload
    // masked at once.
    const Key key = {0x01, 0x80, 0xFE, 0x7F};
    const std::string payload = text_of(1000);
    std::string whole(payload.size(), '\0');
    mask_copy(reinterpret_cast<uint8_t*>(whole.data()), u8(payload), payload.size(), mask_of(key), 0);
    const std::vector<std::vector<size_t>> splits = {{1}, {3, 4}, {5, 6, 7, 40}, {1, 2, 3, 33, 65, 999}, {333, 334}};
    for (const auto& cuts : splits) {
        std::string pieces(payload.size(), '\0');
        size_t start = 0;
        for (size_t i = 0; i <= cuts.size(); ++i) {
            const size_t end = i < cuts.size() ? cuts[i] : payload.size();
            mask_copy(reinterpret_cast<uint8_t*>(pieces.data()) + start, u8(payload) + start, end - start,
                      mask_of(key), start);
            start = end;
        }
        expect_same(brief(pieces), brief(whole), "cut at " + std::to_string(cuts[0]) + "...");
    }
}

namespace {

// A masked frame as a client writes it: write_masked_header, then the
// payload through mask_copy in pieces of `step` bytes (0: at once).
Bytes client_write(Opcode op, std::string_view payload, bool fin, uint32_t mask, size_t step = 0) {
    Bytes f(kMaxClientHeader + payload.size());
    const size_t h = write_masked_header(f.data(), op, payload.size(), fin, mask);
    f.resize(h + payload.size());
    if (step == 0) step = payload.size() + 1;
    for (size_t at = 0; at < payload.size(); at += step)
        mask_copy(f.data() + h + at, u8(payload) + at, std::min(step, payload.size() - at), mask, at);
    return f;
}

}  // namespace

TEST(frame_masked_writer_round_trips_through_a_server) {
    const uint32_t masks[] = {mask_of({0x9A, 0x3C, 0xF1, 0x07}), 0, 0xFFFFFFFFu, mask_of({1, 2, 3, 4})};
    const size_t lengths[] = {0, 1, 125, 126, 65535, 65536};
    for (uint32_t mask : masks) {
        for (size_t len : lengths) {
            const std::string name = "len " + std::to_string(len) + " mask " + std::to_string(mask);
            const std::string t = text_of(len), b = binary_of(len);
            Bytes ft = client_write(Opcode::text, t, true, mask), fb = client_write(Opcode::binary, b, true, mask, 7);
            CHECK_EQ(ft.size(), (len < 126 ? 6 : len <= 0xFFFF ? 8 : 14) + len);
            Decoder d(kMax);
            Event e;
            CHECK_EQ(d.feed(ft.data(), ft.size(), e), ft.size());
            expect_same(summarize(e), ev("text", t), name + " text");
            CHECK_EQ(d.feed(fb.data(), fb.size(), e), fb.size());
            expect_same(summarize(e), ev("binary", b), name + " binary in pieces of 7");
        }
    }
    // Fragments and control frames, every split point.
    const uint32_t mask = mask_of({0xDE, 0xAD, 0xBE, 0xEF});
    const Bytes in = cat({client_write(Opcode::text, "Hello", false, mask, 3),
                          client_write(Opcode::ping, "are you there", true, mask + 1, 5),
                          client_write(Opcode::continuation, ", world", true, mask + 2, 1),
                          client_write(Opcode::close, close_body(1000, "done"), true, mask + 3)});
    check_all_feeds(in, ev("ping", "are you there") + "|" + ev("text", "Hello, world") + "|" + close_ev(1000, "done"));
}
