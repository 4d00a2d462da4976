// The hub's building blocks without a server: shared frames, bounded send
// queues written through a simulated socket, and the room registry.
#include <sys/uio.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "hub/block_cache.h"
#include "hub/frame.h"
#include "hub/registry.h"
#include "hub/send_queue.h"
#include "metrics/clock.h"
#include "metrics/histogram.h"

using namespace wshub;

namespace {

// A socket that takes at most `room` bytes a write: offers it what gather()
// gives, appends what it takes to `wire` and tells the queue (consume).
// Returns the bytes taken.
size_t write_to(hub::SendQueue& q, std::string& wire, size_t room, hub::SendQueue::Written& written,
                metrics::LatencyHistogram* latency = nullptr) {
    iovec iov[64];
    size_t offered;
    const uint32_t n = q.gather(iov, 64, offered);
    size_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum += iov[i].iov_len;
    CHECK_EQ(offered, sum);
    size_t taken = 0;
    for (uint32_t i = 0; i < n && taken < room; ++i) {
        const size_t part = std::min(iov[i].iov_len, room - taken);
        wire.append(static_cast<const char*>(iov[i].iov_base), part);
        taken += part;
    }
    q.consume(taken, written, latency);
    return taken;
}

}  // namespace

TEST(hub_frame_encodes_header_once) {
    hub::Frame* f = hub::make_frame(ws::Opcode::text, "hello");
    CHECK(f != nullptr);
    CHECK_EQ(f->bytes(), std::string("\x81\x05hello"));
    CHECK_EQ(f->payload_len, 5u);
    CHECK(!f->control);
    hub::release(f);
    std::string big(70000, 'x');
    f = hub::make_frame(ws::Opcode::binary, big);
    CHECK_EQ(f->size, 70010u);
    CHECK_EQ(uint8_t(f->data[1]), 127);
    hub::release(f);
    f = hub::make_frame(ws::Opcode::pong, "p");
    CHECK(f->control);
    hub::release(f);
}

TEST(hub_queue_budget_counts_data_not_control) {
    hub::SendQueue q;
    const hub::QueueLimits limits{2, 1000};
    hub::Frame* data = hub::make_frame(ws::Opcode::text, std::string(100, 'd'));
    hub::Frame* pong = hub::make_frame(ws::Opcode::pong, "p");
    CHECK(q.fits(limits, data->size));
    CHECK(q.push(data));
    CHECK(q.push(data));
    CHECK(!q.fits(limits, data->size));  // message budget reached
    CHECK(q.push(pong));                 // control frames always go in
    CHECK(q.push(pong));
    CHECK_EQ(q.data_messages(), 2u);
    CHECK_EQ(q.data_bytes(), 2u * 102);
    CHECK_EQ(q.pending_bytes(), 2u * 102 + 2u * 3);
    CHECK_EQ(data->refs.load(), 3u);  // ours + two queue entries
    q.release_all();
    CHECK_EQ(data->refs.load(), 1u);
    hub::release(data);
    hub::release(pong);
}

TEST(hub_queue_byte_budget) {
    hub::SendQueue q;
    const hub::QueueLimits limits{100, 250};
    hub::Frame* f = hub::make_frame(ws::Opcode::binary, std::string(98, 'b'));  // 100 bytes
    CHECK(q.fits(limits, f->size));
    q.push(f);
    q.push(f);
    CHECK(!q.fits(limits, f->size));  // 300 > 250
    CHECK(q.fits(limits, 50));
    hub::release(f);
}

TEST(hub_queue_empty_takes_one_message_over_the_byte_budget) {
    hub::SendQueue q;
    const hub::QueueLimits limits{100, 250};
    hub::Frame* big = hub::make_frame(ws::Opcode::binary, std::string(1000, 'b'));
    hub::Frame* pong = hub::make_frame(ws::Opcode::pong, "p");
    CHECK(q.fits(limits, big->size));  // nothing waits: it goes in whatever its size
    q.push(pong);
    CHECK(q.fits(limits, big->size));  // control frames do not count
    q.push(big);
    CHECK(!q.fits(limits, big->size));  // but only one
    CHECK(!q.fits(limits, 10));         // and nothing behind it while it is over the budget
    q.release_all();
    CHECK(!q.fits({0, 250}, 10));  // a zero message budget still takes none
    hub::release(big);
    hub::release(pong);
}

TEST(hub_queue_writes_keep_order_across_partial_writes) {
    hub::SendQueue q;
    std::string expect;
    for (int i = 0; i < 300; ++i) {
        std::string payload = std::to_string(i) + std::string(size_t(500 + i), char('a' + i % 26));
        hub::Frame* f = hub::make_frame(ws::Opcode::text, payload);
        expect.append(f->bytes());
        q.push(f);
        hub::release(f);
    }
    std::string got;
    hub::SendQueue::Written written;
    // Writes of every size from 1 to 4,096 bytes, cutting frames anywhere.
    for (size_t room = 1; !q.empty(); room = room % 4096 + 1) write_to(q, got, room, written);
    CHECK(q.empty());
    CHECK_EQ(written.frames, 300u);
    CHECK_EQ(written.wire, uint64_t(expect.size()));
    CHECK_EQ(written.bytes, uint64_t(expect.size()));
    CHECK_EQ(q.pending_bytes(), 0u);
    CHECK_EQ(q.data_bytes(), 0u);
    CHECK_EQ(got.size(), expect.size());
    CHECK(got == expect);
}

TEST(hub_queue_drop_data_keeps_control_and_partial_front) {
    hub::SendQueue q;
    hub::Frame* big = hub::make_frame(ws::Opcode::binary, std::string(200000, 'x'));
    hub::Frame* small = hub::make_frame(ws::Opcode::text, "s");
    hub::Frame* close = hub::make_frame(ws::Opcode::close, "\x03\xf0");
    q.push(big);
    q.push(small);
    q.push(close);
    q.push(small);
    hub::SendQueue::Written written;
    std::string got;
    CHECK_EQ(write_to(q, got, 4096, written), 4096u);  // part of `big` only
    CHECK_EQ(written.frames, 0u);
    CHECK(!q.empty());
    CHECK_EQ(q.drop_data(), 2u);  // both `small`; `big` is half out, `close` is control
    CHECK_EQ(q.data_messages(), 1u);
    while (!q.empty()) write_to(q, got, 65536, written);
    CHECK_EQ(written.frames, 1u);  // `big`; the close frame is control
    CHECK_EQ(got.size(), big->size + close->size);
    CHECK(got.substr(big->size) == std::string(close->bytes()));
    hub::release(big);
    hub::release(small);
    hub::release(close);
}

TEST(hub_frame_stamps_data_frames_only) {
    const uint64_t before = metrics::now_us();
    hub::Frame* data = hub::make_frame(ws::Opcode::text, "t");
    const uint64_t after = metrics::now_us();
    hub::Frame* ping = hub::make_frame(ws::Opcode::ping, "");
    hub::Frame* raw = hub::make_raw_frame("HTTP/1.1 200 OK\r\n\r\n");
    CHECK_GE(data->made_us, before);
    CHECK_LE(data->made_us, after);
    CHECK_EQ(ping->made_us, 0u);
    CHECK_EQ(raw->made_us, 0u);
    hub::release(data);
    hub::release(ping);
    hub::release(raw);
}

TEST(hub_queues_keep_a_shared_gauge_at_their_pending_bytes) {
    metrics::Gauge total;
    hub::SendQueue a, b;
    hub::Frame* big = hub::make_frame(ws::Opcode::binary, std::string(100000, 'x'));
    hub::Frame* small = hub::make_frame(ws::Opcode::text, "s");
    hub::Frame* pong = hub::make_frame(ws::Opcode::pong, "");
    a.push(big, &total);
    a.push(small, &total);
    b.push(small, &total);
    b.push(pong, &total);
    CHECK_EQ(total.get(), a.pending_bytes() + b.pending_bytes());
    CHECK_EQ(total.get(), uint64_t(big->size) + 2 * small->size + pong->size);
    hub::SendQueue::Written written;
    std::string wire;
    write_to(a, wire, 4096, written);  // part of `big` only
    CHECK_LT(a.pending_bytes(), uint64_t(big->size) + small->size);
    CHECK_EQ(total.get(), a.pending_bytes() + b.pending_bytes());
    CHECK_EQ(a.drop_data(), 1u);  // `small`; `big` is partly out
    CHECK_EQ(total.get(), a.pending_bytes() + b.pending_bytes());
    a.release_all();
    CHECK_EQ(total.get(), b.pending_bytes());
    write_to(b, wire, 1, written);  // one byte of `small`: partly written
    CHECK_EQ(total.get(), b.pending_bytes());
    while (!b.empty()) write_to(b, wire, 4096, written);
    CHECK(b.empty());
    CHECK_EQ(total.get(), 0u);
    hub::release(big);
    hub::release(small);
    hub::release(pong);
}

TEST(hub_queue_consume_observes_each_written_data_frame) {
    hub::SendQueue q;
    metrics::LatencyHistogram latency;
    hub::Frame* old = hub::make_frame(ws::Opcode::text, "old");
    old->made_us -= 150'000;  // made 150 ms ago
    hub::Frame* fresh = hub::make_frame(ws::Opcode::text, "fresh");
    hub::Frame* pong = hub::make_frame(ws::Opcode::pong, "");
    q.push(old);
    q.push(pong);  // control frames are not observed
    q.push(fresh);
    q.push(old);   // the same message to a second member would be observed again
    hub::SendQueue::Written written;
    std::string wire;
    write_to(q, wire, 65536, written, &latency);
    CHECK(q.empty());
    uint64_t count = 0;
    for (size_t i = 0; i <= metrics::LatencyHistogram::kBounds; ++i) count += latency.bucket(i);
    CHECK_EQ(count, 3u);
    CHECK_EQ(written.frames, 3u);
    // The two stamped 150 ms ago land over the 100 ms bound, in the next bucket.
    size_t over_100ms = 0;
    while (metrics::kLatencyBoundsUs[over_100ms] <= 100'000) ++over_100ms;
    CHECK_EQ(latency.bucket(over_100ms), 2u);
    CHECK_GE(latency.sum_us(), 300'000u);
    CHECK_LT(latency.sum_us(), 300'000u + 3 * 50'000u);
    hub::release(old);
    hub::release(fresh);
    hub::release(pong);
}

TEST(hub_registry_rooms_live_while_referenced) {
    hub::Registry reg(2);
    hub::Room* a = reg.acquire(0, "a");
    CHECK_EQ(reg.room_count(), 1u);
    CHECK(reg.acquire(0, "a") == a);  // same room, second reference
    hub::Room* b = reg.acquire(0, "b");
    CHECK(a != b);
    CHECK_EQ(reg.room_count(), 2u);
    reg.release(a);
    CHECK_EQ(reg.room_count(), 2u);
    reg.release(a);
    CHECK_EQ(reg.room_count(), 1u);  // last reference gone: removed
    hub::Room* a2 = reg.acquire(0, "a");
    CHECK_EQ(a2->name, std::string("a"));
    CHECK_EQ(a2->members.load(), 0u);
    reg.release(a2);
    reg.release(b);
    CHECK_EQ(reg.room_count(), 0u);
}

// Namespaces keep rooms apart: the same name in two is two rooms.
TEST(hub_registry_namespaces_are_apart) {
    hub::Registry reg(1, 2);
    hub::Room* a0 = reg.acquire(0, "chess");
    hub::Room* a1 = reg.acquire(1, "chess");
    CHECK(a0 != a1);
    CHECK_EQ(a1->ns, 1u);
    CHECK_EQ(reg.room_count(), 2u);
    reg.release(a0);
    CHECK(reg.acquire(1, "chess") == a1);
    reg.release(a1);
    reg.release(a1);
    CHECK_EQ(reg.room_count(), 0u);
}

TEST(hub_registry_member_cap) {
    hub::Registry reg(1);
    hub::Room* r = reg.acquire(0, "capped");
    CHECK(hub::Registry::reserve_member(r, 2));
    CHECK(hub::Registry::reserve_member(r, 2));
    CHECK(!hub::Registry::reserve_member(r, 2));
    hub::Registry::unreserve_member(r);
    CHECK(hub::Registry::reserve_member(r, 2));
    CHECK(hub::Registry::reserve_member(r, 0));  // 0: no cap
    CHECK_EQ(r->members.load(), 3u);
    reg.release(r);
}

TEST(hub_registry_concurrent_acquire_release) {
    // Threads racing to create, share and drop the same few rooms must never
    // lose a room that is referenced nor keep one that is not.
    hub::Registry reg(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&reg, t] {
            for (int i = 0; i < 20000; ++i) {
                const std::string name = "room" + std::to_string((i + t) % 3);
                hub::Room* r = reg.acquire(0, name);
                hub::Registry::retain(r);
                if (r->name != name) std::abort();
                reg.release(r);
                reg.release(r);
            }
        });
    for (auto& th : threads) th.join();
    CHECK_EQ(reg.room_count(), 0u);
}

// The queue is one pointer; its ring exists only while frames wait, grows
// through the size classes keeping order, and goes back to the block cache
// (not to malloc) when the queue empties.
TEST(hub_queue_ring_exists_only_while_frames_wait) {
    static_assert(sizeof(hub::SendQueue) == sizeof(void*));
    // On a thread of its own, whose block cache starts empty.
    std::thread([] {
        hub::SendQueue q;
        CHECK(q.empty());
        CHECK_EQ(q.pending_bytes(), 0u);
        CHECK_EQ(q.data_messages(), 0u);
        CHECK_EQ(q.drop_data(), 0u);
        iovec iov[1];
        size_t none;
        CHECK_EQ(q.gather(iov, 1, none), 0u);  // nothing to write, and no ring for it
        CHECK(q.empty());
        std::vector<hub::Frame*> frames;
        for (int i = 0; i < 3000; ++i) frames.push_back(hub::make_frame(ws::Opcode::text, std::to_string(i)));
        const size_t cached_before = hub::cached_blocks();
        for (hub::Frame* f : frames) CHECK(q.push(f));  // 8, 16, ... 1,024 entries, then malloc
        CHECK_EQ(q.data_messages(), 3000u);
        std::string want;
        for (hub::Frame* f : frames) want += std::string(f->bytes());
        hub::SendQueue::Written written;
        std::string got;
        while (!q.empty()) write_to(q, got, 65536, written);
        CHECK(q.empty());
        CHECK_EQ(written.frames, 3000u);
        CHECK(got == want);
        // The eight outgrown rings (one a class) went back to the cache, the
        // last (2,048 entries, over the largest class) to free().
        CHECK_EQ(hub::cached_blocks(), cached_before + 8);
        for (hub::Frame* f : frames) hub::release(f);
    }).join();
}
