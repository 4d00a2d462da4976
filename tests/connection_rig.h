// Connections on a real Worker without threads or a listener: sockets come
// from socketpair() (Worker::adopt), and a test runs the worker's loop one
// pass at a time (Worker::step), then reads what the server wrote. Shared by
// test_connection*.cpp.
#pragma once

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

namespace connection_test {

using namespace wshub;


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

inline std::string read_all(int fd) {
    std::string got;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, size_t(n));
    return got;
}

inline void write_all(int fd, const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
        const ssize_t n = write(fd, bytes.data() + off, bytes.size() - off);
        CHECK_GT(n, 0);
        if (n <= 0) return;
        off += size_t(n);
    }
}

inline constexpr const char* kKey = "dGhlIHNhbXBsZSBub25jZQ==";

inline std::string upgrade_request(const std::string& target, const std::string& extra_headers = "") {
    return "GET " + target + " HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Key: " + std::string(kKey) + "\r\nSec-WebSocket-Version: 13\r\n" + extra_headers + "\r\n";
}

// A client frame: FIN, masked.
inline std::string masked(uint8_t opcode, const std::string& payload) {
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
    bool rsv1 = false;  // permessage-deflate: the payload is compressed
};

// The server's frames in `bytes` (unmasked, lengths under 64 KiB).
inline std::vector<Frame> frames_of(const std::string& bytes) {
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
        out.push_back({uint8_t(bytes[p] & 0x0F), bytes.substr(p + head, n), (bytes[p] & 0x40) != 0});
        p += head + n;
    }
    return out;
}

// Upgrades `fd` on `target`; true on a 101 with the right accept key.
inline bool open_ws(Rig& rig, int fd, const std::string& target, const std::string& extra_headers = "") {
    write_all(fd, upgrade_request(target, extra_headers));
    rig.pump();
    const std::string got = read_all(fd);
    return got.rfind("HTTP/1.1 101", 0) == 0 &&
           got.find("Sec-WebSocket-Accept: " + http::accept_key(kKey) + "\r\n") != std::string::npos &&
           got.size() == got.find("\r\n\r\n") + 4;
}

}  // namespace connection_test
