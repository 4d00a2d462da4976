// The real-server fixture of redis_server.h: a child process, a temporary
// directory, deadlines on every wait.
#include "redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "redis/command.h"
#include "resp_text.h"

namespace redis_test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kReplyTimeout = std::chrono::seconds(10);
constexpr int kIoTimeoutSeconds = 5;
// Replies are read a few bytes at a time, so the resumable Parser meets real
// replies split at every kind of place.
constexpr size_t kReadChunk = 7;
constexpr wshub::redis::Limits kLimits{wshub::redis::kMaxDepthCap, 1 << 20, 1 << 16, 1 << 22};

std::string find_in_path(const char* name) {
    const char* path = std::getenv("PATH");
    std::string_view rest = path ? path : "/usr/local/bin:/usr/bin:/bin";
    while (!rest.empty()) {
        const size_t colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        const std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "";
}

// "Redis server v=7.0.15 sha=..." gives 7; 0 when unreadable.
int read_major_version(const std::string& binary) {
    const std::string command = "'" + binary + "' --version 2>/dev/null";
    FILE* p = ::popen(command.c_str(), "r");
    if (p == nullptr) return 0;
    char line[256] = {};
    const bool read = std::fgets(line, sizeof line, p) != nullptr;
    ::pclose(p);
    const char* v = read ? std::strstr(line, "v=") : nullptr;
    return v ? std::atoi(v + 2) : 0;
}

int free_loopback_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

#ifdef __linux__
// The server is killed with the test program, even if that crashes.
void die_with_parent() { ::prctl(PR_SET_PDEATHSIG, SIGKILL); }
#else
void die_with_parent() {}
#endif

std::string log_tail(const std::string& dir) {
    FILE* f = std::fopen((dir + "/redis.log").c_str(), "r");
    if (f == nullptr) return "(no log)";
    std::string text;
    char chunk[512];
    while (size_t n = std::fread(chunk, 1, sizeof chunk, f)) text.append(chunk, n);
    std::fclose(f);
    return text.size() > 600 ? text.substr(text.size() - 600) : text;
}

}  // namespace

Server::~Server() { stop(); }

bool Server::start(const std::string& binary, std::string& why, const Settings& settings) {
    binary_ = binary;
    settings_ = settings;
    major_ = read_major_version(binary);
    if (major_ == 0) {
        why = binary + " --version: no version";
        return false;
    }
    char dir[] = "/tmp/wshub-redis-XXXXXX";
    if (::mkdtemp(dir) == nullptr) {
        why = "mkdtemp failed";
        return false;
    }
    dir_ = dir;
    // Another program may take the free port before the server binds it:
    // a server that exits at once is tried again; one that hangs is not.
    for (int attempt = 0; attempt < 3; ++attempt) {
        port_ = free_loopback_port();
        // Not port + 10000, the default, which may be taken or past 65535.
        cluster_port_ = free_loopback_port();
        if (launch(why) && wait_ready(why)) {
            if (major_ < 7 || !settings_.cluster) return true;
            return (cluster_ = !settings_.own_every_slot || assign_slots(why));
        }
        const bool exited = pid_ < 0;
        stop_process();
        if (!exited) break;
    }
    return false;
}

bool Server::restart(std::string& why) {
    stop_process();
    if (launch(why) && wait_ready(why)) return true;
    stop_process();
    return false;
}

void Server::pause() noexcept {
    if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void Server::resume() noexcept {
    if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool Server::launch(std::string& why) {
    std::vector<std::string> args = {binary_,    "--port",       std::to_string(port_), "--bind", "127.0.0.1",
                                     "--dir",    dir_,           "--save",              "",       "--appendonly",
                                     "no",       "--daemonize",  "no",                  "--logfile",
                                     dir_ + "/redis.log"};
    // Redis 7: DEBUG PROTOCOL (every RESP3 type from the server itself) and,
    // unless the settings say no, a cluster of one node, for CLUSTER
    // commands and sharded pub/sub.
    if (major_ >= 7) args.insert(args.end(), {"--enable-debug-command", "local"});
    if (major_ >= 7 && settings_.cluster)
        args.insert(args.end(), {"--cluster-enabled", "yes", "--cluster-config-file", dir_ + "/nodes.conf",
                                 "--cluster-port", std::to_string(cluster_port_)});
    args.insert(args.end(), settings_.extra_args.begin(), settings_.extra_args.end());
    if (!settings_.requirepass.empty()) args.insert(args.end(), {"--requirepass", settings_.requirepass});
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) {
        why = "fork failed";
        return false;
    }
    if (pid_ == 0) {
        die_with_parent();
        const int null = ::open("/dev/null", O_RDWR);
        ::dup2(null, 0), ::dup2(null, 1), ::dup2(null, 2);
        ::execv(binary_.c_str(), argv.data());
        ::_exit(127);
    }
    return true;
}

bool Server::authenticate(Client& c) {
    return settings_.requirepass.empty() || round_trip(c, {"AUTH", settings_.requirepass}) == R"(complete 5 +"OK")";
}

bool Server::wait_ready(std::string& why) {
    const auto deadline = Clock::now() + kStartTimeout;
    while (Clock::now() < deadline) {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            why = "redis-server exited at start: " + log_tail(dir_);
            return false;
        }
        Client probe;
        if (probe.connect(port_) && authenticate(probe) && round_trip(probe, {"PING"}) == R"(complete 7 +"PONG")")
            return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    why = "redis-server not answering PING after 10 s: " + log_tail(dir_);
    return false;
}

// Every slot to the one node, then wait for the cluster to say it is ok.
bool Server::assign_slots(std::string& why) {
    Client c;
    if (!c.connect(port_) || round_trip(c, {"CLUSTER", "ADDSLOTSRANGE", "0", "16383"}) != R"(complete 5 +"OK")") {
        why = "CLUSTER ADDSLOTSRANGE failed";
        return false;
    }
    const auto deadline = Clock::now() + kStartTimeout;
    while (Clock::now() < deadline) {
        if (round_trip(c, {"CLUSTER", "INFO"}).find("cluster_state:ok") != std::string::npos) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    why = "the cluster of one node did not reach cluster_state:ok in 10 s";
    return false;
}

void Server::stop_process() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::kill(pid_, SIGCONT);  // a paused server must run to see it
    const auto deadline = Clock::now() + kStopTimeout;
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (Clock::now() >= deadline) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, &status, 0);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    pid_ = -1;
}

void Server::stop() noexcept {
    stop_process();
    if (dir_.empty()) return;
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    dir_.clear();
}

namespace {

const std::string& server_binary() {
    static const std::string binary = find_in_path("redis-server");
    return binary;
}

}  // namespace

std::unique_ptr<Server> private_server(const Settings& settings, std::string& why_not, bool& installed) {
    const std::string& binary = server_binary();
    installed = !binary.empty();
    if (binary.empty()) {
        why_not = "redis-server not found in PATH (Debian: apt-get install redis-server)";
        return nullptr;
    }
    auto server = std::make_unique<Server>();
    if (!server->start(binary, why_not, settings)) server.reset();
    return server;
}

Server* shared_server(std::string& why_not, bool& installed) {
    static std::string why;
    static const std::string binary = server_binary();
    static const std::unique_ptr<Server> server = [] {
        if (binary.empty()) {
            why = "redis-server not found in PATH (Debian: apt-get install redis-server)";
            return std::unique_ptr<Server>();
        }
        auto s = std::make_unique<Server>();
        if (!s->start(binary, why)) s.reset();
        return s;
    }();
    installed = !binary.empty();
    if (!server) why_not = why;
    return server.get();
}

Client::~Client() {
    if (fd_ >= 0) ::close(fd_);
}

bool Client::connect(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return false;
    timeval timeout{kIoTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool Client::send(std::initializer_list<std::string_view> args) {
    std::string wire;
    wshub::redis::append_command(wire, args);
    return send_raw(wire);
}

bool Client::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

std::string Client::next_reply() {
    const auto deadline = Clock::now() + kReplyTimeout;
    for (;;) {
        if (Clock::now() >= deadline) {
            error = "no whole reply in 10 s";
            return "";
        }
        const wshub::redis::Reply r = parser_.parse(buffer_, kLimits);
        if (r.status == wshub::redis::Status::complete) {
            std::string reply = buffer_.substr(0, r.length);
            buffer_.erase(0, r.length);
            return reply;
        }
        if (r.status == wshub::redis::Status::error) {
            error = std::string("not RESP: ") + wshub::redis::error_name(r.error);
            return "";
        }
        char chunk[kReadChunk];
        const ssize_t n = fd_ < 0 ? -1 : ::recv(fd_, chunk, sizeof chunk, 0);
        if (n > 0) {
            buffer_.append(chunk, static_cast<size_t>(n));
        } else if (n == 0) {
            error = "connection closed";
            return "";
        } else if (errno != EINTR) {
            error = errno == EAGAIN || errno == EWOULDBLOCK ? "timed out" : std::strerror(errno);
            return "";
        }
    }
}

std::string next_described(Client& c) {
    const std::string wire = c.next_reply();
    if (wire.empty()) return "no reply: " + c.error;
    return resp_text::describe(wshub::redis::parse_reply(wire, kLimits));
}

std::string round_trip(Client& c, std::initializer_list<std::string_view> args) {
    if (!c.send(args)) return "no reply: send failed";
    return next_described(c);
}

}  // namespace redis_test
