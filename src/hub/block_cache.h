// Per-thread free lists of memory blocks in four size classes, for what the
// hub allocates and frees per message: Frames (one per message, from its
// publish to its last write) and send-queue rings (a queue holds one only
// while something waits in it). Through malloc every message would cost an
// allocation and a free, and with many released per loop pass glibc's small
// per-thread cache (7 blocks a size) overflows into its locked arenas. Each
// list is bounded, so memory is too. A block freed by another thread (a frame
// delivered across workers) joins that thread's lists: blocks migrate.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::hub {

// The classes' usable sizes.
inline constexpr size_t kBlockClassBytes[] = {256, 1024, 4096, 16384};
inline constexpr size_t kBlockClasses = sizeof kBlockClassBytes / sizeof kBlockClassBytes[0];

// The size class that holds `bytes`, or kUncachedClass when larger than the
// largest class (such blocks come from malloc and go back to free).
constexpr uint8_t kUncachedClass = 0xFF;
constexpr uint8_t block_class(size_t bytes) noexcept {
    for (size_t c = 0; c < kBlockClasses; ++c)
        if (bytes <= kBlockClassBytes[c]) return uint8_t(c);
    return kUncachedClass;
}

// A block of at least `bytes` bytes, of class block_class(bytes) (stored by
// the caller, which must give it back to free_block). nullptr if out of memory.
void* allocate_block(size_t bytes, uint8_t cls) noexcept;
void free_block(void* block, uint8_t cls) noexcept;

// Blocks this thread keeps, all classes together (for tests).
size_t cached_blocks() noexcept;

}  // namespace wshub::hub
