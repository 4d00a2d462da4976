// --fragment-size: a data frame's form in fragments (hub::make_fragmented,
// shared_fragmented), read back by a client-side decoder.
#include <string>
#include <vector>

#include "check.h"
#include "hub/frame.h"
#include "ws/frame.h"

using wshub::hub::Frame;

namespace {

struct Read {
    uint8_t op;
    bool fin;
    uint8_t rsv;
    std::string payload;
};

// The frames of f's bytes, header by header (server frames: unmasked).
std::vector<Read> frames_of(const Frame& f) {
    std::vector<Read> out;
    const uint8_t* p = f.data;
    const uint8_t* end = f.data + f.size;
    while (p < end) {
        const uint8_t b0 = p[0];
        uint64_t n = p[1] & 0x7F;
        size_t h = 2;
        if (n == 126) {
            n = uint64_t(p[2]) << 8 | p[3];
            h = 4;
        } else if (n == 127) {
            n = 0;
            for (int i = 0; i < 8; ++i) n = n << 8 | p[2 + i];
            h = 10;
        }
        out.push_back({uint8_t(b0 & 0x0F), (b0 & 0x80) != 0, uint8_t(b0 & 0x70),
                       std::string(reinterpret_cast<const char*>(p + h), size_t(n))});
        p += h + n;
    }
    CHECK(p == end);
    return out;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = char('a' + i % 26);
    return s;
}

}  // namespace

TEST(fragmented_splits_a_message_into_continuations) {
    const std::string msg = pattern(2500);
    Frame* f = wshub::hub::make_frame(wshub::ws::Opcode::text, msg);
    f->made_us = 1234;
    Frame* g = wshub::hub::make_fragmented(*f, 1000);
    const auto frames = frames_of(*g);
    CHECK_EQ(frames.size(), 3u);
    CHECK_EQ(frames[0].op, 1);
    CHECK(!frames[0].fin && !frames[1].fin && frames[2].fin);
    CHECK_EQ(frames[1].op, 0);
    CHECK_EQ(frames[2].op, 0);
    CHECK_EQ(frames[0].payload.size(), 1000u);
    CHECK_EQ(frames[2].payload.size(), 500u);
    CHECK_EQ(frames[0].payload + frames[1].payload + frames[2].payload, msg);
    CHECK_EQ(g->payload_len, f->payload_len);
    CHECK_EQ(g->made_us, 1234u);
    CHECK(!g->control);
    wshub::hub::release(g);
    wshub::hub::release(f);
}

TEST(fragmented_keeps_rsv1_on_the_first_and_a_piece_s_fin) {
    const std::string msg = pattern(300);
    Frame* z = wshub::hub::make_frame(wshub::ws::Opcode::binary, msg, /*compressed=*/true);
    Frame* g = wshub::hub::make_fragmented(*z, 128);
    auto frames = frames_of(*g);
    CHECK_EQ(frames.size(), 3u);
    CHECK_EQ(frames[0].rsv, 0x40);
    CHECK_EQ(frames[1].rsv, 0);
    CHECK_EQ(frames[2].rsv, 0);
    CHECK_EQ(frames[0].op, 2);
    wshub::hub::release(g);
    wshub::hub::release(z);
    // A middle piece of a message (a proxy's): continuations only, no FIN at its end.
    Frame* piece = wshub::hub::make_piece_frame(wshub::ws::Opcode::continuation, msg, /*fin=*/false);
    Frame* h = wshub::hub::make_fragmented(*piece, 100);
    frames = frames_of(*h);
    CHECK_EQ(frames.size(), 3u);
    for (const Read& r : frames) CHECK(r.op == 0 && !r.fin);
    wshub::hub::release(h);
    wshub::hub::release(piece);
}

TEST(shared_fragmented_is_made_once_and_spares_what_fits) {
    Frame* f = wshub::hub::make_frame(wshub::ws::Opcode::binary, pattern(5000));
    Frame* a = wshub::hub::shared_fragmented(f, 1024);
    Frame* b = wshub::hub::shared_fragmented(f, 1024);
    CHECK(a == b);
    CHECK(a != f);
    CHECK_EQ(frames_of(*a).size(), 5u);
    wshub::hub::release(a);
    wshub::hub::release(b);
    // One fragment's worth, and control frames, go as they are.
    Frame* small = wshub::hub::make_frame(wshub::ws::Opcode::text, pattern(1024));
    Frame* same = wshub::hub::shared_fragmented(small, 1024);
    CHECK(same == small);
    wshub::hub::release(same);
    wshub::hub::release(small);
    Frame* ping = wshub::hub::make_frame(wshub::ws::Opcode::ping, pattern(100));
    Frame* kept = wshub::hub::shared_fragmented(ping, 10);
    CHECK(kept == ping);
    wshub::hub::release(kept);
    wshub::hub::release(ping);
    wshub::hub::release(f);  // frees its fragmented form with it (asan: no leak)
}
