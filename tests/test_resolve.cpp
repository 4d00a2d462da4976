// net/resolve.h: IP literals, a hosts file, resolv.conf, and DNS against a
// fake nameserver on 127.0.0.1 run by a thread of the test (canned answers
// over UDP, and over TCP on the same port for truncated ones).
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "net/address.h"
#include "net/dns_message.h"
#include "net/resolve.h"
#include "temp_file.h"

using namespace wshub::net;

namespace {

constexpr const char* kNoFile = "/nonexistent/wshub-test-hosts";

void put16(std::string& out, uint16_t v) {
    out.push_back(char(v >> 8));
    out.push_back(char(v & 0xFF));
}

uint16_t qtype_of(const std::string& query) {  // a query ends with its type and class
    return uint16_t(uint8_t(query[query.size() - 4]) << 8 | uint8_t(query[query.size() - 3]));
}

// A record owned by the question's name (a pointer to it), class IN, TTL 60.
std::string record(uint16_t type, const std::string& data) {
    std::string r;
    put16(r, 0xc00c);
    put16(r, type);
    put16(r, kDnsClassIn);
    put16(r, 0);
    put16(r, 60);
    put16(r, uint16_t(data.size()));
    return r + data;
}

std::string a_record(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return record(kDnsTypeA, std::string{char(a), char(b), char(c), char(d)});
}

std::string aaaa_record(uint8_t last) {
    std::string data("\x20\x01\x0d\xb8", 4);
    data.append(11, '\0');
    data.push_back(char(last));
    return record(kDnsTypeAaaa, data);  // 2001:db8::<last>
}

// What a server answers to `query`: its id and question back, QR and RA set
// with `flags` (TC, an rcode), then `records`.
std::string respond(const std::string& query, const std::vector<std::string>& records, uint16_t flags = 0) {
    std::string r = query;
    r[2] = char(0x81 | flags >> 8);
    r[3] = char(0x80 | (flags & 0xFF));
    r[6] = 0;
    r[7] = char(records.size());
    for (const std::string& rec : records) r += rec;
    return r;
}

using Replies = std::function<std::vector<std::string>(const std::string& query)>;

Address loopback(uint16_t port) { return *parse_address("127.0.0.1:" + std::to_string(port)); }

// A nameserver on 127.0.0.1 at an ephemeral port: a thread answers each UDP
// query with the datagrams `udp` makes of it, and each TCP query (on the same
// port) with the messages `tcp` makes, each after its two-byte length.
class FakeNameserver {
public:
    explicit FakeNameserver(Replies udp, Replies tcp = nullptr) : udp_(std::move(udp)), tcp_(std::move(tcp)) {
        for (int i = 0; i < 20 && !bind_both(); ++i) {}
        thread_ = std::thread([this] { serve(); });
    }
    ~FakeNameserver() {
        stop_ = true;
        thread_.join();
        close(udp_fd_);
        close(tcp_fd_);
    }
    Address address() const { return loopback(port_); }
    int udp_queries() const { return udp_seen_; }
    int tcp_queries() const { return tcp_seen_; }

private:
    bool bind_both() {
        udp_fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        const Address any = loopback(0);
        sockaddr_storage bound{};
        socklen_t len = sizeof bound;
        if (bind(udp_fd_, any.sockaddr_ptr(), any.length) != 0 ||
            getsockname(udp_fd_, reinterpret_cast<sockaddr*>(&bound), &len) != 0) {
            close(udp_fd_);
            return false;
        }
        port_ = address_from(reinterpret_cast<sockaddr*>(&bound), len).port();
        tcp_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        const int one = 1;
        setsockopt(tcp_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        const Address same = loopback(port_);
        if (bind(tcp_fd_, same.sockaddr_ptr(), same.length) == 0 && listen(tcp_fd_, 4) == 0) return true;
        close(udp_fd_);
        close(tcp_fd_);
        return false;
    }

    void serve() {
        while (!stop_) {
            pollfd fds[2] = {{udp_fd_, POLLIN, 0}, {tcp_fd_, POLLIN, 0}};
            if (poll(fds, 2, 20) <= 0) continue;
            if (fds[0].revents & POLLIN) serve_datagram();
            if (fds[1].revents & POLLIN) serve_connection();
        }
    }

    void serve_datagram() {
        char buf[512];
        sockaddr_storage peer{};
        socklen_t len = sizeof peer;
        const ssize_t n = recvfrom(udp_fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&peer), &len);
        if (n < 16) return;
        ++udp_seen_;
        for (const std::string& reply : udp_(std::string(buf, size_t(n))))
            sendto(udp_fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&peer), len);
    }

    void serve_connection() {
        const int fd = accept(tcp_fd_, nullptr, nullptr);
        if (fd < 0) return;
        timeval second{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &second, sizeof second);
        unsigned char prefix[2];
        std::string query(512, '\0');
        if (recv(fd, prefix, 2, MSG_WAITALL) == 2) {
            query.resize(size_t(prefix[0] << 8 | prefix[1]));
            if (recv(fd, query.data(), query.size(), MSG_WAITALL) == ssize_t(query.size()) && tcp_) {
                ++tcp_seen_;
                for (const std::string& reply : tcp_(query)) {
                    std::string framed;
                    put16(framed, uint16_t(reply.size()));
                    framed += reply;
                    (void)!send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
                }
            }
        }
        close(fd);
    }

    Replies udp_, tcp_;
    int udp_fd_ = -1, tcp_fd_ = -1;
    uint16_t port_ = 0;
    std::atomic<bool> stop_{false};
    std::atomic<int> udp_seen_{0}, tcp_seen_{0};
    std::thread thread_;
};

// A UDP socket on 127.0.0.1 that nobody reads: a nameserver that never answers.
struct SilentNameserver {
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    Address address;
    SilentNameserver() {
        const Address any = loopback(0);
        sockaddr_storage bound{};
        socklen_t len = sizeof bound;
        bind(fd, any.sockaddr_ptr(), any.length);
        getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
        address = address_from(reinterpret_cast<sockaddr*>(&bound), len);
    }
    ~SilentNameserver() { close(fd); }
};

ResolverConfig config_for(std::vector<Address> servers, uint32_t timeout_ms = 2000) {
    ResolverConfig rc;
    rc.nameservers = std::move(servers);
    rc.hosts_path = kNoFile;
    rc.timeout_ms = timeout_ms;
    rc.attempts = 1;
    return rc;
}

// The addresses resolve() gives, shown as "ip:port" and joined by spaces;
// "!" and `why` when it gives none.
std::string resolved(const ResolverConfig& rc, std::string_view name, uint16_t port = 9000) {
    std::vector<Address> out;
    std::string why;
    if (!resolve(rc, name, port, out, why)) return "! " + why + (out.empty() ? "" : " (out not emptied)");
    std::string shown;
    for (const Address& a : out) shown += (shown.empty() ? "" : " ") + a.to_string();
    return shown;
}

// Answers A with 192.0.2.10 and 192.0.2.11, AAAA with 2001:db8::10.
std::vector<std::string> both_families(const std::string& query) {
    if (qtype_of(query) == kDnsTypeA) return {respond(query, {a_record(192, 0, 2, 10), a_record(192, 0, 2, 11)})};
    return {respond(query, {aaaa_record(0x10)})};
}

const char* kBothFamilies = "192.0.2.10:9000 192.0.2.11:9000 [2001:db8::10]:9000";

}  // namespace

TEST(resolve_ip_literals_as_they_are) {
    const ResolverConfig rc = config_for({});  // nothing to ask: a literal needs no one
    CHECK_EQ(resolved(rc, "192.0.2.1", 80), std::string("192.0.2.1:80"));
    CHECK_EQ(resolved(rc, "2001:db8::1", 443), std::string("[2001:db8::1]:443"));
    CHECK_EQ(resolved(rc, "[::1]", 8080), std::string("[::1]:8080"));
    CHECK_EQ(resolved(rc, "[192.0.2.1]", 80), std::string("! not a valid host name"));
    CHECK_EQ(resolved(rc, "not a name"), std::string("! not a valid host name"));
}

TEST(resolve_from_the_hosts_file) {
    const TempFile hosts(
        "# a comment line\n"
        "127.0.0.1\tlocalhost\n"
        "10.0.0.5  backend Backend.local  api   # trailing comment\n"
        "fd00::5   backend\n"
        "10.0.0.6  BACKEND\n"
        "10.0.0.5  backend\n"
        "10.0.0.9  # backend\n"
        "fe80::1%eth0 backend\n"
        "not-an-ip backend\n"
        "10.0.0.7\n");
    ResolverConfig rc = config_for({});
    rc.hosts_path = hosts.path;
    CHECK_EQ(resolved(rc, "Backend"), std::string("10.0.0.5:9000 10.0.0.6:9000 [fd00::5]:9000"));
    CHECK_EQ(resolved(rc, "api.", 1), std::string("10.0.0.5:1"));
    CHECK_EQ(resolved(rc, "backend.LOCAL"), std::string("10.0.0.5:9000"));
    CHECK_EQ(resolved(rc, "localhost"), std::string("127.0.0.1:9000"));
    CHECK_EQ(resolved(rc, "back"), std::string("! no nameservers configured"));  // not in the file: DNS
}

TEST(resolve_asks_a_and_aaaa_and_puts_ipv4_first) {
    FakeNameserver ns(both_families);
    CHECK_EQ(resolved(config_for({ns.address()}), "backend.example"), std::string(kBothFamilies));
    CHECK_EQ(ns.udp_queries(), 2);
}

TEST(resolve_skips_answers_that_are_not_ours) {
    FakeNameserver ns([](const std::string& q) {
        std::string wrong_id = respond(q, {a_record(203, 0, 113, 66)});
        wrong_id[1] = char(wrong_id[1] ^ 1);
        std::string other_question = respond(q, {aaaa_record(0x66)});
        other_question[13] = char(other_question[13] ^ 0x01);  // another letter of the name
        std::string garbage = wrong_id.substr(0, 2) + "junk";
        std::vector<std::string> replies = {"?", garbage, wrong_id, other_question};
        for (const std::string& right : both_families(q)) replies.push_back(right);
        return replies;
    });
    CHECK_EQ(resolved(config_for({ns.address()}), "backend.example"), std::string(kBothFamilies));
}

TEST(resolve_asks_again_over_tcp_when_truncated) {
    FakeNameserver ns([](const std::string& q) { return std::vector<std::string>{respond(q, {}, 0x0200)}; },
                      both_families);
    CHECK_EQ(resolved(config_for({ns.address()}), "big.example"), std::string(kBothFamilies));
    CHECK_EQ(ns.tcp_queries(), 2);
}

TEST(resolve_reports_nxdomain_and_no_data) {
    FakeNameserver nxdomain([](const std::string& q) { return std::vector<std::string>{respond(q, {}, 3)}; });
    CHECK_EQ(resolved(config_for({nxdomain.address()}), "missing.example"), std::string("! no such host"));
    FakeNameserver nodata([](const std::string& q) { return std::vector<std::string>{respond(q, {})}; });
    CHECK_EQ(resolved(config_for({nodata.address()}), "bare.example"), std::string("! the host has no address"));
}

TEST(resolve_moves_on_from_a_failing_or_silent_nameserver) {
    FakeNameserver failing([](const std::string& q) { return std::vector<std::string>{respond(q, {}, 2)}; });
    FakeNameserver good(both_families);
    SilentNameserver silent;
    CHECK_EQ(resolved(config_for({failing.address(), good.address()}), "db.example"), std::string(kBothFamilies));
    CHECK_EQ(resolved(config_for({silent.address, good.address()}, 200), "db.example"), std::string(kBothFamilies));
    const std::string failed = resolved(config_for({failing.address()}), "db.example");
    CHECK_EQ(failed.substr(0, 26), std::string("! the nameservers failed ("));
}

TEST(resolve_gives_up_on_a_nameserver_that_never_answers) {
    SilentNameserver silent;
    CHECK_EQ(resolved(config_for({silent.address}, 200), "db.example"), std::string("! no answer from the nameservers"));
}

TEST(resolve_keeps_ipv4_when_aaaa_goes_unanswered) {
    const Replies v4_only = [](const std::string& q) {
        if (qtype_of(q) != kDnsTypeA) return std::vector<std::string>{};
        return std::vector<std::string>{respond(q, {a_record(192, 0, 2, 20)})};
    };
    FakeNameserver first(v4_only), second(v4_only);
    ResolverConfig rc = config_for({first.address(), second.address()}, 200);
    rc.attempts = 2;
    CHECK_EQ(resolved(rc, "v4only.example"), std::string("192.0.2.20:9000"));
    CHECK_EQ(second.udp_queries(), 0);  // the address ended the lookup: AAAA was not asked again
}

TEST(read_resolv_conf_nameservers_and_options) {
    const TempFile conf(
        "# generated\n"
        "; another comment\n"
        "search default.svc.cluster.local\n"
        "nameserver 10.96.0.10\n"
        "nameserver\n"
        "nameserver fe80::1%eth0\n"
        "nameserver 2001:db8::53 # a note\n"
        "nameserver\t192.0.2.53\n"
        "nameserver 192.0.2.54\n"
        "options ndots:5 timeout:3 attempts:4 rotate\n");
    const ResolverConfig rc = read_resolv_conf(conf.path);
    CHECK_EQ(rc.nameservers.size(), size_t(3));
    std::string shown;
    for (const Address& a : rc.nameservers) shown += a.to_string() + " ";
    CHECK_EQ(shown, std::string("10.96.0.10:53 [2001:db8::53]:53 192.0.2.53:53 "));
    CHECK_EQ(rc.timeout_ms, uint32_t(3000));
    CHECK_EQ(rc.attempts, uint32_t(4));
    CHECK_EQ(rc.hosts_path, std::string("/etc/hosts"));
}

TEST(read_resolv_conf_clamps_options_and_defaults) {
    const TempFile clamped("options timeout:99 attempts:0\noptions attempts:x timeout:\n");
    ResolverConfig rc = read_resolv_conf(clamped.path);
    CHECK_EQ(rc.timeout_ms, uint32_t(30000));
    CHECK_EQ(rc.attempts, uint32_t(1));
    CHECK_EQ(rc.nameservers.size(), size_t(1));
    if (!rc.nameservers.empty()) CHECK_EQ(rc.nameservers[0].to_string(), std::string("127.0.0.1:53"));

    rc = read_resolv_conf(kNoFile);
    CHECK_EQ(rc.nameservers.size(), size_t(1));
    if (!rc.nameservers.empty()) CHECK_EQ(rc.nameservers[0].to_string(), std::string("127.0.0.1:53"));
    CHECK_EQ(rc.timeout_ms, uint32_t(2000));
    CHECK_EQ(rc.attempts, uint32_t(2));
}
