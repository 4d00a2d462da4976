// A Boost.Beast WebSocket server for wshub's benchmarks, doing what wshub's
// echo and raw modes do, the way Beast's own examples do it (asynchronous
// sessions on one io_context), tuned only where Beast offers a knob:
//
//   /echo            each message comes back to its sender, same type
//   /raw?room=NAME   each message goes to every OTHER member of the room
//                    (the first room= only, no percent-decoding; none: lobby)
//
// One thread runs the io_context (like wshub --workers 1), so rooms need no
// locks. A room message is copied once into a shared_ptr<const string> that
// every member's queue holds; Beast writes one message per async_write, so
// each member's queue is written one message after the other. A queue is
// bounded like wshub's defaults (1024 messages, 1 MiB); a member over it is
// closed with 1008 "slow consumer", as wshub's --overflow close does.
//
// A benchmark fixture: built by scripts/peers/build.sh, never part of wshub.
// usage: beast_server PORT   (listens on 127.0.0.1)
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

constexpr size_t kQueueMessages = 1024;
constexpr size_t kQueueBytes = 1 << 20;
constexpr int kBacklog = 1024;  // wshub's

class Session;
// Members of each room. Only the io_context thread touches it.
std::unordered_map<std::string, std::vector<Session*>> g_rooms;

struct Outgoing {
    std::shared_ptr<const std::string> data;
    bool text;
};

// The room named by a request target "/raw?...room=NAME...", or "lobby".
std::string room_of(std::string_view query) {
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        if (pair.substr(0, 5) == "room=" && pair.size() > 5) return std::string(pair.substr(5));
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return "lobby";
}

class Session : public std::enable_shared_from_this<Session> {
public:
    explicit Session(tcp::socket socket) : ws_(std::move(socket)) {}

    void start() {
        http::async_read(ws_.next_layer(), buf_, req_,
                         [self = shared_from_this()](beast::error_code ec, size_t) { self->on_request(ec); });
    }

    // Queues one room message; the caller shares data with every member.
    void deliver(const std::shared_ptr<const std::string>& data, bool text) {
        if (slow_) return;
        if (queue_.size() >= kQueueMessages || queued_bytes_ + data->size() > kQueueBytes) return overflow();
        queue_.push_back({data, text});
        queued_bytes_ += data->size();
        if (queue_.size() == 1) write_front();
    }

private:
    void on_request(beast::error_code ec) {
        if (ec) return;
        std::string_view target(req_.target().data(), req_.target().size());
        size_t q = target.find('?');
        std::string_view path = target.substr(0, q);
        if (!websocket::is_upgrade(req_)) return refuse(http::status::bad_request, "not a WebSocket upgrade\n");
        if (path == "/echo") {
            echo_ = true;
        } else if (path == "/raw") {
            room_name_ = room_of(q == std::string_view::npos ? std::string_view() : target.substr(q + 1));
        } else {
            return refuse(http::status::not_found, "no such route\n");
        }
        ws_.auto_fragment(false);  // one frame per message, as wshub sends
        buf_.consume(buf_.size());
        ws_.async_accept(req_, [self = shared_from_this()](beast::error_code ec) { self->on_accept(ec); });
    }

    void refuse(http::status status, const char* body) {
        auto res = std::make_shared<http::response<http::string_body>>(status, req_.version());
        res->set(http::field::content_type, "text/plain");
        res->keep_alive(false);
        res->body() = body;
        res->prepare_payload();
        http::async_write(ws_.next_layer(), *res, [self = shared_from_this(), res](beast::error_code, size_t) {
            beast::error_code ignored;
            self->ws_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
        });
    }

    void on_accept(beast::error_code ec) {
        req_ = {};
        if (ec) return;
        if (!echo_) {
            room_ = &g_rooms[room_name_];
            room_->push_back(this);
        }
        read();
    }

    void read() {
        ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(beast::error_code ec) {
        if (ec) return leave();  // closed by the client, or failed
        if (echo_) {
            // One message at a time: the next read starts once this echo is written.
            ws_.text(ws_.got_text());
            ws_.async_write(buf_.data(), [self = shared_from_this()](beast::error_code ec, size_t) {
                if (ec) return;
                self->buf_.consume(self->buf_.size());
                self->read();
            });
            return;
        }
        auto data = std::make_shared<const std::string>(beast::buffers_to_string(buf_.data()));
        const bool text = ws_.got_text();
        buf_.consume(buf_.size());
        for (Session* member : *room_)
            if (member != this) member->deliver(data, text);
        read();
    }

    void write_front() {
        ws_.text(queue_.front().text);
        ws_.async_write(net::buffer(*queue_.front().data),
                        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_written(ec); });
    }

    void on_written(beast::error_code ec) {
        if (ec) return;
        queued_bytes_ -= queue_.front().data->size();
        queue_.pop_front();
        if (slow_) return close_slow();
        if (!queue_.empty()) write_front();
    }

    // Drops what is queued (but the message being written) and closes once
    // no write is under way: Beast allows one write operation at a time.
    void overflow() {
        slow_ = true;
        if (queue_.empty()) return close_slow();
        queue_.erase(queue_.begin() + 1, queue_.end());
        queued_bytes_ = queue_.front().data->size();
    }

    void close_slow() {
        queue_.clear();
        queued_bytes_ = 0;
        ws_.async_close(websocket::close_reason(websocket::close_code::policy_error, "slow consumer"),
                        [self = shared_from_this()](beast::error_code) {});
    }

    void leave() {
        if (!room_) return;
        auto& members = *room_;
        for (size_t i = 0; i < members.size(); ++i)
            if (members[i] == this) {
                members[i] = members.back();
                members.pop_back();
                break;
            }
        if (members.empty()) g_rooms.erase(room_name_);
        room_ = nullptr;
    }

    websocket::stream<tcp::socket> ws_;
    beast::flat_buffer buf_;
    http::request<http::string_body> req_;
    bool echo_ = false;
    std::string room_name_;
    std::vector<Session*>* room_ = nullptr;
    std::deque<Outgoing> queue_;
    size_t queued_bytes_ = 0;
    bool slow_ = false;
};

class Listener {
public:
    Listener(net::io_context& ioc, unsigned short port) : acceptor_(ioc), retry_(ioc) {
        tcp::endpoint at(net::ip::address_v4::loopback(), port);
        acceptor_.open(at.protocol());
        acceptor_.set_option(net::socket_base::reuse_address(true));
        acceptor_.bind(at);
        acceptor_.listen(kBacklog);
    }

    void accept() {
        acceptor_.async_accept([this](beast::error_code ec, tcp::socket socket) {
            if (ec) {
                // Out of descriptors, say: wait a little instead of spinning.
                retry_.expires_after(std::chrono::milliseconds(10));
                retry_.async_wait([this](beast::error_code) { accept(); });
                return;
            }
            socket.set_option(tcp::no_delay(true));
            std::make_shared<Session>(std::move(socket))->start();
            accept();
        });
    }

private:
    tcp::acceptor acceptor_;
    net::steady_timer retry_;
};

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atoi(argv[1]) <= 0 || std::atoi(argv[1]) > 65535) {
        std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    net::io_context ioc(1);  // one thread: Asio may skip its locks
    try {
        Listener listener(ioc, static_cast<unsigned short>(std::atoi(argv[1])));
        listener.accept();
        std::fprintf(stderr, "beast_server: listening on 127.0.0.1:%s (Boost %d.%d)\n", argv[1],
                     BOOST_VERSION / 100000, BOOST_VERSION / 100 % 1000);
        ioc.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "beast_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
