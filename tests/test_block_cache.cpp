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
    struct Case {
        size_t bytes;
        int cls;
        size_t class_bytes;
    };
    const Case cases[] = {
        {1, 0, 64},        {64, 0, 64},       {65, 1, 80},       {80, 1, 80},       {81, 2, 96},
        {128, 4, 128},     {129, 5, 160},     {1024, 16, 1024},  {1025, 17, 1280},  {1052, 17, 1280},
        {4096, 24, 4096},  {12289, 31, 14336}, {14337, 32, 16384}, {16384, 32, 16384},
    };
    for (const Case& c : cases) {
        CHECK_EQ(int(hub::block_class(c.bytes)), c.cls);
        CHECK_EQ(hub::block_class_bytes(hub::block_class(c.bytes)), c.class_bytes);
    }
    CHECK_EQ(int(hub::block_class(16385)), int(hub::kUncachedClass));
    CHECK_EQ(int(hub::kBlockClasses), 33);
}

// Every size from 1 byte to the largest class lands in the smallest class
// that holds it, and no class wastes more than a fifth of its block.
TEST(block_cache_every_size_gets_the_tightest_class) {
    for (size_t bytes = 1; bytes <= hub::kLargestBlock; ++bytes) {
        const uint8_t cls = hub::block_class(bytes);
        const size_t held = hub::block_class_bytes(cls);
        CHECK_GE(held, bytes);
        if (cls > 0) CHECK_LT(hub::block_class_bytes(uint8_t(cls - 1)), bytes);
        if (bytes > hub::kSmallestBlock && held - bytes >= held / 5) {
            CHECK_LT(held - bytes, held / 5);
            return;
        }
    }
}

// A 1 KiB message's frame takes a block a fifth larger, not four times.
TEST(block_cache_a_kib_message_holds_about_a_kib) {
    hub::Frame* f = hub::make_frame(ws::Opcode::text, std::string(1024, 'k'));
    CHECK_EQ(hub::block_class_bytes(f->block_class), 1280u);
    hub::release(f);
}

// Each block is at least the size asked for: fill it to its last byte (the
// ASan build would report an overrun).
TEST(block_cache_blocks_hold_the_bytes_asked_for) {
    for (size_t bytes : {1, 63, 64, 65, 255, 256, 257, 1024, 1052, 4000, 16384, 16385, 100000}) {
        const uint8_t cls = hub::block_class(bytes);
        void* b = hub::allocate_block(bytes, cls);
        CHECK(b != nullptr);
        std::memset(b, 0xA5, bytes);
        hub::free_block(b, cls, bytes);
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
        for (int i = 0; i < 20000; ++i) burst.push_back(hub::make_frame(ws::Opcode::text, "m"));
        CHECK_EQ(hub::cached_blocks(), 0u);
        for (hub::Frame* f : burst) hub::release(f);
        CHECK_EQ(hub::cached_bytes(), size_t(512 * 1024));  // one class's cap: 8,192 blocks of 64 bytes
    }).join();
}

// What a burst left in the cache goes back by halves, one trim at a time:
// an idle cache empties within a few intervals; a busy one takes what it
// needs back from malloc.
TEST(block_cache_trim_gives_back_half_each_time) {
    std::thread([] {
        std::vector<hub::Frame*> burst;
        for (int i = 0; i < 400; ++i) burst.push_back(hub::make_frame(ws::Opcode::text, std::string(900, 'b')));
        for (hub::Frame* f : burst) hub::release(f);
        CHECK_EQ(hub::cached_blocks(), 400u);
        CHECK_EQ(hub::trim_block_cache(), size_t(200 * 1024));
        CHECK_EQ(hub::cached_blocks(), 200u);
        CHECK_EQ(hub::cached_bytes(), size_t(200 * 1024));
        for (int i = 0; i < 9; ++i) hub::trim_block_cache();
        CHECK_EQ(hub::cached_blocks(), 0u);
        CHECK(!hub::trim_wanted() || hub::cached_bytes() == 0);
        // Busy again: the frames come from malloc, then from the cache.
        hub::Frame* f = hub::make_frame(ws::Opcode::text, std::string(900, 'c'));
        hub::release(f);
        CHECK_EQ(hub::cached_blocks(), 1u);
    }).join();
}

// What a thread frees to malloc counts towards giving memory back: past
// kGiveBackBytes a trim is wanted even with empty lists, and the trim that
// gives it back starts the count again.
TEST(block_cache_wants_a_trim_after_freeing_enough_to_malloc) {
    std::thread([] {
        CHECK(!hub::trim_wanted());
        const std::string big(64 * 1024, 'g');  // over the largest class: malloc's
        for (size_t freed = 0; freed < hub::kGiveBackBytes; freed += big.size())
            hub::release(hub::make_frame(ws::Opcode::binary, big));
        CHECK_EQ(hub::cached_blocks(), 0u);
        CHECK(hub::trim_wanted());
        hub::trim_block_cache();
        CHECK(!hub::trim_wanted());
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
        hub::Frame* again = hub::make_frame(ws::Opcode::text, std::string(610, 'z'));  // the same class
        CHECK_EQ(static_cast<void*>(again), static_cast<void*>(f));
        CHECK_EQ(again->payload_len, 610u);
        hub::release(again);
    }).join();
}
