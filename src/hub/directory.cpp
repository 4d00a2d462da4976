#include "hub/directory.h"

namespace wshub::hub {

Directory::Directory() : chunks_(new std::atomic<std::atomic<uint32_t>*>[kMaxSlots / kChunk]()) {}

bool Directory::is_open(MemberId id, uint16_t ns) const noexcept {
    if (id >> 53 != 0) return false;  // wider than any id
    const uint32_t slot = slot_of(id);
    const std::atomic<uint32_t>* c = chunk(slot);
    return c && c[slot % kChunk].load(std::memory_order_acquire) == tag(id, ns);
}

void Directory::set_open(MemberId id, uint16_t ns) {
    const uint32_t slot = slot_of(id);
    std::atomic<uint32_t>* c = chunks_[slot / kChunk].load(std::memory_order_relaxed);
    if (!c) {
        owned_.emplace_back(new std::atomic<uint32_t>[kChunk]());
        c = owned_.back().get();
        chunks_[slot / kChunk].store(c, std::memory_order_release);
    }
    c[slot % kChunk].store(tag(id, ns), std::memory_order_release);
}

void Directory::set_closed(uint32_t slot) noexcept {
    if (std::atomic<uint32_t>* c = chunks_[slot / kChunk].load(std::memory_order_relaxed))
        c[slot % kChunk].store(0, std::memory_order_release);
}

}  // namespace wshub::hub
