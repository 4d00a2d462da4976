// RSV1 under permessage-deflate (RFC 7692 section 6): once negotiated it
// marks a data message's first frame as compressed, and the Decoder reports
// the message whole, flagged and unchecked for UTF-8 (it is not text until
// inflated); everywhere else RSV1 is still a 1002.
#include <string>

#include "check.h"
#include "frame_feeds.h"
#include "ws/frame.h"

using namespace frame_test;

namespace {

constexpr uint8_t RSV1 = 0x40, RSV2 = 0x20, RSV3 = 0x10;

void check_compressed(const Bytes& in, const std::string& want, const std::string& name, uint64_t max = kMax) {
    check_all_feeds(in, want, max, name, true);
}

}  // namespace

TEST(frame_compressed_whole_messages_are_flagged_and_unchecked) {
    // Deflated bytes are rarely UTF-8: a compressed text frame is not checked.
    check_compressed(frame(FIN | RSV1 | TEXT, "\xF2\x48\xCD\xC9\xC9\x07\x00"),
                     ev("compressed text", "\xF2\x48\xCD\xC9\xC9\x07\x00"), "text");
    check_compressed(frame(FIN | RSV1 | BIN, "\x00\xFF"), ev("compressed binary", "\x00\xFF"), "binary");
    check_compressed(frame(FIN | RSV1 | TEXT, ""), ev("compressed text"), "empty");
    const std::string big = binary_of(70000);
    check_compressed(frame(FIN | RSV1 | TEXT, big), ev("compressed text", big), "64-bit length");
}

TEST(frame_compressed_fragments_carry_rsv1_on_the_first_only) {
    check_compressed(cat({frame(RSV1 | TEXT, "\xC0"), frame(FIN | PING, "p"), frame(CONT, "\xAF"),
                          frame(FIN | CONT, "z")}),
                     ev("ping", "p") + "|" + ev("compressed text", "\xC0\xAFz"), "text with a ping between");
    check_compressed(cat({frame(RSV1 | BIN, "ab"), frame(FIN | CONT, "cd")}), ev("compressed binary", "abcd"),
                     "binary");
}

TEST(frame_compressed_and_plain_messages_alternate) {
    // The flag belongs to one message: the next plain text is checked again.
    check_compressed(cat({frame(FIN | RSV1 | TEXT, "\xFF"), frame(FIN | TEXT, "ok"), frame(BIN, "a"),
                          frame(FIN | CONT, "b"), frame(RSV1 | TEXT, "\xFE"), frame(FIN | CONT, "\xFD")}),
                     ev("compressed text", "\xFF") + "|" + ev("text", "ok") + "|" + ev("binary", "ab") + "|" +
                         ev("compressed text", "\xFE\xFD"),
                     "alternating");
    check_compressed(cat({frame(FIN | RSV1 | TEXT, "\xFF"), frame(FIN | TEXT, "\xFF")}),
                     ev("compressed text", "\xFF") + "|" + err(1007), "plain text after compressed is checked");
}

TEST(frame_compressed_rsv1_elsewhere_is_a_protocol_error) {
    const struct {
        const char* name;
        Bytes in;
        std::string want;
    } cases[] = {
        {"rsv1 on a continuation", cat({frame(RSV1 | TEXT, "a"), frame(FIN | RSV1 | CONT, "b")}), err(1002)},
        {"rsv1 on a plain message's continuation", cat({frame(TEXT, "a"), frame(FIN | RSV1 | CONT, "b")}),
         err(1002)},
        {"rsv1 on ping", frame(FIN | RSV1 | PING, ""), err(1002)},
        {"rsv1 on pong", frame(FIN | RSV1 | PONG, "x"), err(1002)},
        {"rsv1 on close", frame(FIN | RSV1 | CLOSE, close_body(1000)), err(1002)},
        {"rsv1 on a ping inside a message", cat({frame(RSV1 | BIN, "a"), frame(FIN | RSV1 | PING, "")}), err(1002)},
        {"rsv2", frame(FIN | RSV2 | TEXT, "x"), err(1002)},
        {"rsv3", frame(FIN | RSV3 | BIN, "x"), err(1002)},
        {"rsv1 and rsv2", frame(FIN | RSV1 | RSV2 | TEXT, "x"), err(1002)},
        {"rsv1 on a reserved opcode", frame(FIN | RSV1 | 0x3, "x"), err(1002)},
    };
    for (const auto& c : cases) check_compressed(c.in, c.want, c.name);
}

TEST(frame_compressed_size_is_bounded_by_max_message) {
    check_compressed(frame(FIN | RSV1 | BIN, "12345"), err(1009), "whole", 4);
    check_compressed(cat({frame(RSV1 | BIN, "12"), frame(FIN | CONT, "345")}), err(1009), "fragments", 4);
}

TEST(frame_without_negotiation_rsv1_stays_an_error) {
    check_all_feeds(frame(FIN | RSV1 | TEXT, "x"), err(1002), kMax, "rsv1 text");
    check_all_feeds(cat({frame(FIN | TEXT, "a"), frame(FIN | RSV1 | BIN, "b")}), ev("text", "a") + "|" + err(1002),
                    kMax, "after a message");
}
