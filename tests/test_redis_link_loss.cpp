// redis::Link when things go wrong: passwords and databases refused, a
// server restarted (backoff, then up again), a server stalled (SIGSTOP: the
// queue bounded, then drained), fake servers that speak garbage, close, or
// say nothing, a connect that never completes, and the owner's disconnect
// (what it drops, and from inside a reply callback).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "link_host.h"
#include "net/socket.h"
#include "redis/command.h"
#include "redis/link.h"

using namespace wshub::redis;
using namespace link_test;
namespace net = wshub::net;

namespace {

// A listening socket the test accepts from by hand, or never.
class FakeServer {
public:
    explicit FakeServer(const char* host = "127.0.0.1", int backlog = 16) {
        std::string error;
        fd_ = net::listen_on(*net::parse_address(std::string(host) + ":0"), backlog, error, false);
        sockaddr_storage bound{};
        socklen_t length = sizeof bound;
        if (fd_ >= 0 && ::getsockname(fd_, reinterpret_cast<sockaddr*>(&bound), &length) == 0)
            address_ = net::address_from(reinterpret_cast<sockaddr*>(&bound), length);
    }
    ~FakeServer() {
        for (int fd : clients_) ::close(fd);
        if (fd_ >= 0) ::close(fd_);
    }
    bool listening() const { return fd_ >= 0; }
    const net::Address& address() const { return address_; }
    size_t accepted() const { return clients_.size(); }

    // Accepts whoever waits and answers each with `answer` at once (an empty
    // answer: closes it); keeps them open otherwise.
    void serve(std::string_view answer) {
        for (int fd; (fd = net::accept_connection(fd_, nullptr)) >= 0;) {
            clients_.push_back(fd);
            if (answer.empty()) {
                ::shutdown(fd, SHUT_RDWR);
            } else {
                [[maybe_unused]] ssize_t n = ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
            }
        }
    }

    // Reads from the first client up to `max` bytes, until the client
    // closes when `until_closed`, else what is there within 100 ms.
    std::string read_client(size_t max, bool until_closed) {
        std::string got;
        char chunk[65536];
        const uint64_t deadline = wshub::reactor::monotonic_ms() + (until_closed ? 10000 : 100);
        while (got.size() < max && !clients_.empty() && wshub::reactor::monotonic_ms() < deadline) {
            pollfd p{clients_[0], POLLIN, 0};
            if (::poll(&p, 1, 10) <= 0) continue;
            const ssize_t n = ::recv(clients_[0], chunk, std::min(sizeof chunk, max - got.size()), 0);
            if (n <= 0) break;
            got.append(chunk, size_t(n));
        }
        return got;
    }

private:
    int fd_ = -1;
    net::Address address_;
    std::vector<int> clients_;
};

Endpoint endpoint_of(const FakeServer& fake, std::string password = "") {
    Endpoint e;
    e.address = fake.address();
    e.password = std::move(password);
    return e;
}

// Each delay under its attempt's ceiling, as the host's timer saw it.
void check_backoff(const Record& r, const LinkOptions& o, size_t from) {
    CHECK_EQ(r.retry_delays.size(), r.downs.size());
    for (size_t i = 0; i < r.downs.size() && i < r.retry_delays.size(); ++i) {
        CHECK_EQ(r.retry_delays[i], uint64_t(r.downs[i].retry_ms));
        if (i >= from) CHECK_LE(r.retry_delays[i], uint64_t(ceiling_of(o, i - from)));
    }
}

}  // namespace

// The right password (and a database and a name: three replies before up);
// a wrong one, none, or a database out of range: down with the server's
// text, never the password, tried again with backoff.
TEST(redis_link_password_and_database) {
    auto server = private_for("redis_link_password_and_database", "s3cret-pass");
    if (server == nullptr) return;
    Host host;
    const LinkOptions o = quick_options();
    Endpoint good = endpoint_at(server->port());
    good.password = "s3cret-pass", good.db = 3, good.client_name = "link-auth";
    Endpoint db0 = good;
    db0.db = 0;
    Endpoint wrong = db0, none = db0, far = good;
    wrong.password = "wrong-pass-123", none.password = "", far.db = 99;
    Link in3(host, 1, good, o), in0(host, 2, db0, o), bad(host, 3, wrong, o), anon(host, 4, none, o),
        out(host, 5, far, o);
    for (Link* l : {&in3, &in0, &bad, &anon, &out}) host.add(*l), l->start();
    CHECK(up(host, in3) && up(host, in0));
    CHECK(in3.send({"SET", "k3", "in db 3"}));
    CHECK(in3.send({"CLIENT", "GETNAME"}));
    CHECK(host.run_until([&] { return host.of(in3).replies.size() == 2; }));
    CHECK(in0.send({"GET", "k3"}));
    CHECK(host.run_until([&] { return host.of(in0).replies.size() == 1; }));
    CHECK(host.of(in3).replies == std::vector<std::string>({R"(+"OK")", R"($"link-auth")"}));
    CHECK_EQ(host.of(in0).replies[0], "_");

    const auto failed_often = [&] {
        for (Link* l : {&bad, &anon, &out})
            if (host.of(*l).downs.size() < 4) return false;
        return true;
    };
    CHECK(host.run_until(failed_often));
    const std::pair<Link*, std::string_view> expected[] = {
        {&bad, "handshake: WRONGPASS invalid username-password pair"},
        {&anon, "handshake: NOAUTH HELLO must be called with the client already authenticated"},
        {&out, "handshake: ERR DB index is out of range"}};
    for (const auto& [link, reason] : expected) {
        const Record& r = host.of(*link);
        CHECK_EQ(r.ups, 0);
        for (const auto& d : r.downs) {
            CHECK_EQ(d.reason.substr(0, reason.size()), reason);
            CHECK(d.reason.find("pass-123") == std::string::npos && d.reason.find("s3cret") == std::string::npos);
            CHECK(!d.was_up);
        }
        CHECK_GE(link->reconnects(), 3u);
        CHECK_EQ(link->last_down_reason(), r.downs.back().reason);
        check_backoff(r, o, 0);
    }
}

// The server stopped: one loss of an up link, then refused attempts backing
// off under growing ceilings to the cap; started again on the same port:
// up again, and the backoff starts over from its minimum.
TEST(redis_link_server_restart) {
    auto server = private_for("redis_link_server_restart");
    if (server == nullptr) return;
    Host host;
    const LinkOptions o = quick_options();
    Link link(host, 1, endpoint_at(server->port()), o);
    host.add(link);
    link.start();
    CHECK(up(host, link));
    Record& r = host.of(link);
    server->terminate();
    CHECK(host.run_until([&] { return r.downs.size() >= 8; }));
    CHECK(!r.downs.empty() && r.downs[0].was_up && r.downs[0].reason == "closed by server");
    uint32_t latest_highest = 0;
    for (size_t i = 1; i < r.downs.size(); ++i) {
        CHECK(!r.downs[i].was_up);
        CHECK_EQ(r.downs[i].reason, "connect: Connection refused");
        if (i >= 4) latest_highest = std::max(latest_highest, r.downs[i].retry_ms);
    }
    check_backoff(r, o, 0);
    // The ceilings grew: later delays go past the first ceiling (the seed
    // is fixed, so these draws are the same every run).
    CHECK_GT(latest_highest, o.backoff_first_ms);
    CHECK_GE(link.reconnects(), 7u);

    std::string why;
    CHECK(server->restart(why));
    CHECK(host.run_until([&] { return r.ups == 2; }));
    CHECK(link.send({"PING"}));
    CHECK(host.run_until([&] { return r.replies.size() == 1; }));
    CHECK_EQ(r.replies[0], R"(+"PONG")");
    const size_t downs = r.downs.size();
    link.disconnect();
    CHECK_EQ(r.downs.size(), downs + 1);
    CHECK(r.downs.back().was_up && r.downs.back().reason == "disconnected by owner");
    CHECK_LE(r.downs.back().retry_ms, o.backoff_first_ms);
    CHECK(host.run_until([&] { return r.ups == 3; }));
}

namespace {

// Sends `args` until the queue refuses and the socket has stopped taking
// bytes for a few passes; how many were accepted.
size_t fill_stalled(Host& host, Link& link, std::initializer_list<std::string_view> args) {
    size_t accepted = 0, unchanged = 0, last = SIZE_MAX;
    CHECK(host.run_until([&] {
        while (link.send(args)) ++accepted;
        unchanged = link.queued_bytes() == last ? unchanged + 1 : 0;
        last = link.queued_bytes();
        return unchanged >= 5;
    }, 20000));
    return accepted;
}

}  // namespace

// A stalled server (SIGSTOP): the queue fills to queue_bytes, no further,
// and refuses; the link stays up. SIGCONT: every accepted command arrives
// and is answered in order. Stalled again, the owner's disconnect drops
// the queue and reports the commands not written whole.
TEST(redis_link_stalled_server) {
    auto server = private_for("redis_link_stalled_server");
    if (server == nullptr) return;
    Host host;
    LinkOptions o = quick_options();
    o.queue_bytes = 256 * 1024;
    Link link(host, 1, endpoint_at(server->port()), o);
    host.add(link);
    link.start();
    CHECK(up(host, link));
    Record& r = host.of(link);
    const std::string value(4000, 'q');
    const std::string_view args[] = {"RPUSH", "stalled", value};
    const size_t command = command_size(args, 3);

    server->pause();
    const size_t accepted = fill_stalled(host, link, {"RPUSH", "stalled", value});
    CHECK_GT(link.queued_bytes(), o.queue_bytes - command);
    CHECK_LE(link.queued_bytes(), o.queue_bytes);
    CHECK_LE(link.write_buffer_capacity(), o.queue_bytes);
    const size_t queued = link.queued_bytes();
    CHECK(!link.send(args, 3));
    CHECK_EQ(link.queued_bytes(), queued);  // refused: nothing queued
    CHECK(link.state() == LinkState::up);
    CHECK(r.replies.empty());

    server->resume();
    CHECK(host.run_until([&] { return r.replies.size() >= accepted; }, 30000));
    std::vector<std::string> want;
    for (size_t i = 1; i <= accepted; ++i) want.push_back(":" + std::to_string(i));
    CHECK_EQ(first_difference(r.replies, want), -1);
    CHECK_EQ(link.queued_bytes(), 0u);

    server->pause();
    fill_stalled(host, link, {"RPUSH", "stalled", value});
    const size_t unsent = link.queued_bytes();
    CHECK_GT(unsent, 0u);
    link.disconnect();
    server->resume();
    CHECK_EQ(r.downs.size(), 1u);
    if (r.downs.size() == 1) {
        CHECK(r.downs[0].was_up);
        CHECK_EQ(r.downs[0].dropped_bytes, unsent);
        // Commands of one size, the queue's front at a command's start.
        CHECK_EQ(r.downs[0].dropped_commands, (unsent + command - 1) / command);
    }
    CHECK_EQ(link.queued_bytes(), 0u);
    CHECK(host.run_until([&] { return r.ups == 2; }));
}

// Servers that answer the handshake with bytes that are not RESP, a string
// past max_string, an error quoting the password, or a close: down with
// the reason, no crash, and the next attempt scheduled and made.
TEST(redis_link_garbage_servers) {
    struct Case {
        const char* name;
        std::string answer;
        std::string password;
        std::string reason;
    };
    const Case cases[] = {
        {"not RESP", "HELLO\r\n", "", "bad reply: bad_type"},
        {"huge string", "$99999999999\r\n", "", "bad reply: string_too_long"},
        {"bare LF", "+OK\n", "", "bad reply: bad_line_end"},
        {"password quoted", "-ERR no such password: hunter2\r\n", "hunter2",
         "handshake: ERR no such password: <password>"},
        {"closes", "", "", "closed by server"},
    };
    for (const Case& c : cases) {
        FakeServer fake;
        CHECK(fake.listening());
        Host host;
        Link link(host, 1, endpoint_of(fake, c.password), quick_options());
        host.add(link);
        link.start();
        const Record& r = host.of(link);
        const bool retried = host.run_until([&] {
            fake.serve(c.answer);
            return r.downs.size() >= 2;
        });
        if (!retried || r.downs[0].reason != c.reason) {
            const std::string got = r.downs.empty() ? "no loss" : r.downs[0].reason;
            check::fail(__FILE__, __LINE__, std::string(c.name) + ": " + got);
            continue;
        }
        CHECK(!r.downs[0].was_up);
        CHECK_EQ(r.ups, 0);
        CHECK_GE(link.reconnects(), 1u);
        CHECK_GE(fake.accepted(), 2u);
        CHECK(link.state() != LinkState::up && link.state() != LinkState::idle);
    }
}

// A server that accepts and says nothing: down when connect_timeout_ms
// (which covers the handshake) passes, and tried again.
TEST(redis_link_handshake_timeout) {
    FakeServer fake;  // the kernel completes the TCP handshake; nobody answers HELLO
    Host host;
    LinkOptions o = quick_options();
    o.connect_timeout_ms = 100;
    Link link(host, 1, endpoint_of(fake), o);
    host.add(link);
    link.start();
    const Record& r = host.of(link);
    CHECK(host.run_until([&] { return link.state() == LinkState::handshaking; }));
    CHECK(host.run_until([&] { return r.downs.size() >= 2; }));
    for (const auto& d : r.downs) CHECK_EQ(d.reason, "handshake timeout");
    CHECK_EQ(link.reconnects(), uint64_t(r.downs.size() - (link.state() == LinkState::waiting ? 1 : 0)));
}

// A connect that never completes: a listener with a backlog of 0 whose one
// place is taken drops the link's SYN (Linux), so the connect is still in
// progress when connect_timeout_ms passes.
TEST(redis_link_connect_timeout) {
    FakeServer fake("127.0.0.1", 0);
    const int filler = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(::connect(filler, fake.address().sockaddr_ptr(), fake.address().length) == 0);
    Host host;
    LinkOptions o = quick_options();
    o.connect_timeout_ms = 100;
    Link link(host, 1, endpoint_of(fake), o);
    host.add(link);
    link.start();
    const Record& r = host.of(link);
    CHECK(host.run_until([&] { return !r.downs.empty(); }));
    CHECK(!r.downs.empty() && r.downs[0].reason == "connect timeout" && !r.downs[0].was_up);
    ::close(filler);
}

// Over IPv6 to a fake server whose answer to HELLO is an empty map: up.
TEST(redis_link_ipv6) {
    FakeServer fake("[::1]");
    if (!fake.listening()) {
        std::fprintf(stderr, "  redis_link_ipv6: skipped: no IPv6 loopback\n");
        return;
    }
    Host host;
    Link link(host, 1, endpoint_of(fake), quick_options());
    host.add(link);
    link.start();
    CHECK(host.run_until([&] {
        fake.serve("%0\r\n");
        return link.state() == LinkState::up;
    }));
    CHECK_EQ(link.endpoint().address.family(), AF_INET6);
}

// What the owner's disconnect drops: commands queued and not flushed. And a
// disconnect from inside a reply callback: the replies after it in the same
// read are not delivered, nothing is touched after the loss, and the link
// comes up again.
TEST(redis_link_owner_disconnect) {
    redis_test::Server* server = shared_for("redis_link_owner_disconnect");
    if (server == nullptr) return;
    Host host;
    Link link(host, 1, endpoint_at(server->port()), quick_options());
    host.add(link);
    link.start();
    CHECK(up(host, link));
    Record& r = host.of(link);
    CHECK(link.send({"PING"}) && link.send({"ECHO", "a"}) && link.send({"ECHO", "bc"}));
    const size_t queued = link.queued_bytes();
    link.disconnect();
    CHECK(link.state() == LinkState::waiting);
    CHECK_EQ(r.downs.size(), 1u);
    CHECK(r.downs.size() == 1 && r.downs[0].dropped_commands == 3 && r.downs[0].dropped_bytes == queued);
    CHECK_EQ(r.downs[0].reason, "disconnected by owner");
    link.disconnect();  // while waiting: nothing
    CHECK_EQ(r.downs.size(), 1u);
    CHECK(host.run_until([&] { return r.ups == 2; }));

    host.after_reply = [&](Link& l, const Value&) {
        if (r.replies.size() == 2) l.disconnect();
    };
    for (int i = 0; i < 5; ++i) CHECK(link.send({"PING"}));
    link.flush();  // one write: the five replies come together
    CHECK(host.run_until([&] { return r.downs.size() == 2; }));
    CHECK_EQ(r.replies.size(), 2u);
    CHECK(r.downs.size() == 2 && r.downs[1].dropped_commands == 0 && r.downs[1].was_up);
    host.after_reply = nullptr;
    CHECK(host.run_until([&] { return r.ups == 3; }));
    CHECK(link.send({"PING"}));
    CHECK(host.run_until([&] { return r.replies.size() == 3; }));
}

// What a loss reports as dropped, against what a fake server received: a
// queue of 8 MiB written by one flush to a server that does not read takes
// only part (the kernel's buffers), so the queue holds whole commands
// written, one cut short and the rest; then the owner disconnects. The
// dropped commands are the ones the server did not get whole, and their bytes.
TEST(redis_link_dropped_counts) {
    FakeServer fake;
    Host host;
    LinkOptions o = quick_options();
    o.queue_bytes = 8 << 20;
    Link link(host, 1, endpoint_of(fake), o);
    host.add(link);
    link.start();
    CHECK(host.run_until([&] {
        fake.serve("%0\r\n");
        return link.state() == LinkState::up;
    }));
    const std::string value(1000, 'd');
    const std::string_view args[] = {"SET", "k", value};
    const size_t command = command_size(args, 3);
    const std::string_view hello[] = {"HELLO", "3"};
    const size_t handshake = command_size(hello, 2);
    size_t accepted = 0;
    while (link.send(args, 3)) ++accepted;
    link.flush();
    const size_t unsent = link.queued_bytes();
    link.disconnect();
    const size_t received = fake.read_client(SIZE_MAX, true).size() - handshake;
    CHECK_GT(received, command);  // whole commands written, at the queue's front
    CHECK_GT(unsent, 0u);
    const Record& r = host.of(link);
    CHECK_EQ(r.downs.size(), 1u);
    if (r.downs.size() != 1) return;
    CHECK_EQ(r.downs[0].dropped_bytes, unsent);
    CHECK_EQ(r.downs[0].dropped_bytes, accepted * command - received);
    CHECK_EQ(r.downs[0].dropped_commands, accepted - received / command);
}
