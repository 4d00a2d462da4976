// Connections on a real Worker without threads or a listener: sockets come
// from socketpair() (Worker::adopt), and the test runs the worker's loop one
// pass at a time (Worker::step), then reads what the server wrote. So the
// upgrade, frames, the close handshake, rooms and --overflow run end to end
// through the worker, deterministically.
#include <string>

#include "check.h"
#include "connection_rig.h"

using namespace wshub;
using namespace connection_test;

TEST(connection_upgrades_and_echoes) {
    Rig rig;
    const int c = rig.connect();
    CHECK(open_ws(rig, c, "/echo"));
    write_all(c, masked(0x1, "hello") + masked(0x2, std::string(300, 'b')));
    rig.pump();
    const auto got = frames_of(read_all(c));
    CHECK_EQ(got.size(), 2u);
    if (got.size() == 2) {
        CHECK_EQ(int(got[0].opcode), 0x1);
        CHECK_EQ(got[0].payload, std::string("hello"));
        CHECK_EQ(int(got[1].opcode), 0x2);
        CHECK_EQ(got[1].payload.size(), 300u);
    }
    CHECK_EQ(rig.counters().upgraded.get(), 1u);
    CHECK_EQ(rig.counters().messages_received.get(), 2u);
}

TEST(connection_answers_ping_and_the_close_handshake) {
    Rig rig;
    const int c = rig.connect();
    CHECK(open_ws(rig, c, "/echo"));
    write_all(c, masked(0x9, "are you there"));
    rig.pump();
    auto got = frames_of(read_all(c));
    CHECK_EQ(got.size(), 1u);
    if (!got.empty()) {
        CHECK_EQ(int(got[0].opcode), 0xA);
        CHECK_EQ(got[0].payload, std::string("are you there"));
    }
    write_all(c, masked(0x8, std::string("\x03\xe8", 2) + "bye"));
    rig.pump();
    char buf[64];
    const ssize_t n = read(c, buf, sizeof buf);
    CHECK_EQ(n, 4);  // the close frame: code 1000, no reason
    if (n == 4) CHECK_EQ(std::string(buf, 4), std::string("\x88\x02\x03\xe8", 4));
    CHECK_EQ(read(c, buf, sizeof buf), 0);  // then the server closes
    CHECK_EQ(rig.counters().closed[size_t(metrics::CloseBucket::c1000)].get(), 1u);
}

TEST(connection_refuses_a_bad_request_before_the_upgrade) {
    Rig rig;
    const int c = rig.connect();
    write_all(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");  // no Upgrade
    rig.pump();
    const std::string got = read_all(c);
    CHECK_EQ(got.substr(0, 24), std::string("HTTP/1.1 400 Bad Request"));
    CHECK_EQ(rig.counters().rejected[size_t(metrics::Reject::bad_upgrade)].get(), 1u);
    CHECK_EQ(rig.counters().upgraded.get(), 0u);
}

TEST(connection_room_messages_reach_the_other_members_in_order) {
    Rig rig;
    const int a = rig.connect(), b = rig.connect(), outsider = rig.connect();
    CHECK(open_ws(rig, a, "/raw?room=r"));
    CHECK(open_ws(rig, b, "/raw?room=r"));
    CHECK(open_ws(rig, outsider, "/raw?room=other"));
    std::string burst;
    for (int i = 0; i < 100; ++i) burst += masked(0x1, "m" + std::to_string(i));
    write_all(a, burst);
    rig.pump();
    const auto got = frames_of(read_all(b));
    CHECK_EQ(got.size(), 100u);
    for (size_t i = 0; i < got.size(); ++i) CHECK_EQ(got[i].payload, "m" + std::to_string(i));
    CHECK(read_all(a).empty());
    CHECK(read_all(outsider).empty());
}

// A member that does not read is closed (1008) once its queue is over the
// budget and its socket is full, under the default --overflow close.
TEST(connection_slow_consumer_is_closed) {
    Rig rig({"--queue-messages", "8"});
    const int pub = rig.connect(), slow = rig.connect(4096);
    CHECK(open_ws(rig, pub, "/raw?room=r"));
    CHECK(open_ws(rig, slow, "/raw?room=r"));
    for (int round = 0; round < 20 && rig.counters().slow_consumer_closes.get() == 0; ++round) {
        std::string burst;
        for (int i = 0; i < 16; ++i) burst += masked(0x2, std::string(1000, 'x'));
        write_all(pub, burst);
        rig.pump();
    }
    CHECK_EQ(rig.counters().slow_consumer_closes.get(), 1u);
    CHECK_EQ(rig.counters().closed[size_t(metrics::CloseBucket::c1008)].get(), 1u);
}

// Under --overflow block a publisher whose member's queue is full is not
// read; once the member reads, everything reaches it, in order, none lost.
TEST(connection_block_holds_the_publisher_until_the_member_reads) {
    Rig rig({"--overflow", "block", "--queue-messages", "4", "--block-timeout", "60s"});
    const int pub = rig.connect(), slow = rig.connect(4096);
    CHECK(open_ws(rig, pub, "/raw?room=r"));
    CHECK(open_ws(rig, slow, "/raw?room=r"));
    constexpr int kMessages = 200;
    std::string burst;
    for (int i = 0; i < kMessages; ++i) burst += masked(0x2, std::to_string(i) + std::string(500, 'y'));
    write_all(pub, burst);
    rig.pump();
    CHECK_GE(rig.counters().parked.get(), 1u);
    CHECK_LT(rig.counters().messages_received.get(), uint64_t(kMessages));  // held back
    std::string got;
    for (int round = 0; round < 200 && frames_of(got).size() < size_t(kMessages); ++round) {
        got += read_all(slow);
        rig.pump(1);
    }
    const auto frames = frames_of(got);
    CHECK_EQ(frames.size(), size_t(kMessages));
    for (size_t i = 0; i < frames.size(); ++i) CHECK_EQ(frames[i].payload.substr(0, std::to_string(i).size()), std::to_string(i));
    CHECK_EQ(rig.counters().messages_received.get(), uint64_t(kMessages));
    CHECK_EQ(rig.counters().dropped[size_t(metrics::Drop::block_timeout)].get(), 0u);
}
