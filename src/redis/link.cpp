#include "redis/link.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "net/socket.h"
#include "redis/command.h"

namespace wshub::redis {
namespace {

using reactor::kReadable;
using reactor::kWritable;

// Reads take at least this much room; the read buffer starts at it.
constexpr size_t kReadChunk = 16 * 1024;
// Bytes read per readiness event before the loop's other sockets get a turn
// (the poller is level-triggered: the rest is reported again).
constexpr size_t kReadBudget = 256 * 1024;
// A read buffer grown past this for a large reply is given back once empty.
constexpr size_t kShrinkAbove = 64 * 1024;

// The queue holds commands this link wrote itself: flat arrays of bulk
// strings of any length, which the reply parser reads as well as any reply.
constexpr Limits kCommandLimits{1, UINT64_MAX, UINT64_MAX, UINT64_MAX};

// The length of the command at the front of `queued`, or 0 if none is whole.
size_t command_length(std::string_view queued) noexcept {
    const Reply r = parse_reply(queued, kCommandLimits);
    return r.status == Status::complete ? r.length : 0;
}

std::string errno_reason(const char* what, int error) {
    return std::string(what) + ": " + std::strerror(error);
}

// `reason` with every occurrence of the password replaced: a server's error
// text is quoted to the owner and into logs, and the password must not follow.
std::string redacted(std::string_view reason, std::string_view password) {
    std::string out(reason);
    if (password.empty()) return out;
    for (size_t at = out.find(password); at != std::string::npos; at = out.find(password, at + 1))
        out.replace(at, password.size(), "<password>");
    return out;
}

uint64_t default_seed(const void* link, uint64_t now_ms) noexcept {
    return uint64_t(reinterpret_cast<uintptr_t>(link)) ^ (now_ms << 24) ^ now_ms;
}

}  // namespace

const char* state_name(LinkState s) noexcept {
    switch (s) {
        case LinkState::idle: return "idle";
        case LinkState::connecting: return "connecting";
        case LinkState::handshaking: return "handshaking";
        case LinkState::up: return "up";
        case LinkState::waiting: return "waiting";
    }
    return "?";
}

Link::Link(LinkHost& host, uint64_t token, Endpoint endpoint, LinkOptions options)
    : host_(host),
      token_(token),
      endpoint_(std::move(endpoint)),
      options_(options),
      backoff_(options.backoff_first_ms, options.backoff_cap_ms,
               options.seed != 0 ? options.seed : default_seed(this, host.now_ms())) {}

Link::~Link() {
    close_socket();
    if (state_ != LinkState::idle && state_ != LinkState::up) host_.cancel_timer(*this);
}

void Link::start() {
    if (state_ == LinkState::idle) connect();
}

void Link::disconnect() {
    if (state_ == LinkState::connecting || state_ == LinkState::handshaking || state_ == LinkState::up)
        lose("disconnected by owner");
}

void Link::on_timer() {
    switch (state_) {
        case LinkState::connecting: return lose("connect timeout");
        case LinkState::handshaking: return lose("handshake timeout");
        case LinkState::waiting: ++reconnects_; return connect();
        case LinkState::idle:
        case LinkState::up: return;  // nothing was pending
    }
}

void Link::on_ready(uint32_t events) {
    if (fd_ < 0) return;  // an event for a socket already closed
    if (state_ == LinkState::connecting) return finish_connect();
    const uint64_t generation = generation_;
    if (events & kReadable) read_replies();
    if (generation == generation_ && (events & kWritable)) write_queued();
}

// The timer bounds connect and handshake together: a server that accepts
// and then says nothing is as dead as one that never answers the SYN.
void Link::connect() {
    state_ = LinkState::connecting;
    host_.set_timer(*this, host_.now_ms() + options_.connect_timeout_ms);
    const net::Address& to = endpoint_.address;
    fd_ = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return lose(errno_reason("socket", errno));
    net::set_nodelay(fd_);
    // A non-blocking connect interrupted by a signal goes on in the
    // background, as EINPROGRESS does: both end in writability.
    const bool done = ::connect(fd_, to.sockaddr_ptr(), to.length) == 0;
    if (!done && errno != EINPROGRESS && errno != EINTR) return lose(errno_reason("connect", errno));
    const uint32_t interest = done ? kReadable : kWritable;
    if (const int error = host_.watch(*this, fd_, interest)) return lose(errno_reason("watch", error));
    interest_ = interest;
    if (done) begin_handshake();
}

void Link::finish_connect() {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
    if (error != 0) return lose(errno_reason("connect", error));
    begin_handshake();
}

// The handshake's commands go in one write; each answers in turn, and the
// first error ends the attempt (the server's text becomes the reason).
void Link::begin_handshake() {
    state_ = LinkState::handshaking;
    const Endpoint& e = endpoint_;
    if (e.password.empty())
        append_command(out_, {"HELLO", "3"});
    else
        append_command(out_, {"HELLO", "3", "AUTH", e.user, e.password});
    handshake_left_ = 1;
    if (e.db != 0) {
        append_command(out_, {"SELECT", std::to_string(e.db)});
        ++handshake_left_;
    }
    if (!e.client_name.empty()) {
        append_command(out_, {"CLIENT", "SETNAME", e.client_name});
        ++handshake_left_;
    }
    write_queued();
}

void Link::take_handshake_reply(const Value& reply) {
    if (reply.is_error()) return lose("handshake: " + std::string(reply.text));
    if (--handshake_left_ > 0) return;
    state_ = LinkState::up;
    host_.cancel_timer(*this);
    backoff_.reset();
    host_.on_up(*this);
}

// Loss is reported after the link is already waiting, so on_down sees the
// state it is in and may call anything (disconnect() is then a no-op).
void Link::lose(std::string_view reason) {
    LinkDown down;
    down.was_up = state_ == LinkState::up;
    if (down.was_up) {
        down.dropped_commands = unsent_commands();
        down.dropped_bytes = out_.size() - sent_;
    }
    close_socket();
    std::string().swap(out_);
    sent_ = 0;
    // The read buffer is kept, not freed: a callback that caused this loss
    // may still hold views into it until it returns.
    in_begin_ = in_end_ = 0;
    parser_.reset();
    ++generation_;
    last_down_reason_ = redacted(reason, endpoint_.password);
    down.reason = last_down_reason_;
    down.retry_ms = backoff_.next();
    state_ = LinkState::waiting;
    host_.set_timer(*this, host_.now_ms() + down.retry_ms);
    host_.on_down(*this, down);
}

void Link::close_socket() noexcept {
    if (fd_ < 0) return;
    if (interest_ != 0) host_.unwatch(*this, fd_, interest_);
    ::close(fd_);
    fd_ = -1;
    interest_ = 0;
}

bool Link::set_interest(uint32_t interest) {
    if (interest == interest_) return true;
    if (const int error = host_.rewatch(*this, fd_, interest_, interest)) {
        lose(errno_reason("watch", error));
        return false;
    }
    interest_ = interest;
    return true;
}

void Link::read_replies() {
    const uint64_t generation = generation_;
    size_t budget = kReadBudget;
    for (;;) {
        const size_t room = make_read_room();
        size_t n = 0;
        const net::IoStatus status = net::read_some(fd_, in_.get() + in_end_, room, n);
        if (status == net::IoStatus::would_block) break;
        if (status == net::IoStatus::closed) return lose("closed by server");
        if (status == net::IoStatus::error) return lose(errno_reason("read", errno));
        in_end_ += n;
        if (!take_replies(generation)) return;
        // A short read emptied the socket: spare the read that says so.
        if (n < room || n >= budget) break;
        budget -= n;
    }
    shrink_read_buffer();
}

// Every whole reply in the buffer, handed on; false once a loss ended it.
bool Link::take_replies(uint64_t generation) {
    while (in_begin_ < in_end_) {
        const Reply r = parser_.parse({in_.get() + in_begin_, in_end_ - in_begin_}, options_.limits);
        if (r.status == Status::incomplete) return true;
        if (r.status == Status::error) {
            lose(std::string("bad reply: ") + error_name(r.error));
            return false;
        }
        in_begin_ += r.length;
        if (r.value.type == Type::push) {
            // Nothing is subscribed before up: a push then is no one's.
            if (state_ == LinkState::up) host_.on_push(*this, r.value);
        } else if (state_ == LinkState::up) {
            host_.on_reply(*this, r.value);
        } else {
            take_handshake_reply(r.value);
        }
        if (generation != generation_) return false;
    }
    return true;
}

// At least kReadChunk free at the end: the unread tail moved to the front,
// or the buffer doubled. The tail is less than a reply (the parser refuses
// one past max_reply), so the buffer stays under max_reply plus two chunks.
size_t Link::make_read_room() {
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
    if (in_capacity_ - in_end_ >= kReadChunk) return in_capacity_ - in_end_;
    if (in_begin_ > 0) {
        std::memmove(in_.get(), in_.get() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
    }
    if (in_capacity_ - in_end_ < kReadChunk) {
        const uint64_t most = std::min<uint64_t>(options_.limits.max_reply, UINT64_MAX / 2) + kReadChunk;
        const size_t doubled = std::min<uint64_t>(2 * in_capacity_, most);
        const size_t capacity = std::max(in_end_ + kReadChunk, doubled);
        std::unique_ptr<char[]> bigger(new char[capacity]);
        if (in_end_ > 0) std::memcpy(bigger.get(), in_.get(), in_end_);
        in_ = std::move(bigger);
        in_capacity_ = capacity;
    }
    return in_capacity_ - in_end_;
}

void Link::shrink_read_buffer() {
    if (in_capacity_ <= kShrinkAbove || in_begin_ != in_end_) return;
    in_.reset(new char[kReadChunk]);
    in_capacity_ = kReadChunk;
    in_begin_ = in_end_ = 0;
}

bool Link::send(const std::string_view* args, size_t count) {
    if (state_ != LinkState::up) return false;
    const size_t size = command_size(args, count);
    if (out_.size() + size > options_.queue_bytes && sent_ > 0) compact_queue();
    if (out_.size() + size > options_.queue_bytes) return false;
    reserve_queue(out_.size() + size);
    append_command(out_, args, count);
    return true;
}

void Link::flush() {
    if (state_ == LinkState::up && !(interest_ & kWritable) && sent_ < out_.size()) write_queued();
}

// Writes until the queue is empty (then waits for replies only) or the
// socket is full (then for writability too).
void Link::write_queued() {
    while (sent_ < out_.size()) {
        const iovec iov{out_.data() + sent_, out_.size() - sent_};
        size_t n = 0;
        const net::IoStatus status = net::write_some(fd_, &iov, 1, n);
        if (status == net::IoStatus::would_block) {
            set_interest(kReadable | kWritable);
            return;
        }
        if (status != net::IoStatus::ok) return lose(errno_reason("write", errno));
        sent_ += n;
    }
    out_.clear();
    sent_ = 0;
    set_interest(kReadable);
}

// Grows the queue's capacity to `bytes` at least, doubling but never past
// queue_bytes (std::string's own growth would double past it).
void Link::reserve_queue(size_t bytes) {
    if (bytes <= out_.capacity()) return;
    std::string bigger;
    bigger.reserve(std::max(bytes, std::min(2 * out_.capacity(), options_.queue_bytes)));
    bigger.append(out_);
    out_.swap(bigger);
}

// Drops the commands written whole from the front of the queue; the one a
// partial write cut short stays (its written part too), so the queue's
// front is always a command's start.
void Link::compact_queue() {
    size_t boundary = 0;
    while (boundary < sent_) {
        const size_t length = command_length(std::string_view(out_).substr(boundary));
        if (length == 0 || boundary + length > sent_) break;
        boundary += length;
    }
    out_.erase(0, boundary);
    sent_ -= boundary;
}

size_t Link::unsent_commands() const noexcept {
    size_t count = 0;
    for (size_t at = 0; at < out_.size();) {
        const size_t length = command_length(std::string_view(out_).substr(at));
        if (length == 0) break;
        at += length;
        if (at > sent_) ++count;
    }
    return count;
}

}  // namespace wshub::redis
