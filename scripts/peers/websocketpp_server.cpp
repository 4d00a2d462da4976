// A WebSocket++ server for wshub's benchmarks, doing what wshub's echo and
// raw modes do, the way WebSocket++'s own examples do it, tuned only where
// the library offers a knob (a config without locks or strands for one
// thread, logging off):
//
//   /echo            each message comes back to its sender, same type
//   /raw?room=NAME   each message goes to every OTHER member of the room
//                    (the first room= only, no percent-decoding; none: lobby)
//
// One thread runs the io_context (like wshub --workers 1). A room message is
// framed once: the library's RFC 6455 processor prepares it (server frames are
// not masked, so the bytes are the same for every member) and the one
// prepared message is queued on every member; WebSocket++ gathers a
// connection's queued messages into one write. Queues are bounded by bytes like wshub's default
// (1 MiB; WebSocket++ does not expose a message count): a member over it is
// closed with 1008 "slow consumer", as wshub's --overflow close does.
//
// A benchmark fixture: built by scripts/peers/build.sh, never part of wshub.
// usage: websocketpp_server PORT   (listens on 127.0.0.1)
#define ASIO_STANDALONE

#include <websocketpp/concurrency/none.hpp>
#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace {

constexpr size_t kQueueBytes = 1 << 20;
constexpr int kBacklog = 1024;  // wshub's

// The asio config, for one thread: no mutexes, no strands.
struct OneThreadConfig : websocketpp::config::asio {
    typedef OneThreadConfig type;
    typedef websocketpp::config::asio base;

    typedef websocketpp::concurrency::none concurrency_type;
    typedef base::request_type request_type;
    typedef base::response_type response_type;
    typedef base::message_type message_type;
    typedef base::con_msg_manager_type con_msg_manager_type;
    typedef base::endpoint_msg_manager_type endpoint_msg_manager_type;
    typedef websocketpp::log::basic<concurrency_type, websocketpp::log::alevel> alog_type;
    typedef websocketpp::log::basic<concurrency_type, websocketpp::log::elevel> elog_type;
    typedef base::rng_type rng_type;

    struct transport_config : public base::transport_config {
        typedef type::concurrency_type concurrency_type;
        typedef type::alog_type alog_type;
        typedef type::elog_type elog_type;
        typedef type::request_type request_type;
        typedef type::response_type response_type;
        typedef websocketpp::transport::asio::basic_socket::endpoint socket_type;
        static const bool enable_multithreading = false;
    };
    typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;
};

using Server = websocketpp::server<OneThreadConfig>;
using ConnPtr = Server::connection_ptr;
using MessagePtr = Server::message_ptr;

// Members of each room. Only the io_context thread touches it.
std::unordered_map<std::string, std::vector<ConnPtr>> g_rooms;

// Frames room messages once for all members. A server-side processor keeps
// no per-connection state without permessage-deflate, and never draws on its
// random generator (only client frames are masked).
struct Framer {
    OneThreadConfig::rng_type rng;
    std::shared_ptr<OneThreadConfig::con_msg_manager_type> messages =
        std::make_shared<OneThreadConfig::con_msg_manager_type>();
    websocketpp::processor::hybi13<OneThreadConfig> processor{false, true, messages, rng};
};
Framer* g_framer = nullptr;

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

// The path and the query of a connection's request target.
std::string_view path_of(const std::string& resource) { return std::string_view(resource).substr(0, resource.find('?')); }

void leave(const std::string& room, Server::connection_type* con) {
    auto it = g_rooms.find(room);
    if (it == g_rooms.end()) return;
    auto& members = it->second;
    for (size_t i = 0; i < members.size(); ++i)
        if (members[i].get() == con) {
            members[i] = std::move(members.back());
            members.pop_back();
            break;
        }
    if (members.empty()) g_rooms.erase(it);
}

void join_raw(const ConnPtr& con) {
    const std::string& resource = con->get_resource();
    size_t q = resource.find('?');
    std::string room = room_of(q == std::string::npos ? std::string_view() : std::string_view(resource).substr(q + 1));
    g_rooms[room].push_back(con);
    Server::connection_type* self = con.get();
    con->set_message_handler([self, room](websocketpp::connection_hdl, MessagePtr msg) {
        MessagePtr framed = g_framer->messages->get_message(msg->get_opcode(), msg->get_payload().size());
        if (g_framer->processor.prepare_data_frame(msg, framed)) return;  // e.g. bad UTF-8: nothing to send
        auto it = g_rooms.find(room);
        if (it == g_rooms.end()) return;
        for (const ConnPtr& member : it->second) {
            if (member.get() == self) continue;
            websocketpp::lib::error_code ec;
            if (member->get_buffered_amount() > kQueueBytes)
                member->close(websocketpp::close::status::policy_violation, "slow consumer", ec);
            else
                member->send(framed);
        }
    });
    con->set_close_handler([self, room](websocketpp::connection_hdl) { leave(room, self); });
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2 || std::atoi(argv[1]) <= 0 || std::atoi(argv[1]) > 65535) {
        std::fprintf(stderr, "usage: %s PORT\n", argv[0]);
        return 2;
    }
    Framer framer;
    g_framer = &framer;
    Server server;
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    try {
        server.init_asio();
        server.set_reuse_addr(true);
        server.set_listen_backlog(kBacklog);
        // After accept (the socket-init handler runs before the socket is open).
        server.set_tcp_post_init_handler([&server](websocketpp::connection_hdl hdl) {
            asio::error_code ignored;
            server.get_con_from_hdl(hdl)->get_socket().set_option(asio::ip::tcp::no_delay(true), ignored);
        });
        // Routes are checked before the 101; anything else gets 404.
        server.set_validate_handler([&server](websocketpp::connection_hdl hdl) {
            ConnPtr con = server.get_con_from_hdl(hdl);
            std::string_view path = path_of(con->get_resource());
            if (path == "/echo" || path == "/raw") return true;
            con->set_status(websocketpp::http::status_code::not_found);
            return false;
        });
        server.set_open_handler([&server](websocketpp::connection_hdl hdl) {
            ConnPtr con = server.get_con_from_hdl(hdl);
            if (path_of(con->get_resource()) == "/raw") return join_raw(con);
            Server::connection_type* self = con.get();
            con->set_message_handler([self](websocketpp::connection_hdl, MessagePtr msg) { self->send(msg); });
        });
        server.listen(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(),
                                              static_cast<unsigned short>(std::atoi(argv[1]))));
        server.start_accept();
        std::fprintf(stderr, "websocketpp_server: listening on 127.0.0.1:%s (WebSocket++ %d.%d.%d)\n", argv[1],
                     websocketpp::major_version, websocketpp::minor_version, websocketpp::patch_version);
        server.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "websocketpp_server: %s\n", e.what());
        return 1;
    }
    return 0;
}
