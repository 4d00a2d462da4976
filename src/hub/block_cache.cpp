#include "hub/block_cache.h"

#include <array>
#include <cstdlib>

// glibc keeps what its threads free in their arenas and returns memory to the
// system only from the top of a heap; malloc_trim also gives back the free
// pages in between. Other C libraries (musl) return large blocks on free().
#if defined(__GLIBC__)
#include <malloc.h>
#define WSHUB_GIVE_BACK() malloc_trim(0)
#else
#define WSHUB_GIVE_BACK() ((void)0)
#endif

// Under AddressSanitizer a cached block is poisoned, so a frame used after its
// last release is still reported although the memory never went to free().
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define WSHUB_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define WSHUB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define WSHUB_POISON(p, n) ((void)(p), (void)(n))
#define WSHUB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace wshub::hub {
namespace {

// Each list keeps up to 512 KiB (and at least 64 blocks): enough for a
// fan-out to thousands of members, which takes a ring each for a moment, to
// reuse them pass after pass. Past that a release goes to free(); the trim
// hands back what stays unused. Tables, so the per-message path neither
// divides nor shifts.
constexpr size_t kListBytes = 512 * 1024;
template <typename F>
constexpr std::array<size_t, kBlockClasses> per_class(F f) {
    std::array<size_t, kBlockClasses> t{};
    for (uint8_t c = 0; c < kBlockClasses; ++c) t[c] = f(c);
    return t;
}
constexpr auto kClassBytes = per_class([](uint8_t c) { return block_class_bytes(c); });
constexpr auto kMaxBlocks = per_class([](uint8_t c) {
    const size_t n = kListBytes / block_class_bytes(c);
    return n < 64 ? size_t(64) : n;
});

struct FreeBlock {
    FreeBlock* next;
};

struct Lists {
    FreeBlock* head[kBlockClasses] = {};
    size_t count[kBlockClasses] = {};
    size_t bytes = 0;                // in all lists
    size_t freed = 0;                // given to free() since malloc last gave memory back

    void free_first(uint8_t c, size_t n) noexcept {
        for (; n != 0 && head[c]; --n) {
            FreeBlock* b = head[c];
            WSHUB_UNPOISON(b, kClassBytes[c]);
            head[c] = b->next;
            --count[c];
            bytes -= kClassBytes[c];
            freed += kClassBytes[c];
            std::free(b);
        }
    }

    // At thread exit the lists go back to malloc (tests and sanitizers see
    // no leak; a worker thread ends only when the server stops).
    ~Lists() {
        for (uint8_t c = 0; c < kBlockClasses; ++c) free_first(c, count[c]);
    }
};

thread_local Lists t_lists;

}  // namespace

void* allocate_block(size_t bytes, uint8_t cls) noexcept {
    if (cls == kUncachedClass) return std::malloc(bytes);
    Lists& l = t_lists;
    if (FreeBlock* b = l.head[cls]) {
        WSHUB_UNPOISON(b, kClassBytes[cls]);
        l.head[cls] = b->next;
        --l.count[cls];
        l.bytes -= kClassBytes[cls];
        return b;
    }
    return std::malloc(kClassBytes[cls]);
}

void free_block(void* block, uint8_t cls, size_t bytes) noexcept {
    Lists& l = t_lists;
    if (cls == kUncachedClass || l.count[cls] >= kMaxBlocks[cls]) {
        l.freed += cls == kUncachedClass ? bytes : kClassBytes[cls];
        std::free(block);
        return;
    }
    auto* b = static_cast<FreeBlock*>(block);
    b->next = l.head[cls];
    WSHUB_POISON(b, kClassBytes[cls]);
    l.head[cls] = b;
    ++l.count[cls];
    l.bytes += kClassBytes[cls];
}

size_t trim_block_cache() noexcept {
    Lists& l = t_lists;
    size_t freed = 0;
    for (uint8_t c = 0; c < kBlockClasses; ++c) {
        // Half of each list, whatever its use: one that is busy takes a few
        // blocks back from malloc within the next interval, one that is idle
        // empties in a few intervals. (Tracking which blocks stayed unused
        // would cost every allocation a compare.)
        const size_t give = (l.count[c] + 1) / 2;
        l.free_first(c, give);
        freed += give * kClassBytes[c];
    }
    if (l.freed >= kGiveBackBytes) {
        l.freed = 0;
        WSHUB_GIVE_BACK();
    }
    return freed;
}

bool trim_wanted() noexcept { return t_lists.bytes != 0 || t_lists.freed >= kGiveBackBytes; }

size_t cached_blocks() noexcept {
    size_t n = 0;
    for (uint8_t c = 0; c < kBlockClasses; ++c) n += t_lists.count[c];
    return n;
}

size_t cached_bytes() noexcept { return t_lists.bytes; }

}  // namespace wshub::hub
