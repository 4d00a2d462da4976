// permessage-deflate end to end through a real Worker (connection_rig.h):
// the answer to an offer, compressed messages in (inflated for the mode, and
// refused with the right close code when bad) and out (a room message
// compressed once, the same bytes to every compressing member), and RSV1
// where nothing was negotiated.
#include <string>

#include "check.h"
#include "connection_rig.h"
#include "deflate/deflate.h"
#include "deflate/inflate.h"

using namespace wshub;
using namespace connection_test;

namespace {

const std::string kOffer = "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n";
const std::string kAnswer =
    "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n";

std::string compress(const std::string& message, unsigned window_bits = 15) {
    deflate::Deflater d({.level = 6, .window_bits = window_bits, .context_takeover = false});
    deflate::Buffer out;
    CHECK(d.compress(reinterpret_cast<const uint8_t*>(message.data()), message.size(), out));
    return {reinterpret_cast<const char*>(out.data()), out.size()};
}

// The message a compressed payload stands for; "<error>" if it is not one
// for a window of 2^window_bits.
std::string inflate(const std::string& payload, unsigned window_bits = 15) {
    deflate::Inflater in({.window_bits = window_bits, .context_takeover = false, .max_message = 1 << 24});
    std::string out(1 << 20, '\0');
    const auto r = in.inflate(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(),
                              reinterpret_cast<uint8_t*>(out.data()), out.size(), true);
    if (r.status != deflate::InflateResult::Status::message_end) return "<error>";
    out.resize(r.produced);
    return out;
}

// A JSON-like message that compresses well, `n` bytes.
std::string chat_text(size_t n) {
    std::string s;
    for (int i = 0; s.size() < n; ++i)
        s += "{\"type\":\"message\",\"room\":\"lobby\",\"user\":\"u" + std::to_string(i % 7) + "\",\"text\":\"hello\"}";
    s.resize(n);
    return s;
}

// The 101's head, read whole.
std::string upgrade_answer(Rig& rig, int fd, const std::string& target, const std::string& extra) {
    write_all(fd, upgrade_request(target, extra));
    rig.pump();
    return read_all(fd);
}

uint16_t close_code_of(const std::vector<Frame>& frames) {
    for (const Frame& f : frames)
        if (f.opcode == 0x8 && f.payload.size() >= 2) return uint16_t(uint8_t(f.payload[0]) << 8 | uint8_t(f.payload[1]));
    return 0;
}

}  // namespace

TEST(connection_deflate_answers_an_offer_on_routes_that_compress) {
    Rig rig({"--route", "/z=echo,compress", "--route", "/plain=echo"});
    const std::string z = upgrade_answer(rig, rig.connect(), "/z", kOffer);
    CHECK(z.rfind("HTTP/1.1 101", 0) == 0);
    CHECK(z.find(kAnswer) != std::string::npos);
    const std::string plain = upgrade_answer(rig, rig.connect(), "/plain", kOffer);
    CHECK(plain.rfind("HTTP/1.1 101", 0) == 0);
    CHECK(plain.find("Sec-WebSocket-Extensions") == std::string::npos);
    // The client's window for the server is honoured and named.
    const std::string narrow = upgrade_answer(
        rig, rig.connect(), "/z", "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n");
    CHECK(narrow.find("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                      "client_no_context_takeover; server_max_window_bits=10\r\n") != std::string::npos);
}

TEST(connection_deflate_malformed_header_is_a_400_where_it_is_read) {
    Rig rig({"--compression", "on"});
    const std::string bad = "Sec-WebSocket-Extensions: permessage-deflate; =1\r\n";
    CHECK_EQ(upgrade_answer(rig, rig.connect(), "/echo", bad).substr(0, 24), std::string("HTTP/1.1 400 Bad Request"));
    CHECK_EQ(rig.counters().rejected[size_t(metrics::Reject::bad_upgrade)].get(), 1u);
    // A declined offer is no error: the connection opens without compression.
    const std::string declined = upgrade_answer(
        rig, rig.connect(), "/echo", "Sec-WebSocket-Extensions: permessage-deflate; mystery\r\n");
    CHECK(declined.rfind("HTTP/1.1 101", 0) == 0);
    CHECK(declined.find("Sec-WebSocket-Extensions") == std::string::npos);
}

TEST(connection_deflate_echoes_compressed_and_small_messages_plain) {
    Rig rig({"--compression", "on"});
    const int c = rig.connect();
    CHECK(upgrade_answer(rig, c, "/echo", kOffer).find(kAnswer) != std::string::npos);
    const std::string big = chat_text(5000);
    write_all(c, masked(0x40 | 0x1, compress(big)) + masked(0x1, "tiny") + masked(0x40 | 0x2, compress("xy")));
    rig.pump();
    const auto got = frames_of(read_all(c));
    CHECK_EQ(got.size(), 3u);
    if (got.size() == 3) {
        CHECK(got[0].rsv1);
        CHECK_LT(got[0].payload.size(), big.size() / 4);
        CHECK_EQ(inflate(got[0].payload), big);
        CHECK(!got[1].rsv1);  // under --compression-min-size
        CHECK_EQ(got[1].payload, std::string("tiny"));
        CHECK(!got[2].rsv1);
        CHECK_EQ(int(got[2].opcode), 0x2);
        CHECK_EQ(got[2].payload, std::string("xy"));
    }
    CHECK_EQ(rig.counters().messages_received.get(), 3u);
    CHECK_EQ(rig.counters().deflate_received[size_t(metrics::DeflateForm::uncompressed)].get(), big.size() + 2);
    CHECK_EQ(rig.counters().deflate_sent[size_t(metrics::DeflateForm::uncompressed)].get(), big.size());
}

TEST(connection_deflate_room_message_is_compressed_once_for_all_members) {
    Rig rig({"--compression", "on"});
    const int pub = rig.connect(), a = rig.connect(), b = rig.connect(), plain = rig.connect();
    CHECK(open_ws(rig, pub, "/raw?room=r"));
    upgrade_answer(rig, a, "/raw?room=r", kOffer);
    upgrade_answer(rig, b, "/raw?room=r", kOffer);
    CHECK(open_ws(rig, plain, "/raw?room=r"));
    const std::string message = chat_text(1024);
    write_all(pub, masked(0x1, message));
    rig.pump();
    const auto got_a = frames_of(read_all(a)), got_b = frames_of(read_all(b)), got_plain = frames_of(read_all(plain));
    CHECK_EQ(got_a.size(), 1u);
    CHECK_EQ(got_b.size(), 1u);
    CHECK_EQ(got_plain.size(), 1u);
    if (got_a.size() == 1 && got_b.size() == 1 && got_plain.size() == 1) {
        CHECK(got_a[0].rsv1 && got_b[0].rsv1 && !got_plain[0].rsv1);
        CHECK_EQ(got_a[0].payload, got_b[0].payload);
        CHECK_EQ(inflate(got_a[0].payload), message);
        CHECK_EQ(got_plain[0].payload, message);
    }
}

TEST(connection_deflate_narrow_window_gets_its_own_compression) {
    Rig rig({"--compression", "on"});
    const int pub = rig.connect(), narrow = rig.connect();
    CHECK(open_ws(rig, pub, "/raw?room=r"));
    upgrade_answer(rig, narrow, "/raw?room=r",
                   "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n");
    // Repeats 600 bytes apart: a 2^15 window would refer back past 2^9.
    std::string message = chat_text(600);
    message += message + message;
    write_all(pub, masked(0x1, message));
    rig.pump();
    const auto got = frames_of(read_all(narrow));
    CHECK_EQ(got.size(), 1u);
    if (got.size() == 1) {
        CHECK(got[0].rsv1);
        CHECK_EQ(inflate(got[0].payload, 9), message);
    }
}

TEST(connection_deflate_bad_messages_get_their_close_codes) {
    struct {
        const char* name;
        std::string frame;
        uint16_t code;
    } cases[] = {
        {"not deflate", masked(0x40 | 0x2, std::string("\xff\xff\xff\xff", 4)), 1007},
        {"text not utf-8 once inflated", masked(0x40 | 0x1, compress("ok \xC0\xAF")), 1007},
        {"inflates past --max-message", masked(0x40 | 0x2, compress(std::string(70000, '\0'))), 1009},
        {"rsv1 on a ping", masked(0x40 | 0x9, ""), 1002},
        {"rsv1 on a continuation", masked(0x40 | 0x2, "").replace(0, 1, 1, char(0x40 | 0x2)) +
                                        masked(0x40 | 0x0, "x"), 1002},
    };
    for (const auto& c : cases) {
        Rig rig({"--compression", "on", "--max-message", "64KiB"});
        const int fd = rig.connect();
        upgrade_answer(rig, fd, "/echo", kOffer);
        write_all(fd, c.frame + masked(0x1, "after"));
        rig.pump();
        const auto got = frames_of(read_all(fd));
        CHECK_EQ(std::string(c.name) + ": " + std::to_string(close_code_of(got)),
                 std::string(c.name) + ": " + std::to_string(c.code));
        CHECK_EQ(rig.counters().messages_received.get(), 0u);
    }
}

TEST(connection_deflate_rsv1_without_negotiation_is_a_1002) {
    Rig rig({"--compression", "on"});
    const int fd = rig.connect();
    CHECK(open_ws(rig, fd, "/echo"));  // no offer
    write_all(fd, masked(0x40 | 0x1, compress("hello there")));
    rig.pump();
    CHECK_EQ(close_code_of(frames_of(read_all(fd))), 1002);
}

TEST(connection_deflate_a_bad_stream_leaves_the_worker_able_to_inflate) {
    Rig rig({"--compression", "on"});
    const int bad = rig.connect(), good = rig.connect();
    upgrade_answer(rig, bad, "/echo", kOffer);
    upgrade_answer(rig, good, "/echo", kOffer);
    write_all(bad, masked(0x40 | 0x2, std::string("\x07\x00", 2)));  // BTYPE 11
    rig.pump();
    const std::string message = chat_text(300);
    write_all(good, masked(0x40 | 0x1, compress(message)));
    rig.pump();
    const auto got = frames_of(read_all(good));
    CHECK_EQ(got.size(), 1u);
    if (got.size() == 1) CHECK_EQ(inflate(got[0].payload), message);
}

// A slot freed by a compressing connection and taken by one that did not
// negotiate: nothing of the first one's agreement is left.
TEST(connection_deflate_agreement_ends_with_its_connection) {
    Rig rig({"--compression", "on"});
    const int first = rig.connect();
    upgrade_answer(rig, first, "/echo", kOffer);
    write_all(first, masked(0x8, std::string("\x03\xe8", 2)));
    rig.pump();
    read_all(first);
    CHECK_EQ(rig.counters().closed[size_t(metrics::CloseBucket::c1000)].get(), 1u);
    const int second = rig.connect();  // takes the freed slot
    CHECK(open_ws(rig, second, "/echo"));
    const std::string message = chat_text(2000);
    write_all(second, masked(0x1, message) + masked(0x40 | 0x1, compress(message)));
    rig.pump();
    const auto got = frames_of(read_all(second));
    CHECK(!got.empty());
    if (!got.empty()) {
        CHECK(!got[0].rsv1);
        CHECK_EQ(got[0].payload, message);
    }
    CHECK_EQ(close_code_of(got), 1002);  // RSV1 is not this connection's to use
}
