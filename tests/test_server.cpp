// wshub::Server through its public API, as an embedder uses it: start()
// gives its errors as values, stop() drains and wait() says how it went,
// stop_now() cuts, the process's signals are left alone, reload() reads the
// secrets' files again; and a mode's on_upgrade sees the request's headers,
// peer and subprotocols.
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "temp_file.h"
#include "wshub/server.h"

namespace {

sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

// A port the kernel picked, released again.
uint16_t free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    close(fd);
    return ntohs(a.sin_port);
}

wshub::Options quiet_options(uint16_t port) {
    wshub::Options o;
    o.listen = "127.0.0.1:" + std::to_string(port);
    o.workers = 2;
    o.log_level = "error";
    return o;
}

// stderr to /dev/null while alive: for the error line a refused start logs.
struct MutedStderr {
    int saved = dup(STDERR_FILENO);
    MutedStderr() {
        const int null = open("/dev/null", O_WRONLY);
        dup2(null, STDERR_FILENO);
        close(null);
    }
    ~MutedStderr() {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
};

// A blocking WebSocket client, enough for these tests: one upgrade, small
// frames, every read bounded by a 5 s timeout.
struct Client {
    int fd = -1;
    explicit Client(uint16_t port) {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        const timeval five{5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &five, sizeof five);
        const sockaddr_in a = loopback(port);
        if (connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
            close(fd);
            fd = -1;
        }
    }
    ~Client() {
        if (fd >= 0) close(fd);
    }
    uint16_t local_port() const {
        sockaddr_in a{};
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        return ntohs(a.sin_port);
    }
    bool send_bytes(std::string_view s) const { return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size()); }
    // The response's status line ("" on EOF or timeout).
    std::string upgrade(std::string_view path, std::string_view extra_headers = {}) const {
        send_bytes(std::string("GET ") + std::string(path) + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                   "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                   "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + std::string(extra_headers) + "\r\n");
        std::string head;
        char ch;
        while (head.find("\r\n\r\n") == std::string::npos && recv(fd, &ch, 1, 0) == 1) head += ch;
        return head.substr(0, head.find("\r\n"));
    }
    // A masked frame (mask 0: the payload goes as it is).
    bool send_frame(uint8_t opcode, std::string_view payload) const {
        std::string f{char(0x80 | opcode), char(0x80 | payload.size()), 0, 0, 0, 0};
        return send_bytes(f + std::string(payload));
    }
    bool read_exact(void* out, size_t n) const {
        for (size_t got = 0; got < n;) {
            const ssize_t r = recv(fd, static_cast<char*>(out) + got, n - got, 0);
            if (r <= 0) return false;
            got += size_t(r);
        }
        return true;
    }
    // The next frame's opcode and payload (opcode 0xff: none came).
    std::pair<uint8_t, std::string> read_frame() const {
        uint8_t h[2];
        if (!read_exact(h, 2) || (h[1] & 0x7f) > 125) return {0xff, {}};
        std::string payload(h[1] & 0x7f, '\0');
        if (!read_exact(payload.data(), payload.size())) return {0xff, {}};
        return {uint8_t(h[0] & 0x0f), payload};
    }
};

uint16_t close_code_of(const std::string& payload) {
    return payload.size() < 2 ? 0 : uint16_t(uint8_t(payload[0]) << 8 | uint8_t(payload[1]));
}

bool same_mask(const sigset_t& a, const sigset_t& b) {
    for (int sig : {SIGINT, SIGTERM, SIGCHLD, SIGPIPE, SIGHUP, SIGUSR1})
        if (sigismember(&a, sig) != sigismember(&b, sig)) return false;
    return true;
}

}  // namespace

TEST(server_start_refuses_bad_options_as_a_value) {
    wshub::Options o = quiet_options(free_port());
    o.workers = 300;
    wshub::Server bad(o);
    const wshub::Status s = bad.start();
    CHECK(!s);
    CHECK_EQ(s.message, "wshub: --workers: expected an integer from 1 to 64, got '300'");
    CHECK_EQ(bad.wait(), 1);

    struct Quiet final : wshub::Handler {
        void on_message(wshub::Conn&, std::string_view, wshub::MessageType) override {}
    } quiet;
    wshub::Server clash(quiet_options(free_port()));
    clash.add_mode("json", quiet);
    CHECK_EQ(clash.start().message, "wshub: custom mode 'json' clashes with a built-in mode or has no handler");

    wshub::Options unknown = quiet_options(free_port());
    unknown.routes = {"/q=quiet"};
    CHECK_EQ(wshub::Server(unknown).start().message.substr(0, 34), "wshub: --route: expected PATH=MODE");
}

TEST(server_start_reports_an_address_in_use) {
    const uint16_t port = free_port();
    const int holder = socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in a = loopback(port);
    CHECK_EQ(bind(holder, reinterpret_cast<const sockaddr*>(&a), sizeof a), 0);
    CHECK_EQ(listen(holder, 4), 0);
    wshub::Server server(quiet_options(port));
    wshub::Status s;
    {
        MutedStderr muted;
        s = server.start();
    }
    CHECK(!s);
    const std::string expect = "wshub: cannot listen on 127.0.0.1:" + std::to_string(port) + ": bind";
    CHECK_EQ(s.message.substr(0, expect.size()), expect);
    CHECK_EQ(server.wait(), 1);
    close(holder);
}

TEST(server_serves_then_drains_leaving_signals_alone) {
    sigset_t before, after;
    struct sigaction pipe_before {}, pipe_after {};
    pthread_sigmask(SIG_BLOCK, nullptr, &before);
    sigaction(SIGPIPE, nullptr, &pipe_before);

    const uint16_t port = free_port();
    wshub::Options o = quiet_options(port);
    o.routes = {"/echo=echo"};
    wshub::Server server(o);
    const wshub::Status s = server.start();
    CHECK(s.ok);
    CHECK_EQ(s.message, "");
    pthread_sigmask(SIG_BLOCK, nullptr, &after);
    sigaction(SIGPIPE, nullptr, &pipe_after);
    CHECK(same_mask(before, after));
    CHECK(pipe_before.sa_handler == pipe_after.sa_handler);

    Client c(port);
    CHECK_EQ(c.upgrade("/echo"), "HTTP/1.1 101 Switching Protocols");
    CHECK(c.send_frame(0x1, "hello"));
    const auto echoed = c.read_frame();
    CHECK_EQ(int(echoed.first), 0x1);
    CHECK_EQ(echoed.second, "hello");

    server.stop();
    const auto close = c.read_frame();
    CHECK_EQ(int(close.first), 0x8);
    CHECK_EQ(close_code_of(close.second), 1001);
    CHECK(c.send_frame(0x8, close.second.substr(0, 2)));
    CHECK_EQ(server.wait(), 0);
    CHECK_EQ(server.wait(), 0);  // and again: the same status
    CHECK_EQ(Client(port).fd, -1);  // nothing listens any more
}

TEST(server_stop_now_cuts_and_wait_says_1) {
    const uint16_t port = free_port();
    wshub::Options o = quiet_options(port);
    o.drain_timeout = std::chrono::seconds(30);
    o.close_timeout = std::chrono::seconds(30);
    wshub::Server server(o);
    CHECK(server.start().ok);
    Client holder(port);
    CHECK_EQ(holder.upgrade("/echo"), "HTTP/1.1 101 Switching Protocols");
    server.stop();
    CHECK_EQ(close_code_of(holder.read_frame().second), 1001);  // read, never answered
    server.stop_now();
    CHECK_EQ(server.wait(), 1);
    CHECK_EQ(int(holder.read_frame().first), 0xff);  // cut: EOF
}

TEST(server_destructor_stops_and_waits) {
    const uint16_t port = free_port();
    {
        wshub::Server server(quiet_options(port));
        CHECK(server.start().ok);
        CHECK(Client(port).fd >= 0);
    }
    CHECK_EQ(Client(port).fd, -1);
}

namespace {

// Copies what on_upgrade saw (its views end with the call), and stops the
// server when told to, from its callback.
struct Probe final : wshub::Handler {
    wshub::Server* server = nullptr;
    std::string path, query, one, multi, peer_ip, protocol, offered, missing = "unset";
    uint16_t peer_port = 0;
    size_t header_count = 0;
    bool sigterm_blocked = true;

    int on_upgrade(wshub::Conn&, const wshub::UpgradeRequest& req, std::string&) override {
        path = req.path;
        query = req.query;
        header_count = req.headers.size();
        one = req.header("X-PROBE").value_or("(none)");
        missing = req.header("x-absent").value_or("(none)");
        req.for_each_header("x-multi", [&](std::string_view v) { multi += std::string(v) + ";"; });
        peer_ip = req.peer.ip;
        peer_port = req.peer.port;
        protocol = req.protocol;
        req.for_each_offered_protocol([&](std::string_view p) { offered += std::string(p) + ";"; });
        sigset_t mask;
        pthread_sigmask(SIG_BLOCK, nullptr, &mask);
        sigterm_blocked = sigismember(&mask, SIGTERM);
        return 0;
    }
    void on_message(wshub::Conn&, std::string_view data, wshub::MessageType) override {
        if (data == "stop") server->stop();
    }
};

}  // namespace

TEST(server_on_upgrade_sees_headers_peer_and_subprotocols) {
    const uint16_t port = free_port();
    wshub::Options o = quiet_options(port);
    o.routes = {"/probe=probe"};
    o.subprotocols = {"chat.v2", "chat.v1"};
    wshub::Server server(o);
    Probe probe;
    probe.server = &server;
    server.add_mode("probe", probe);
    CHECK(server.start().ok);
    Client c(port);
    CHECK_EQ(c.upgrade("/probe?room=a%20b", "x-probe: one\r\nX-Multi: 1\r\nSec-WebSocket-Protocol: chat.v1 , x\r\n"
                                            "x-multi: 2\r\nSec-WebSocket-Protocol: chat.v2\r\n"),
             "HTTP/1.1 101 Switching Protocols");
    CHECK_EQ(probe.path, "/probe");
    CHECK_EQ(probe.query, "room=a%20b");
    CHECK_EQ(probe.header_count, 10u);
    CHECK_EQ(probe.one, "one");
    CHECK_EQ(probe.missing, "(none)");
    CHECK_EQ(probe.multi, "1;2;");
    CHECK_EQ(probe.peer_ip, "127.0.0.1");
    CHECK_EQ(probe.peer_port, c.local_port());
    CHECK_EQ(probe.offered, "chat.v1;x;chat.v2;");
    CHECK_EQ(probe.protocol, "chat.v1");  // the client's first offer the server has
    CHECK(!probe.sigterm_blocked);        // the workers got this thread's mask, untouched

    CHECK(c.send_frame(0x1, "stop"));  // stop() from a callback
    CHECK_EQ(close_code_of(c.read_frame().second), 1001);
    CHECK(c.send_frame(0x8, "\x03\xe9"));
    CHECK_EQ(server.wait(), 0);
}

namespace {

// An HS256 token with no claims, signed with `secret`.
std::string token_of(std::string_view secret) {
    const std::string input = wshub::crypto::base64url_encode(R"({"alg":"HS256"})") + "." +
                              wshub::crypto::base64url_encode("{}");
    const auto mac = wshub::crypto::hmac_sha256(secret, input);
    return input + "." + wshub::crypto::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

void write_file(const std::string& path, std::string_view text) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return;
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
}

std::string upgrade_with(uint16_t port, std::string_view secret) {
    return Client(port).upgrade("/p?token=" + token_of(secret));
}

}  // namespace

// reload() only while running; a good file swaps the secrets in, a bad one
// keeps them and says which file, and open connections stay.
TEST(server_reload_reads_the_secrets_files_again) {
    const TempFile secret("first secret\n");
    const uint16_t port = free_port();
    wshub::Options o = quiet_options(port);
    o.routes = {"/p=echo,auth"};
    o.jwt_secret_files = {secret.path};
    wshub::Server server(o);
    CHECK(!server.reload());  // not started

    CHECK(server.start().ok);
    const std::string ok = "HTTP/1.1 101 Switching Protocols", refused = "HTTP/1.1 401 Unauthorized";
    Client open(port);
    CHECK_EQ(open.upgrade("/p?token=" + token_of("first secret")), ok);
    CHECK_EQ(upgrade_with(port, "second secret"), refused);

    write_file(secret.path, "second secret");
    const wshub::Status reloaded = server.reload();
    CHECK(reloaded.ok);
    CHECK_EQ(reloaded.message, "");
    CHECK_EQ(upgrade_with(port, "second secret"), ok);
    CHECK_EQ(upgrade_with(port, "first secret"), refused);

    write_file(secret.path, "");
    const wshub::Status kept = server.reload();
    CHECK(!kept.ok);
    CHECK(kept.message.find("--jwt-secret-file") != std::string::npos);
    CHECK(kept.message.find(secret.path) != std::string::npos);
    CHECK_EQ(upgrade_with(port, "second secret"), ok);

    CHECK(open.send_frame(0x1, "still here"));  // admitted with the first secret: open all along
    CHECK_EQ(open.read_frame().second, "still here");
    server.stop();
    CHECK_EQ(close_code_of(open.read_frame().second), 1001);
    CHECK(open.send_frame(0x8, "\x03\xe9"));
    write_file(secret.path, "third secret");
    CHECK(server.reload().ok);  // during the drain too
    CHECK_EQ(server.wait(), 0);
    CHECK(!server.reload());  // over
}

// Behind --trusted-proxy (Options::trusted_proxies), on_upgrade's peer is
// the client the proxy names; from a peer not trusted the same headers are
// not read.
TEST(server_on_upgrade_sees_the_client_a_trusted_proxy_names) {
    for (const bool trusted : {true, false}) {
        const uint16_t port = free_port();
        wshub::Options o = quiet_options(port);
        o.routes = {"/probe=probe"};
        o.trusted_proxies = {trusted ? "127.0.0.0/8" : "10.0.0.0/8"};
        wshub::Server server(o);
        Probe probe;
        probe.server = &server;
        server.add_mode("probe", probe);
        CHECK(server.start().ok);
        {
            Client c(port);
            CHECK_EQ(c.upgrade("/probe", "X-Forwarded-For: 10.1.1.1, 198.51.100.7, 127.0.0.9\r\n"
                                         "Forwarded: for=192.0.2.1\r\n"),
                     "HTTP/1.1 101 Switching Protocols");
            CHECK_EQ(probe.peer_ip, trusted ? "198.51.100.7" : "127.0.0.1");
            CHECK_EQ(probe.peer_port, trusted ? 0 : c.local_port());
        }
        {
            Client c(port);
            CHECK_EQ(c.upgrade("/probe", "Forwarded: for=\"[2001:db8::7]:4711\";proto=https\r\n"),
                     "HTTP/1.1 101 Switching Protocols");
            CHECK_EQ(probe.peer_ip, trusted ? "2001:db8::7" : "127.0.0.1");
            CHECK_EQ(probe.peer_port, trusted ? 4711 : c.local_port());
        }
        server.stop();
        CHECK_EQ(server.wait(), 0);
    }
}
