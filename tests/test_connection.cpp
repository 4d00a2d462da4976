// Connections on a real Worker without threads or a listener: sockets come
// from socketpair() (Worker::adopt), and the test runs the worker's loop one
// pass at a time (Worker::step), then reads what the server wrote. So the
// upgrade, frames, the close handshake, rooms and --overflow run end to end
// through the worker, deterministically.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <string>
#include <vector>

#include "app/log.h"
#include "app/shared.h"
#include "app/worker.h"
#include "check.h"
#include "config/config.h"
#include "http/upgrade.h"
#include "modes/modes.h"

using namespace wshub;

namespace {

// A worker with the configuration these flags give, and the built-in modes.
struct Rig {
    config::Config cfg;
    std::unique_ptr<wshub::Handler> echo = modes::make_echo();
    std::unique_ptr<wshub::Handler> raw = modes::make_raw({});
    std::unique_ptr<wshub::Handler> json = modes::make_json({});
    std::unique_ptr<app::Shared> shared;
    std::unique_ptr<app::Worker> worker;

    explicit Rig(std::vector<const char*> flags = {}) {
        flags.insert(flags.begin(), {"wshub", "--workers", "1", "--log-level", "error"});
        const auto result = config::parse(int(flags.size()), flags.data(), nullptr, cfg);
        CHECK(result.action == config::ParseResult::Action::run);
        app::set_log_level(cfg.log_level);
        shared = std::make_unique<app::Shared>(cfg);
        shared->builtin[int(config::RouteMode::echo)] = echo.get();
        shared->builtin[int(config::RouteMode::raw)] = raw.get();
        shared->builtin[int(config::RouteMode::json)] = json.get();
        shared->map_routes();
        worker = std::make_unique<app::Worker>(*shared, 0);
        shared->workers.push_back(worker.get());
    }
    ~Rig() {
        worker->request_stop();
        worker->run();  // closes what is left
        app::set_log_level(config::LogLevel::info);  // the default, for the tests after
    }

    // A client socket whose server end the worker owns. rcvbuf: the client's
    // receive buffer (and the server end's send buffer), to make a slow reader.
    int connect(int rcvbuf = 0) {
        int fd[2];
        CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd), 0);
        if (rcvbuf) {
            setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &rcvbuf, sizeof rcvbuf);
            setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
        }
        worker->adopt(fd[0], *net::parse_address("127.0.0.1:40000"));
        clients.push_back(fd[1]);
        return fd[1];
    }
    void pump(int passes = 4) {
        for (int i = 0; i < passes; ++i) worker->step(0);
    }
    const metrics::WorkerCounters& counters() const { return worker->counters(); }

    std::vector<int> clients;
};

std::string read_all(int fd) {
    std::string got;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, size_t(n));
    return got;
}

void write_all(int fd, const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
        const ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
        CHECK_GT(n, 0);
        if (n <= 0) return;
        off += size_t(n);
    }
}

constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";

std::string upgrade_request(const std::string& target) {
    return "GET " + target + " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: " + std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n\r\n";
}

// A client frame: FIN, masked.
std::string masked(uint8_t opcode, const std::string& payload) {
    std::string f;
    f += char(0x80 | opcode);
    if (payload.size() < 126) {
        f += char(0x80 | payload.size());
    } else {
        f += char(0x80 | 126);
        f += char(payload.size() >> 8);
        f += char(payload.size() & 0xFF);
    }
    const char mask[4] = {1, 2, 3, 4};
    f.append(mask, 4);
    for (size_t i = 0; i < payload.size(); ++i) f += char(payload[i] ^ mask[i % 4]);
    return f;
}

struct Frame {
    uint8_t opcode;
    std::string payload;
};

// The server's frames in `bytes` (unmasked, lengths under 64 KiB).
std::vector<Frame> frames_of(const std::string& bytes) {
    std::vector<Frame> out;
    size_t p = 0;
    while (p + 2 <= bytes.size()) {
        size_t n = uint8_t(bytes[p + 1]) & 0x7F, head = 2;
        if (n == 126) {
            if (p + 4 > bytes.size()) break;
            n = size_t(uint8_t(bytes[p + 2])) << 8 | uint8_t(bytes[p + 3]);
            head = 4;
        }
        if (p + head + n > bytes.size()) break;
        out.push_back({uint8_t(bytes[p] & 0x0F), bytes.substr(p + head, n)});
        p += head + n;
    }
    return out;
}

// Upgrades `fd` on `target`; true on a 101 with the right accept key.
bool open_ws(Rig& rig, int fd, const std::string& target) {
    write_all(fd, upgrade_request(target));
    rig.pump();
    const std::string got = read_all(fd);
    return got.rfind("HTTP/1.1 101", 0) == 0 &&
           got.find("Sec-WebSocket-Accept: " + http::accept_key(kKey) + "\r\n") != std::string::npos &&
           got.size() == got.find("\r\n\r\n") + 4;
}

}  // namespace

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
