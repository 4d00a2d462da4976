// An embedder's program on wshub::Server: a multi-room chat. The program
// owns the process: it sets the options itself (no flags), blocks the
// signals it waits for before the server's threads start, and turns the
// first SIGINT or SIGTERM into stop() (the drain: every client is sent
// 1001 "going away").
//
// ws://127.0.0.1:PORT/chat?name=NAME (default: guest-ID), subprotocol
// chat.v1 if the client offers any. Text commands:
//   /join ROOM  leave the current room (if any) for ROOM
//   /leave      leave the current room
//   /rooms      the rooms that have members, with how many
// Any other text goes to the current room as "NAME: text", the sender
// included; "* NAME joined ROOM" and "* NAME left ROOM" go to the room's
// other members. Binary messages are refused with close 1003.
//
// Build: make (build/release/wshub-chat). Run: build/release/wshub-chat [PORT]
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "wshub/server.h"

namespace {

using wshub::MessageType;

// A connection's user data: what it is called, where it is.
struct Member {
    std::string name;
    std::string peer;  // copied in on_upgrade: the request's views end with it
    std::string room;  // "" when in none
};

Member& member(wshub::Conn& c) { return *static_cast<Member*>(c.user_data()); }

void say(wshub::Conn& c, const std::string& text) { c.send(text, MessageType::text); }

class Chat final : public wshub::Handler {
public:
    int on_upgrade(wshub::Conn& c, const wshub::UpgradeRequest& req, std::string& why) override {
        // A client that offers subprotocols must offer ours (req.protocol is
        // the one the server selected from Options::subprotocols).
        bool offered = false;
        req.for_each_offered_protocol([&](std::string_view) { offered = true; });
        if (offered && req.protocol.empty()) {
            why = "chat speaks chat.v1";
            return 400;
        }
        std::string name = "guest-" + std::to_string(c.id());
        if (!req.for_each_param("name", [&](std::string_view n) { name = n; }) || name.empty() || name.size() > 32) {
            why = "bad name";
            return 400;
        }
        c.set_user_data(new Member{name, std::string(req.peer.ip), ""});
        return 0;
    }

    void on_open(wshub::Conn& c) override {
        const Member& m = member(c);
        say(c, "* welcome " + m.name + " (from " + m.peer + ")");
    }

    void on_message(wshub::Conn& c, std::string_view text, MessageType type) override {
        if (type != MessageType::text) return c.close(wshub::CloseCode::unsupported_data, "chat takes text");
        Member& m = member(c);
        if (text.substr(0, 6) == "/join ") return join(c, m, std::string(text.substr(6)));
        if (text == "/leave") {
            if (m.room.empty()) return say(c, "* you are in no room");
            say(c, "* you left " + m.room);
            return leave(c, m);
        }
        if (text == "/rooms") return say(c, list_rooms());
        if (!text.empty() && text[0] == '/') return say(c, "* commands: /join ROOM, /leave, /rooms");
        if (m.room.empty()) return say(c, "* join a room first: /join ROOM");
        c.publish(m.room, m.name + ": " + std::string(text), MessageType::text, /*include_self=*/true);
    }

    // The connection's rooms are still listed here: the room hears it go.
    void on_close(wshub::Conn& c, wshub::CloseCode, std::string_view) override {
        if (!c.user_data()) return;
        Member& m = member(c);
        if (!m.room.empty()) leave(c, m);
        delete &m;
        c.set_user_data(nullptr);
    }

private:
    void join(wshub::Conn& c, Member& m, const std::string& room) {
        if (room == m.room) return say(c, "* you are in " + room + " already");
        if (c.join(room) != wshub::JoinResult::joined) return say(c, "* cannot join '" + room + "'");
        if (!m.room.empty()) leave(c, m);
        m.room = room;
        count(room, +1);
        c.publish(room, "* " + m.name + " joined " + room, MessageType::text, /*include_self=*/false);
        const size_t n = c.room_members(room);
        say(c, "* you joined " + room + " (" + std::to_string(n) + (n == 1 ? " member)" : " members)"));
    }

    void leave(wshub::Conn& c, Member& m) {
        c.publish(m.room, "* " + m.name + " left " + m.room, MessageType::text, /*include_self=*/false);
        c.leave(m.room);
        count(m.room, -1);
        m.room.clear();
    }

    // Every worker thread calls these: the table is the handler's own state.
    void count(const std::string& room, int delta) {
        std::lock_guard lock(mu_);
        if ((rooms_[room] += delta) == 0) rooms_.erase(room);
    }

    std::string list_rooms() {
        std::lock_guard lock(mu_);
        if (rooms_.empty()) return "* no rooms";
        std::string s = "* rooms:";
        for (const auto& [room, n] : rooms_) s += " " + room + " (" + std::to_string(n) + ")";
        return s;
    }

    std::mutex mu_;
    std::map<std::string, long> rooms_;  // members, by room
};

}  // namespace

int main(int argc, char** argv) {
    // Blocked before start(): the workers inherit the mask, so only sigwait sees them.
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

    wshub::Options options;
    options.listen = std::string("127.0.0.1:") + (argc > 1 ? argv[1] : "9003");
    options.workers = 2;
    options.routes = {"/chat=chat"};
    options.subprotocols = {"chat.v1"};
    Chat chat;
    wshub::Server server(options);
    server.add_mode("chat", chat);
    if (const wshub::Status s = server.start(); !s) {
        std::fprintf(stderr, "%s\n", s.message.c_str());
        return 1;
    }
    int sig = 0;
    sigwait(&stop_signals, &sig);
    server.stop();  // a client that never answers its 1001 is cut at drain_timeout
    return server.wait();
}
