#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "app/send_queue.h"
#include "check.h"

using wshub::app::SendQueue;

namespace {

std::string drain(int fd) {
    std::string got;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) got.append(buf, size_t(n));
    return got;
}

}  // namespace

TEST(send_queue_direct_write_when_empty) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    SendQueue q;
    CHECK(q.send(sv[0], "hd", 2, "payload", 7));
    CHECK(q.empty());
    CHECK_EQ(drain(sv[1]), "hdpayload");
    close(sv[0]);
    close(sv[1]);
}

TEST(send_queue_keeps_what_the_socket_refuses_in_order) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    SendQueue q;
    std::string expect;
    for (int i = 0; i < 200; ++i) {
        std::string header = "<" + std::to_string(i) + ">";
        std::string payload(1000 + i, char('a' + i % 26));
        CHECK(q.send(sv[0], header.data(), header.size(), payload.data(), payload.size()));
        expect += header + payload;
    }
    CHECK(!q.empty());
    std::string got;
    while (!q.empty()) {
        got += drain(sv[1]);
        CHECK(q.flush(sv[0]));
    }
    got += drain(sv[1]);
    CHECK_EQ(got.size(), expect.size());
    CHECK(got == expect);
    close(sv[0]);
    close(sv[1]);
}

TEST(send_queue_reports_a_dead_peer) {
    int sv[2];
    CHECK_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    close(sv[1]);
    SendQueue q;
    // MSG_NOSIGNAL is not available to writev: the server ignores SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    CHECK(!q.send(sv[0], "x", 1, "y", 1));
    close(sv[0]);
}
