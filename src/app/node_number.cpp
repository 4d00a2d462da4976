#include "app/node_number.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "hub/member.h"
#include "reactor/loop.h"
#include "redis/command.h"
#include "redis/redirect.h"
#include "redis/resp.h"

namespace wshub::app {
namespace {

// A blocking connection with one deadline for everything.
class Session {
public:
    Session(const net::Address& to, uint64_t deadline_ms) : deadline_ms_(deadline_ms) {
        fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) {
            why_ = std::string("socket: ") + std::strerror(errno);
            return;
        }
        if (::connect(fd_, to.sockaddr_ptr(), to.length) != 0 && errno != EINPROGRESS) {
            why_ = std::string("connect: ") + std::strerror(errno);
            return;
        }
        if (!wait(POLLOUT)) return;
        int error = 0;
        socklen_t length = sizeof error;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
        if (error != 0) why_ = std::string("connect: ") + std::strerror(error);
    }
    ~Session() {
        if (fd_ >= 0) ::close(fd_);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    bool ok() const noexcept { return why_.empty(); }
    const std::string& why() const noexcept { return why_; }

    bool write(std::string_view bytes) {
        while (ok() && !bytes.empty()) {
            const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(size_t(n));
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                why_ = std::string("send: ") + std::strerror(errno);
            } else {
                wait(POLLOUT);
            }
        }
        return ok();
    }

    // The next reply; false (with why()) on a loss, a timeout or bad bytes.
    bool read(redis::Value& out) {
        in_.erase(0, used_);
        used_ = 0;
        const redis::Limits limits{4, 4096, 16, 16384};
        while (ok()) {
            const redis::Reply r = parser_.parse(in_, limits);
            if (r.status == redis::Status::complete) {
                out = r.value;
                used_ = r.length;
                return true;
            }
            if (r.status == redis::Status::error) {
                why_ = std::string("bad reply: ") + redis::error_name(r.error);
                break;
            }
            if (!wait(POLLIN)) break;
            char buf[4096];
            const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
            if (n > 0) in_.append(buf, size_t(n));
            else if (n == 0) why_ = "closed by server";
            else if (errno != EAGAIN && errno != EINTR) why_ = std::string("recv: ") + std::strerror(errno);
        }
        return false;
    }

private:
    int fd_ = -1;
    uint64_t deadline_ms_;
    std::string why_;
    std::string in_;
    size_t used_ = 0;
    redis::Parser parser_;

    bool wait(short events) {
        const uint64_t now = reactor::monotonic_ms();
        pollfd p{fd_, events, 0};
        const int n = now >= deadline_ms_ ? 0 : ::poll(&p, 1, int(deadline_ms_ - now));
        if (n == 0) why_ = "timed out";
        else if (n < 0 && errno != EINTR) why_ = std::string("poll: ") + std::strerror(errno);
        return ok();
    }
};

// AUTH and SELECT as --redis says; false with the server's error in `why`.
bool authenticate(Session& s, const config::Config& cfg, std::string& why) {
    const config::RedisTarget& t = *cfg.redis;
    std::string out;
    size_t replies = 0;
    const std::string db = std::to_string(t.db);
    if (!cfg.redis_password.empty()) {
        const std::string_view user = t.user.empty() ? "default" : std::string_view(t.user);
        redis::append_command(out, {"AUTH", user, cfg.redis_password});
        ++replies;
    }
    if (t.db != 0) {
        redis::append_command(out, {"SELECT", db});
        ++replies;
    }
    if (!s.write(out)) return false;
    for (redis::Value v; replies != 0; --replies) {
        if (!s.read(v)) return false;
        if (v.is_error()) {
            why = std::string(v.text.substr(0, 200));
            return false;
        }
    }
    return true;
}

uint32_t nth_after(uint32_t first, uint32_t k) noexcept { return 1 + (first - 1 + k) % (hub::kMaxNodes - 1); }

}  // namespace

uint32_t preferred_node_number(std::string_view node_id) noexcept {
    uint32_t h = 2166136261u;  // FNV-1a: spreads short, similar ids
    for (const char ch : node_id) h = (h ^ uint8_t(ch)) * 16777619u;
    return 1 + h % (hub::kMaxNodes - 1);
}

std::string node_number_key(const config::Config& cfg, uint32_t n) {
    // On a cluster every number's key is in one slot (the hash tag), so a
    // claim at start follows at most one MOVED.
    std::string key = cfg.redis_cluster.empty() ? cfg.redis_prefix : "{" + cfg.redis_prefix + "}";
    key += ":node:";
    key += std::to_string(n);
    return key;
}

namespace {

// Where a MOVED reply sends the claim, if `reply` is one.
std::optional<net::Address> moved_to(const redis::Value& reply, const net::Address& here) {
    redis::Redirect r;
    if (!reply.is_error() || !redis::parse_redirect(reply.text, r)) return std::nullopt;
    if (r.host.empty()) {
        net::Address a = here;
        a.set_port(r.port);
        return a;
    }
    const std::string text = r.host.find(':') != std::string_view::npos
                                 ? "[" + std::string(r.host) + "]:" + std::to_string(r.port)
                                 : std::string(r.host) + ":" + std::to_string(r.port);
    return net::parse_address(text);
}

// Probes numbers on `s`, from `first` on, one per round trip, so that only
// one is ever taken: SET NX (a free number), then GET (whose it is, if not
// free). Stops at a MOVED (in `moved`).
void probe(Session& s, const config::Config& cfg, std::string_view node_id, uint32_t first, NodeNumber& result,
           std::optional<net::Address>& moved, const net::Address& here) {
    const std::string ttl = std::to_string(cfg.node_timeout_ms);
    for (uint32_t k = 0; k < hub::kMaxNodes - 1 && s.ok(); ++k) {
        const std::string key = node_number_key(cfg, nth_after(first, k));
        std::string out;
        redis::append_command(out, {"SET", key, node_id, "NX", "PX", ttl});
        redis::append_command(out, {"GET", key});
        redis::Value set, holder;  // each valid until the next read
        if (!s.write(out) || !s.read(set)) return;
        if (set.is_error()) {
            moved = moved_to(set, here);
            result.why = std::string(set.text.substr(0, 200));
            return;
        }
        const bool taken_now = set.is_string();
        if (!s.read(holder)) return;
        if (taken_now || (holder.is_string() && holder.text == node_id)) {
            result.number = nth_after(first, k);
            result.claimed = true;
            return;
        }
    }
}

}  // namespace

NodeNumber claim_node_number(const config::Config& cfg, std::string_view node_id, uint32_t budget_ms) {
    NodeNumber result;
    const uint32_t first = preferred_node_number(node_id);
    const uint64_t deadline = reactor::monotonic_ms() + budget_ms;
    net::Address at = cfg.redis->address;
    for (int hops = 0; hops < 2 && !result.claimed; ++hops) {
        Session s(at, deadline);
        result.why.clear();
        if (!s.ok() || !authenticate(s, cfg, result.why)) {
            if (result.why.empty()) result.why = s.why();
            break;
        }
        std::optional<net::Address> moved;
        probe(s, cfg, node_id, first, result, moved, at);
        if (!result.claimed && result.why.empty()) result.why = s.ok() ? "every node number is taken" : s.why();
        if (!moved) break;
        at = *moved;
    }
    if (!result.claimed) result.number = first;
    return result;
}

}  // namespace wshub::app
