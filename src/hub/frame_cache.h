// Per-thread free lists of frame-sized memory blocks. A message's Frame lives
// from its publish to its last write, so in steady state every message would
// cost a malloc and a free; with many frames released per loop pass glibc's
// small per-thread cache (7 blocks a size) overflows into its locked arenas.
// Here each thread keeps up to a fixed number of blocks of four size classes,
// so a worker's frames are recycled without calling the allocator. A block
// freed by another thread (a frame delivered across workers) joins that
// thread's lists: blocks migrate, but every list is bounded, so memory is too.
#pragma once

#include <cstddef>
#include <cstdint>

namespace wshub::hub {

// The size class that holds `bytes`, or kUncachedClass when larger than the
// largest class (such blocks come from malloc and go back to free).
constexpr uint8_t kUncachedClass = 0xFF;
uint8_t block_class(size_t bytes) noexcept;

// A block of at least `bytes` bytes, of class block_class(bytes) (stored by
// the caller, which must give it back to free_block). nullptr if out of memory.
void* allocate_block(size_t bytes, uint8_t cls) noexcept;
void free_block(void* block, uint8_t cls) noexcept;

// Blocks this thread keeps, all classes together (for tests).
size_t cached_blocks() noexcept;

}  // namespace wshub::hub
