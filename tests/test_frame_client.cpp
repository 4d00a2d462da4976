// A client's Decoder (Side::client): server frames read unmasked and in
// place, a masked one refused. (Every input of test_frame*.cpp also runs,
// masking flipped, through a client's Decoder: see check_all_feeds in
// frame_feeds.h, and its helper, tested last here.)
#include <string>
#include <vector>

#include "check.h"
#include "frame_feeds.h"
#include "ws/frame.h"

using namespace frame_test;

namespace {

// An unmasked server frame.
Bytes server_frame(uint8_t b0, std::string_view payload) {
    Bytes f = header(b0, payload.size(), 0, false);
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

}  // namespace

TEST(frame_client_reads_unmasked_frames_in_place) {
    Bytes in = server_frame(FIN | TEXT, "hello");
    Decoder d(kMax, Side::client);
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), in.size());
    CHECK_EQ(summarize(e), ev("text", "hello"));
    CHECK(e.first && e.last);
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == in.data() + 2);
    // Split: reassembled, nothing unmasked.
    const std::string big = binary_of(300);
    Bytes in2 = server_frame(FIN | BIN, big);
    CHECK_EQ(d.feed(in2.data(), 100, e), size_t{100});
    CHECK_EQ(e.kind, Event::Kind::none);
    CHECK_EQ(d.feed(in2.data() + 100, in2.size() - 100, e), in2.size() - 100);
    CHECK_EQ(summarize(e), ev("binary", big));
    Bytes ping = server_frame(FIN | PING, "p");
    CHECK_EQ(d.feed(ping.data(), ping.size(), e), ping.size());
    CHECK_EQ(summarize(e), ev("ping", "p"));
    CHECK(reinterpret_cast<const uint8_t*>(e.payload.data()) == ping.data() + 2);
}

TEST(frame_client_refuses_masked_frames) {
    const struct {
        const char* name;
        Bytes in;
        size_t masked_at;  // where the masked frame starts
    } cases[] = {
        {"text", frame(FIN | TEXT, "hi"), 0},
        {"binary 16-bit", frame(FIN | BIN, binary_of(200)), 0},
        {"ping", frame(FIN | PING, ""), 0},
        {"close", frame(FIN | CLOSE, close_body(1000)), 0},
        {"continuation", cat({server_frame(TEXT, "a"), frame(FIN | CONT, "b")}), 3},
    };
    for (const auto& c : cases) {
        Bytes in = c.in;
        Decoder d(kMax, Side::client);
        Event e;
        size_t off = 0;
        do off += d.feed(in.data() + off, in.size() - off, e);
        while (e.kind != Event::Kind::error && off < in.size());
        // Decided at the frame's second byte, before its length or payload.
        expect_same(summarize(e) + " " + std::string(e.reason) + " after " + std::to_string(off),
                    err(1002) + " server frame masked after " + std::to_string(c.masked_at + 2), c.name);
    }
    // And a server still refuses unmasked frames, with its own reason.
    Bytes in = server_frame(FIN | TEXT, "hi");
    Decoder d(kMax);
    Event e;
    CHECK_EQ(d.feed(in.data(), in.size(), e), size_t{2});
    CHECK_EQ(summarize(e) + " " + std::string(e.reason), err(1002) + " client frame not masked");
}

// The helper that runs every frame test on the client side too.
TEST(frame_flip_masking_helper) {
    CHECK(flip_masking(frame(FIN | TEXT, "hello")) == server_frame(FIN | TEXT, "hello"));
    CHECK(flip_masking(server_frame(FIN | BIN, "ab")) == frame(FIN | BIN, "ab", 0, {0, 0, 0, 0}));
    const Bytes two = cat({frame(TEXT, binary_of(300)), frame(FIN | CONT, "z")});
    CHECK(flip_masking(two) == cat({server_frame(TEXT, binary_of(300)), server_frame(FIN | CONT, "z")}));
    // Cut inside the second frame's key: the mirror stops before that frame.
    const Bytes first = server_frame(TEXT, binary_of(300));
    size_t mirrored = 0;
    CHECK(flip_masking(Bytes(two.begin(), two.begin() + 308 + 4), &mirrored) == first);
    CHECK_EQ(mirrored, size_t{308});
    // Cut inside a payload: as far as it goes (8 header bytes, 92 payload).
    const Bytes first_96(first.begin(), first.begin() + 4 + 92);
    CHECK(flip_masking(Bytes(two.begin(), two.begin() + 100), &mirrored) == first_96);
    CHECK_EQ(mirrored, size_t{100});
}
