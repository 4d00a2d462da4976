#include "hub/block_cache.h"

#include <cstdlib>

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

// Class sizes cover a frame header plus a chat message (or a small ring), a
// small JSON document, a few KiB and up to 16 KiB. The smallest class keeps
// up to 1 MiB (a fan-out to thousands of members takes a ring each for a
// moment), the others 256 KiB each, so a thread keeps at most 1.75 MiB; a
// burst beyond that is freed as usual.
constexpr const size_t* kClassBytes = kBlockClassBytes;
constexpr size_t kClasses = kBlockClasses;
constexpr size_t kMaxBlocks[] = {4096, 256, 64, 16};

struct FreeBlock {
    FreeBlock* next;
};

struct Lists {
    FreeBlock* head[kClasses] = {};
    size_t count[kClasses] = {};

    // At thread exit the lists go back to malloc (tests and sanitizers see
    // no leak; a worker thread ends only when the server stops).
    ~Lists() {
        for (size_t c = 0; c < kClasses; ++c) {
            while (FreeBlock* b = head[c]) {
                WSHUB_UNPOISON(b, kClassBytes[c]);
                head[c] = b->next;
                std::free(b);
            }
            count[c] = 0;
        }
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
        return b;
    }
    return std::malloc(kClassBytes[cls]);
}

void free_block(void* block, uint8_t cls) noexcept {
    if (cls == kUncachedClass) {
        std::free(block);
        return;
    }
    Lists& l = t_lists;
    if (l.count[cls] >= kMaxBlocks[cls]) {
        std::free(block);
        return;
    }
    auto* b = static_cast<FreeBlock*>(block);
    b->next = l.head[cls];
    WSHUB_POISON(b, kClassBytes[cls]);
    l.head[cls] = b;
    ++l.count[cls];
}

size_t cached_blocks() noexcept {
    size_t n = 0;
    for (size_t c = 0; c < kClasses; ++c) n += t_lists.count[c];
    return n;
}

}  // namespace wshub::hub
