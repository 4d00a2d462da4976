// wshub::ClientLoop: one thread's client connections on a reactor::Loop.
// A connection is known to the poller by its slot and that slot's
// generation (so a stale event never reaches a newer connection), and to
// the timers by its slot.
#include <atomic>
#include <cstring>
#include <mutex>
#include <vector>

#include "client/client_conn.h"
#include "client/client_loop.h"
#include "client/client_url.h"
#include "http/client_handshake.h"
#include "net/resolve.h"

namespace wshub {

using client::ClientConn;

struct ClientLoop::Impl final : client::ClientLoopCore {
    static constexpr size_t kReadSize = 64 * 1024;
    static constexpr size_t kMaxHead = 16 * 1024;

    reactor::Loop loop;
    ws::MaskSource masks;
    std::unique_ptr<uint8_t[]> read_buffer{new uint8_t[kReadSize]};
    client::LinkContext context;
    std::vector<std::unique_ptr<ClientConn>> slots;
    std::vector<uint32_t> generations;
    std::vector<uint32_t> free_slots;
    std::vector<uint64_t> dirty;  // tokens to flush at the end of the pass
    std::vector<uint32_t> done;   // slots to free at the end of the pass
    bool resolver_read = false;
    net::ResolverConfig resolver;
    std::atomic<bool> stopping{false};
    std::mutex posted_mutex;
    std::vector<std::function<void()>> posted;

    Impl() {
        context.poller = &loop.poller();
        context.masks = &masks;
        context.read_buffer = read_buffer.get();
        context.read_size = kReadSize;
        context.max_head = kMaxHead;
    }

    const client::LinkContext& shared_context() const noexcept override { return context; }
    reactor::Loop& reactor() noexcept override { return loop; }
    void mark_dirty(uint32_t slot) override { dirty.push_back(token_of(slot)); }

    uint64_t token_of(uint32_t slot) const noexcept { return uint64_t(generations[slot]) << 32 | slot; }
    ClientConn* lookup(uint64_t token) noexcept {
        const auto slot = uint32_t(token);
        if (slot >= slots.size() || generations[slot] != uint32_t(token >> 32)) return nullptr;
        return slots[slot].get();
    }
    uint32_t take_slot() {
        if (!free_slots.empty()) {
            const uint32_t slot = free_slots.back();
            free_slots.pop_back();
            return slot;
        }
        slots.emplace_back();
        generations.push_back(0);
        return uint32_t(slots.size() - 1);
    }
    // Frees it at the end of the pass once it is finished.
    void check(ClientConn* c) {
        if (c && c->finished()) done.push_back(c->slot());
    }

    // reactor::Loop's sink.
    void on_wake() {
        std::vector<std::function<void()>> tasks;
        {
            std::lock_guard<std::mutex> lock(posted_mutex);
            tasks.swap(posted);
        }
        for (auto& task : tasks) task();
    }
    void on_ready(uint64_t token, uint32_t events) {
        ClientConn* c = lookup(token);
        if (!c) return;
        c->on_ready(events);
        check(c);
    }
    void on_timer(uint32_t slot) {
        ClientConn* c = slot < slots.size() ? slots[slot].get() : nullptr;
        if (!c) return;
        c->on_timer();
        check(c);
    }
    void end_pass();
};

void ClientLoop::Impl::end_pass() {
    for (size_t i = 0; i < dirty.size(); ++i) {  // a flush may mark others
        ClientConn* c = lookup(dirty[i]);
        if (!c) continue;
        c->flush();
        check(c);
    }
    dirty.clear();
    for (const uint32_t slot : done) {
        if (!slots[slot]) continue;
        loop.cancel_timer(slot);
        slots[slot].reset();
        ++generations[slot];
        free_slots.push_back(slot);
    }
    done.clear();
}

ClientLoop::ClientLoop() : impl_(std::make_unique<Impl>()) {}

ClientLoop::~ClientLoop() = default;

size_t ClientLoop::size() const noexcept {
    size_t n = 0;
    for (const auto& c : impl_->slots) n += c && c->live();
    return n;
}

Client* ClientLoop::connect(const ClientOptions& options, ClientHandler& handler, std::string& error) {
    Impl& m = *impl_;
    client::ClientUrl url;
    if (!client::parse_client_url(options.url, url, error)) return nullptr;
    std::string request_headers;
    if (!client::request_headers(options.headers, request_headers, error)) return nullptr;
    if (!url.name.empty()) {
        if (!m.resolver_read) m.resolver = net::read_resolv_conf();
        m.resolver_read = true;
        std::vector<net::Address> found;
        if (!net::resolve(m.resolver, url.name, url.port, found, error)) return nullptr;
        url.address = found.front();
    }
    std::string protocols;
    for (const std::string& p : options.protocols) protocols += (protocols.empty() ? "" : ", ") + p;
    std::string key = client::new_client_key(m.masks);
    std::string request;
    http::write_client_request(request, {.host = url.host,
                                         .target = url.target,
                                         .key = key,
                                         .protocols = protocols,
                                         .extra_headers = request_headers});
    const uint32_t slot = m.take_slot();
    m.slots[slot] = std::make_unique<ClientConn>(m, slot, m.token_of(slot), options, handler);
    ClientConn* c = m.slots[slot].get();
    c->start(url.address, std::move(request), std::move(key), std::move(protocols));
    return c;
}

bool ClientLoop::run(std::string& error) {
    Impl& m = *impl_;
    if (m.loop.error() != 0) {
        error = std::string("event loop: ") + std::strerror(m.loop.error());
        return false;
    }
    m.on_wake();  // what was posted before run()
    m.end_pass();
    int rc = 0;
    while (rc >= 0 && !m.stopping.load(std::memory_order_relaxed)) {
        rc = m.loop.run_once(m);
        m.end_pass();
    }
    m.stopping.store(false, std::memory_order_relaxed);
    if (rc < 0) error = std::string("event loop: ") + std::strerror(-rc);
    return rc >= 0;
}

void ClientLoop::stop() {
    impl_->stopping.store(true, std::memory_order_relaxed);
    impl_->loop.poller().wake();
}

void ClientLoop::post(std::function<void()> task) {
    {
        std::lock_guard<std::mutex> lock(impl_->posted_mutex);
        impl_->posted.push_back(std::move(task));
    }
    impl_->loop.poller().wake();
}

}  // namespace wshub
