#include "socketio_session.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "clock.h"
#include "dial.h"
#include "masked_frame.h"
#include "server_frames.h"
#include "socketio.h"
#include "ws/mask_source.h"

namespace wsbench {

namespace {

using wshub::ws::Opcode;

enum class Wait { open, connected, ack, done, failed };

// One connection's handshake; a ServerFrames sink.
struct Session {
    DialedConn conn;
    ServerFrames decoder{1 << 16};
    Wait wait = Wait::open;
    std::string message;  // the text message being received
    std::string why;      // when failed
    std::string payload;  // sio_read's, unused here
    std::string_view room;  // to join once connected; empty: none
    wshub::ws::MaskSource* masks = nullptr;

    void on_data(const uint8_t* p, size_t n, uint64_t) { message.append(reinterpret_cast<const char*>(p), n); }
    void on_control(const wshub::ws::Event& e) {
        if (e.kind == wshub::ws::Event::Kind::close) fail("the server closed the connection");
    }
    void on_message(Opcode opcode, uint64_t);
    // Done or failed: what follows belongs to the scenario, or to no one.
    bool stopped() const noexcept { return wait == Wait::done || wait == Wait::failed; }
    void fail(const std::string& w) {
        if (wait == Wait::failed) return;
        wait = Wait::failed;
        why = w;
    }
    void send(std::string_view text);
};

// Writes one masked text frame; its few bytes fit any fresh socket's buffer.
void Session::send(std::string_view text) {
    std::string frame(masked_frame_size(text.size()), '\0');
    write_masked_frame(reinterpret_cast<uint8_t*>(frame.data()), Opcode::text,
                       reinterpret_cast<const uint8_t*>(text.data()), text.size(), masks->next());
    ssize_t w;
    do w = write(conn.fd, frame.data(), frame.size());
    while (w < 0 && errno == EINTR);
    if (w != ssize_t(frame.size()))
        fail(std::string("write: ") + (w < 0 ? std::strerror(errno) : "short write"));
}

void Session::on_message(Opcode opcode, uint64_t) {
    std::string text;
    text.swap(message);
    if (wait == Wait::failed || wait == Wait::done) return;
    if (opcode != Opcode::text) return fail("a binary message during the Socket.IO handshake");
    const SioPacket k = sio_read(text, payload);
    if (k == SioPacket::ping) return send(kSioPong);
    if (wait == Wait::open && k == SioPacket::open) {
        wait = Wait::connected;
        return send(kSioConnect);
    }
    if (wait == Wait::connected && k == SioPacket::connected) {
        wait = room.empty() ? Wait::done : Wait::ack;
        if (!room.empty()) send(sio_join_packet(room));
        return;
    }
    if (wait == Wait::ack && k == SioPacket::ack) {
        wait = Wait::done;
        return;
    }
    fail("unexpected Socket.IO packet '" + text.substr(0, 80) + "'");
}

// Feeds p until the session is done, so that what follows its last
// handshake message stays whole for the scenario; returns the bytes used.
size_t feed(Session& s, uint8_t* p, size_t n) {
    const size_t used = s.stopped() ? 0 : s.decoder.feed(p, n, s);
    if (s.decoder.failed()) s.fail("bad frame: " + std::string(s.decoder.error()));
    return used;
}

}  // namespace

std::vector<DialedConn> open_sio_sessions(std::vector<DialedConn>& conns, std::string_view join_room,
                                          double timeout_s, DialStats& stats) {
    wshub::ws::MaskSource masks;
    std::vector<Session> sessions(conns.size());
    int ep = epoll_create1(EPOLL_CLOEXEC);
    size_t pending = 0;
    for (size_t i = 0; i < conns.size(); ++i) {
        Session& s = sessions[i];
        s.conn = std::move(conns[i]);
        s.room = join_room;
        s.masks = &masks;
        std::string early;
        early.swap(s.conn.leftover);
        const size_t used = feed(s, reinterpret_cast<uint8_t*>(early.data()), early.size());
        s.conn.leftover = early.substr(used);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = i;
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, s.conn.fd, &ev) != 0) s.fail(std::string("epoll: ") + std::strerror(errno));
        pending += s.wait != Wait::done && s.wait != Wait::failed;
    }
    conns.clear();
    const int64_t deadline = now_ns() + int64_t(timeout_s * 1e9);
    std::vector<epoll_event> events(1024);
    uint8_t buf[16384];
    while (pending > 0 && now_ns() < deadline) {
        int n = epoll_wait(ep, events.data(), int(events.size()), 50);
        for (int e = 0; e < n; ++e) {
            Session& s = sessions[events[size_t(e)].data.u64];
            if (s.wait == Wait::done || s.wait == Wait::failed) continue;
            ssize_t r = read(s.conn.fd, buf, sizeof buf);
            if (r < 0 && (errno == EAGAIN || errno == EINTR)) continue;
            if (r <= 0) s.fail(r == 0 ? "the server closed the connection" : std::string("read: ") + std::strerror(errno));
            else {
                const size_t used = feed(s, buf, size_t(r));
                s.conn.leftover.append(reinterpret_cast<const char*>(buf) + used, size_t(r) - used);
            }
            pending -= s.wait == Wait::done || s.wait == Wait::failed;
        }
    }
    if (ep >= 0) close(ep);
    std::vector<DialedConn> out;
    for (Session& s : sessions) {
        if (s.wait == Wait::done) {
            out.push_back(std::move(s.conn));
            continue;
        }
        if (s.wait != Wait::failed) s.fail("no Socket.IO handshake within " + std::to_string(timeout_s) + " s");
        ++stats.handshake_errors;
        if (stats.first_error.empty()) stats.first_error = "Socket.IO: " + s.why;
        close(s.conn.fd);
    }
    return out;
}

}  // namespace wsbench
