// The per-thread block cache (frames, rings): classes, reuse, caps, and blocks that
// change threads with the frames delivered across workers.
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "hub/frame.h"
#include "hub/block_cache.h"

using namespace wshub;

TEST(block_cache_classes_cover_their_bounds) {
    CHECK_EQ(int(hub::block_class(1)), 0);
    CHECK_EQ(int(hub::block_class(256)), 0);
    CHECK_EQ(int(hub::block_class(257)), 1);
    CHECK_EQ(int(hub::block_class(1024)), 1);
    CHECK_EQ(int(hub::block_class(1025)), 2);
    CHECK_EQ(int(hub::block_class(4096)), 2);
    CHECK_EQ(int(hub::block_class(16384)), 3);
    CHECK_EQ(int(hub::block_class(16385)), int(hub::kUncachedClass));
}

// Each block is at least the size asked for: fill it to its last byte (the
// ASan build would report an overrun).
TEST(block_cache_blocks_hold_the_bytes_asked_for) {
    for (size_t bytes : {1, 255, 256, 257, 1024, 4000, 16384, 16385, 100000}) {
        const uint8_t cls = hub::block_class(bytes);
        void* b = hub::allocate_block(bytes, cls);
        CHECK(b != nullptr);
        std::memset(b, 0xA5, bytes);
        hub::free_block(b, cls);
    }
}

TEST(block_cache_reuses_a_released_frame) {
    hub::Frame* a = hub::make_frame(ws::Opcode::text, "first");
    const void* where = a;
    const size_t cached = hub::cached_blocks();
    hub::release(a);
    CHECK_EQ(hub::cached_blocks(), cached + 1);
    hub::Frame* b = hub::make_frame(ws::Opcode::binary, "second message");
    CHECK_EQ(static_cast<const void*>(b), where);
    CHECK_EQ(hub::cached_blocks(), cached);
    CHECK_EQ(b->bytes(), std::string("\x82\x0esecond message"));
    CHECK(!b->control);
    hub::release(b);
}

TEST(block_cache_large_frames_bypass_it) {
    const size_t cached = hub::cached_blocks();
    hub::Frame* f = hub::make_frame(ws::Opcode::binary, std::string(20000, 'x'));
    CHECK_EQ(int(f->block_class), int(hub::kUncachedClass));
    hub::release(f);
    CHECK_EQ(hub::cached_blocks(), cached);
}

// A burst far beyond the cap: what is kept stays bounded, the rest is freed.
TEST(block_cache_is_bounded) {
    std::thread([] {
        std::vector<hub::Frame*> burst;
        for (int i = 0; i < 10000; ++i) burst.push_back(hub::make_frame(ws::Opcode::text, "m"));
        CHECK_EQ(hub::cached_blocks(), 0u);
        for (hub::Frame* f : burst) hub::release(f);
        CHECK_EQ(hub::cached_blocks(), 4096u);  // the smallest class's cap
    }).join();
}

// A frame made on one worker and released last on another lands in the
// releasing thread's cache.
TEST(block_cache_block_moves_to_the_releasing_thread) {
    hub::Frame* f = nullptr;
    std::thread([&f] { f = hub::make_frame(ws::Opcode::text, std::string(600, 'y')); }).join();
    std::thread([f] {
        CHECK_EQ(hub::cached_blocks(), 0u);
        hub::release(f);
        CHECK_EQ(hub::cached_blocks(), 1u);
        hub::Frame* again = hub::make_frame(ws::Opcode::text, std::string(700, 'z'));
        CHECK_EQ(static_cast<void*>(again), static_cast<void*>(f));
        CHECK_EQ(again->payload_len, 700u);
        hub::release(again);
    }).join();
}
