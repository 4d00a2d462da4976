// The public client's own rules (wshub/client.h), in process: what
// connect() refuses, that on_fail comes from the loop and never from inside
// connect() or close(), post() and stop() from other threads, size(); and
// client::parse_client_url and request_headers. Talking to servers is
// integration/test_client_talk*.py's.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "client/client_url.h"
#include "wshub/client.h"

using wshub::Client;
using wshub::ClientLoop;
using wshub::ClientOptions;

namespace {

// A loopback port nothing listens on: bound (so no one else takes it
// during the test) but never listening, so a connect is refused.
struct DeadPort {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = 0;
    DeadPort() {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t len = sizeof a;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
    }
    ~DeadPort() { ::close(fd); }
    std::string url() const { return "ws://127.0.0.1:" + std::to_string(port) + "/x"; }
};

struct Recorder : wshub::ClientHandler {
    ClientLoop* loop = nullptr;
    std::vector<std::string> events;
    bool inside_call = false;  // set around connect() and close()
    void on_open(Client&, std::string_view p) override { events.push_back("open " + std::string(p)); }
    void on_message(Client&, std::string_view, wshub::MessageType) override { events.push_back("message"); }
    void on_fail(Client&, int status, std::string_view why) override {
        events.push_back((inside_call ? "inside " : "") + std::to_string(status) + " " + std::string(why));
        loop->stop();
    }
    void on_close(Client&, wshub::CloseCode code, std::string_view) override {
        events.push_back("close " + std::to_string(uint16_t(code)));
        loop->stop();
    }
};

// A loop with one recorded connection to a port nothing listens on.
struct DeadEnd {
    DeadPort dead;
    ClientLoop loop;
    Recorder r;
    std::string error;
    Client* connect() {
        r.loop = &loop;
        ClientOptions o;
        o.url = dead.url();
        r.inside_call = true;
        Client* c = loop.connect(o, r, error);
        r.inside_call = false;
        return c;
    }
};

bool refused(const std::string& url, std::vector<std::string> headers = {}) {
    ClientLoop loop;
    Recorder r;
    r.loop = &loop;
    ClientOptions o;
    o.url = url;
    o.headers = std::move(headers);
    std::string error;
    const bool no = loop.connect(o, r, error) == nullptr;
    return no && !error.empty() && loop.size() == 0;
}

}  // namespace

TEST(client_connect_refuses_bad_urls_and_headers) {
    CHECK(refused("wss://127.0.0.1:1/x"));
    CHECK(refused("http://127.0.0.1:1/x"));
    CHECK(refused("ws://127.0.0.1:1/x#frag"));
    CHECK(refused("ws://127.0.0.1:0/x"));
    CHECK(refused("ws://127.0.0.1:1/a b"));
    CHECK(refused("ws://127.0.0.1:1/x?a=b c"));
    CHECK(refused("ws://no-such-name.invalid:1/x"));
    CHECK(refused("ws://127.0.0.1:1/x", {"Origin http://a"}));
    CHECK(refused("ws://127.0.0.1:1/x", {"Origin: a\r\nX: y"}));
    CHECK(refused("ws://127.0.0.1:1/x", {"Host: other"}));
    CHECK(refused("ws://127.0.0.1:1/x", {"sec-websocket-extensions: permessage-deflate"}));
    CHECK(refused("ws://127.0.0.1:1/x", {"Content-Length: 3"}));
    CHECK(refused("ws://127.0.0.1:1/x", {" Origin: a"}));
}

TEST(client_fail_comes_from_the_loop) {
    DeadEnd d;
    CHECK(d.connect() != nullptr);
    CHECK(d.r.events.empty());
    CHECK_EQ(d.loop.size(), size_t(1));
    CHECK(d.loop.run(d.error));
    CHECK_EQ(d.r.events.size(), size_t(1));
    CHECK_EQ(d.r.events[0], "0 connect failed");
    CHECK_EQ(d.loop.size(), size_t(0));
}

TEST(client_close_before_open_fails_it_later) {
    DeadEnd d;
    Client* c = d.connect();
    CHECK(c != nullptr);
    d.r.inside_call = true;
    c->close();
    d.r.inside_call = false;
    CHECK(d.r.events.empty());
    CHECK(d.loop.run(d.error));
    CHECK_EQ(d.r.events.size(), size_t(1));
    CHECK_EQ(d.r.events[0], "0 closed before it opened");
}

TEST(client_post_runs_in_order_on_the_loop_and_stop_ends_run) {
    ClientLoop loop;
    std::vector<int> seen;
    std::thread::id ran_on;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i) loop.post([&seen, i] { seen.push_back(i); });
        loop.post([&] {
            ran_on = std::this_thread::get_id();
            loop.stop();
        });
    });
    std::string error;
    CHECK(loop.run(error));
    poster.join();
    CHECK_EQ(seen.size(), size_t(100));
    for (int i = 0; i < 100; ++i) CHECK_EQ(seen[size_t(i)], i);
    CHECK(ran_on == std::this_thread::get_id());
}

TEST(client_stop_before_run_returns_at_once) {
    ClientLoop loop;
    loop.stop();
    std::string error;
    CHECK(loop.run(error));
    // And run() may be called again: it serves until the next stop().
    loop.post([&] { loop.stop(); });
    CHECK(loop.run(error));
}

TEST(client_url_target_keeps_the_query) {
    wshub::client::ClientUrl u;
    std::string why;
    CHECK(wshub::client::parse_client_url("ws://127.0.0.1:9000/chat?room=a&x=1", u, why));
    CHECK_EQ(u.target, "/chat?room=a&x=1");
    CHECK_EQ(u.host, "127.0.0.1:9000");
    CHECK(wshub::client::parse_client_url("ws://[::1]/?q", u, why));
    CHECK_EQ(u.target, "/?q");
    CHECK_EQ(u.host, "[::1]");
    CHECK(wshub::client::parse_client_url("ws://example.com:81", u, why));
    CHECK_EQ(u.target, "/");
    CHECK_EQ(u.name, "example.com");
    CHECK_EQ(u.port, uint16_t(81));
}

TEST(client_request_headers_go_out_as_lines) {
    std::string out, why;
    CHECK(wshub::client::request_headers({"Origin: http://a", "Authorization:  Bearer x "}, out, why));
    CHECK_EQ(out, "Origin: http://a\r\nAuthorization:  Bearer x \r\n");
}
