#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "check.h"
#include "net/address.h"
#include "net/socket.h"

using namespace wshub::net;

// Worker relies on this to skip a setsockopt per accept: a connection
// accepted from listen_on()'s socket already has TCP_NODELAY.
TEST(accepted_socket_inherits_nodelay_from_the_listener) {
    auto addr = parse_address("127.0.0.1:0");
    CHECK(addr.has_value());
    if (!addr) return;
    std::string error;
    const int lfd = listen_on(*addr, 8, error);
    CHECK_EQ(error, std::string());
    if (lfd < 0) return;
    CHECK(has_nodelay(lfd));
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    CHECK_EQ(getsockname(lfd, reinterpret_cast<sockaddr*>(&bound), &len), 0);

    const int client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(client >= 0);
    CHECK_EQ(connect(client, reinterpret_cast<sockaddr*>(&bound), len), 0);
    CHECK(!has_nodelay(client));  // a socket of its own starts without it
    Address peer;
    int fd = -1;
    for (int i = 0; i < 1000 && fd < 0; ++i) {  // loopback: queued at once, or nearly
        fd = accept_connection(lfd, &peer);
        if (fd < 0) usleep(1000);
    }
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(has_nodelay(fd));
        close(fd);
    }
    close(client);
    close(lfd);
}
