// Per-thread free lists of memory blocks in size classes, for what the hub
// allocates and frees per message: Frames (one per message, from its publish
// to its last write) and send-queue rings (a queue holds one only while
// something waits in it). Through malloc every message would cost an
// allocation and a free, and with many released per loop pass glibc's small
// per-thread cache (7 blocks a size) overflows into its locked arenas.
//
// Classes go up by a quarter of each power of two (64, 80, 96, 112, 128,
// 160, ... 16 KiB), so a block wastes at most a fifth of itself: a 1 KiB
// message's frame (1,052 bytes) takes a 1,280-byte block. Each list is
// bounded, and trim_block_cache gives back, every interval, half of what each
// list holds, so memory taken by a burst goes back once the burst is over. A block freed by another thread (a
// frame delivered across workers) joins that thread's lists: blocks migrate.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

namespace wshub::hub {

inline constexpr size_t kSmallestBlock = 64;
inline constexpr size_t kLargestBlock = 16384;
// 64, then four classes per power of two up to 16 KiB.
inline constexpr uint8_t kBlockClasses = 1 + 4 * (std::bit_width(kLargestBlock) - std::bit_width(kSmallestBlock));

// The size class that holds `bytes`, or kUncachedClass when larger than the
// largest class (such blocks come from malloc and go back to free).
constexpr uint8_t kUncachedClass = 0xFF;
constexpr uint8_t block_class(size_t bytes) noexcept {
    if (bytes <= kSmallestBlock) return 0;
    if (bytes > kLargestBlock) return kUncachedClass;
    // bytes is in (2^(b-1), 2^b], cut into four steps of 2^(b-3): shifts,
    // not a division, since every message's frame is classed.
    const int b = std::bit_width(bytes - 1);
    const size_t quarter = ((bytes - 1 - (size_t(1) << (b - 1))) >> (b - 3)) + 1;  // 1..4
    return uint8_t(4 * (b - std::bit_width(kSmallestBlock)) + quarter);
}
// The usable size of a class's blocks.
constexpr size_t block_class_bytes(uint8_t cls) noexcept {
    if (cls == 0) return kSmallestBlock;
    const size_t base = kSmallestBlock << ((cls - 1) / 4);
    return base + ((cls - 1) % 4 + 1) * (base / 4);
}

// A block of at least `bytes` bytes, of class block_class(bytes) (stored by
// the caller, which must give it back to free_block with the same `bytes`).
// nullptr if out of memory.
void* allocate_block(size_t bytes, uint8_t cls) noexcept;
void free_block(void* block, uint8_t cls, size_t bytes) noexcept;

// Called by the owning thread every kTrimIntervalMs while trim_wanted(): frees
// half of the blocks each list holds, and once the
// thread has freed kGiveBackBytes to malloc since it last did, asks malloc to
// give its free pages back to the system (glibc keeps them otherwise).
// Returns the bytes freed from the lists.
inline constexpr uint64_t kTrimIntervalMs = 1000;
inline constexpr size_t kGiveBackBytes = 4 * 1024 * 1024;
size_t trim_block_cache() noexcept;
// The lists hold blocks, or enough was freed to malloc to give back.
bool trim_wanted() noexcept;

// Blocks this thread keeps, all classes together, and their bytes (for
// tests and the trim's caller).
size_t cached_blocks() noexcept;
size_t cached_bytes() noexcept;

}  // namespace wshub::hub
