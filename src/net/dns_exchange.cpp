#include "net/dns_exchange.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace wshub::net {
namespace {

using Status = DnsAnswer::Status;

// Large enough for any datagram, so none is silently cut by the read.
constexpr size_t kMaxDatagram = 65535;

// A descriptor closed when it goes out of scope.
class OwnedFd {
public:
    explicit OwnedFd(int fd) noexcept : fd_(fd) {}
    ~OwnedFd() {
        if (fd_ >= 0) close(fd_);
    }
    OwnedFd(const OwnedFd&) = delete;
    OwnedFd& operator=(const OwnedFd&) = delete;
    int get() const noexcept { return fd_; }

private:
    int fd_;
};

// Waits until `fd` has one of `events` or `deadline` passes (EINTR retried).
// False on the deadline or a poll error.
bool wait_for(int fd, short events, DnsClock::time_point deadline) {
    for (;;) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - DnsClock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd, events, 0};
        const int n = poll(&p, 1, int(std::min<long long>(left, 60'000)));
        if (n > 0) return true;
        if (n < 0 && errno != EINTR) return false;
    }
}

bool send_all(int fd, const uint8_t* data, size_t size, DnsClock::time_point deadline) {
    while (size > 0) {
        const ssize_t n = send(fd, data, size, MSG_NOSIGNAL);
        if (n > 0) {
            data += n;
            size -= size_t(n);
        } else if (n < 0 && errno != EINTR && (errno != EAGAIN || !wait_for(fd, POLLOUT, deadline))) {
            return false;
        }
    }
    return true;
}

bool receive_exactly(int fd, uint8_t* data, size_t size, DnsClock::time_point deadline) {
    while (size > 0) {
        const ssize_t n = recv(fd, data, size, 0);
        if (n > 0) {
            data += n;
            size -= size_t(n);
        } else if (n == 0 || (errno != EINTR && (errno != EAGAIN || !wait_for(fd, POLLIN, deadline)))) {
            return false;
        }
    }
    return true;
}

int connected_socket(const Address& server, int type) {
    const int fd = socket(server.family(), type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, server.sockaddr_ptr(), server.length) == 0 || errno == EINPROGRESS) return fd;
    close(fd);
    return -1;
}

// One question of this try: its query and whether its answer is awaited.
struct Asked {
    DnsQuestion* question;
    uint16_t id;
    std::string query;
    bool waiting;
};

DnsTrouble trouble_of(Status status) {
    return status == Status::failure ? DnsTrouble::server_failure : DnsTrouble::malformed;
}

// Takes an answer to `asked`: settles its question, or says what went wrong.
// A truncated answer is asked again over TCP first.
DnsTrouble take_answer(const Address& server, std::string_view name, Asked& asked, DnsAnswer answer,
                       DnsClock::time_point deadline) {
    const uint16_t qtype = asked.question->qtype;
    if (answer.status == Status::truncated) {
        std::vector<uint8_t> reply;
        asked.waiting = false;
        if (!exchange_over_tcp(server, asked.query, deadline, reply)) return DnsTrouble::no_answer;
        answer = read_dns_response(reply, asked.id, name, qtype);
        if (answer.status == Status::truncated || answer.status == Status::mismatch) return DnsTrouble::malformed;
    }
    if (answer.status == Status::mismatch) return DnsTrouble::none;  // someone else's: keep waiting
    asked.waiting = false;
    if (answer.status != Status::ok && answer.status != Status::name_error) return trouble_of(answer.status);
    asked.question->settled = true;
    asked.question->answer = std::move(answer);
    return DnsTrouble::none;
}

}  // namespace

uint16_t random_query_id() {
    uint16_t id = 0;
    if (getrandom(&id, sizeof id, GRND_NONBLOCK) == ssize_t(sizeof id)) return id;
    const int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        const ssize_t n = read(fd, &id, sizeof id);
        close(fd);
        if (n == ssize_t(sizeof id)) return id;
    }
    static std::atomic<uint32_t> counter{0};
    const auto now = uint64_t(DnsClock::now().time_since_epoch().count());
    const uint64_t mixed = (now ^ (now >> 29) ^ counter.fetch_add(1)) * 0x9e3779b97f4a7c15ull;
    return uint16_t(mixed >> 48);
}

DnsTrouble ask_nameserver(const Address& server, std::string_view name, std::span<DnsQuestion> questions,
                          DnsClock::time_point deadline) {
    const OwnedFd fd(connected_socket(server, SOCK_DGRAM));
    if (fd.get() < 0) return DnsTrouble::no_answer;
    std::vector<Asked> asked;
    for (DnsQuestion& q : questions) {
        if (q.settled) continue;
        Asked a{&q, random_query_id(), {}, true};
        if (!write_dns_query(a.query, a.id, name, q.qtype)) return DnsTrouble::malformed;
        if (send(fd.get(), a.query.data(), a.query.size(), MSG_NOSIGNAL) != ssize_t(a.query.size()))
            return DnsTrouble::no_answer;
        asked.push_back(std::move(a));
    }
    DnsTrouble worst = DnsTrouble::none;
    std::vector<uint8_t> datagram(kMaxDatagram);
    const auto is_waiting = [](const Asked& a) { return a.waiting; };
    while (std::any_of(asked.begin(), asked.end(), is_waiting)) {
        if (!wait_for(fd.get(), POLLIN, deadline)) return std::max(worst, DnsTrouble::no_answer);
        const ssize_t n = recv(fd.get(), datagram.data(), datagram.size(), 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
        if (n < 0) return std::max(worst, DnsTrouble::no_answer);  // ECONNREFUSED: nothing serves there
        if (n < 2) continue;  // too short to carry an id, so not an answer to anything
        const std::span<const uint8_t> message(datagram.data(), size_t(n));
        for (Asked& a : asked) {
            if (!a.waiting) continue;
            DnsAnswer answer = read_dns_response(message, a.id, name, a.question->qtype);
            worst = std::max(worst, take_answer(server, name, a, std::move(answer), deadline));
        }
    }
    return worst;
}

bool exchange_over_tcp(const Address& server, std::string_view query, DnsClock::time_point deadline,
                       std::vector<uint8_t>& reply) {
    const OwnedFd fd(connected_socket(server, SOCK_STREAM));
    if (fd.get() < 0 || query.size() > 0xFFFF || !wait_for(fd.get(), POLLOUT, deadline)) return false;
    int error = 0;
    socklen_t length = sizeof error;
    if (getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) return false;
    std::vector<uint8_t> framed{uint8_t(query.size() >> 8), uint8_t(query.size())};
    framed.insert(framed.end(), query.begin(), query.end());
    uint8_t prefix[2];
    if (!send_all(fd.get(), framed.data(), framed.size(), deadline) ||
        !receive_exactly(fd.get(), prefix, sizeof prefix, deadline))
        return false;
    reply.resize(size_t(prefix[0]) << 8 | prefix[1]);
    return receive_exactly(fd.get(), reply.data(), reply.size(), deadline);
}

}  // namespace wshub::net
