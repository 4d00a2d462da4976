#include "hub/block_cache.h"

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
// hands back what stays unused.
constexpr size_t kListBytes = 512 * 1024;
constexpr size_t max_blocks(uint8_t cls) noexcept {
    const size_t n = kListBytes / block_class_bytes(cls);
    return n < 64 ? 64 : n;
}

struct FreeBlock {
    FreeBlock* next;
};

struct Lists {
    FreeBlock* head[kBlockClasses] = {};
    size_t count[kBlockClasses] = {};
    size_t low[kBlockClasses] = {};  // the fewest each list held since the last trim
    size_t bytes = 0;                // in all lists
    size_t freed = 0;                // given to free() since malloc last gave memory back

    void free_first(uint8_t c, size_t n) noexcept {
        for (; n != 0 && head[c]; --n) {
            FreeBlock* b = head[c];
            WSHUB_UNPOISON(b, block_class_bytes(c));
            head[c] = b->next;
            --count[c];
            bytes -= block_class_bytes(c);
            freed += block_class_bytes(c);
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
        WSHUB_UNPOISON(b, block_class_bytes(cls));
        l.head[cls] = b->next;
        if (--l.count[cls] < l.low[cls]) l.low[cls] = l.count[cls];
        l.bytes -= block_class_bytes(cls);
        return b;
    }
    return std::malloc(block_class_bytes(cls));
}

void free_block(void* block, uint8_t cls, size_t bytes) noexcept {
    Lists& l = t_lists;
    if (cls == kUncachedClass || l.count[cls] >= max_blocks(cls)) {
        l.freed += cls == kUncachedClass ? bytes : block_class_bytes(cls);
        std::free(block);
        return;
    }
    auto* b = static_cast<FreeBlock*>(block);
    b->next = l.head[cls];
    WSHUB_POISON(b, block_class_bytes(cls));
    l.head[cls] = b;
    ++l.count[cls];
    l.bytes += block_class_bytes(cls);
}

size_t trim_block_cache() noexcept {
    Lists& l = t_lists;
    size_t freed = 0;
    for (uint8_t c = 0; c < kBlockClasses; ++c) {
        // Blocks that stayed in the list the whole interval were not needed
        // in it: give half of them back (the rest next time, if still idle).
        const size_t idle = l.low[c] < l.count[c] ? l.low[c] : l.count[c];
        const size_t give = (idle + 1) / 2;
        l.free_first(c, give);
        freed += give * block_class_bytes(c);
        l.low[c] = l.count[c];
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
