// Which of a worker's slots hold an open member, with which id and in which
// room namespace, readable by every worker (so a direct message to a member
// elsewhere, or of another namespace, is refused at once). Chunks are
// allocated by the owner as slots are first used and never move or shrink,
// so readers need no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "hub/member.h"
#include "hub/policy.h"

namespace wshub::hub {

class Directory {
public:
    Directory();
    Directory(const Directory&) = delete;
    Directory& operator=(const Directory&) = delete;

    // Thread-safe: is `id` open right now, in namespace `ns`? (Its worker
    // and node parts are the caller's to check.)
    bool is_open(MemberId id, uint16_t ns) const noexcept;
    // Owner only: slot_of(id) holds member `id`, of namespace `ns` (under
    // kMaxNamespaces), from now on.
    void set_open(MemberId id, uint16_t ns);
    // Owner only: the slot holds nobody.
    void set_closed(uint32_t slot) noexcept;

private:
    static constexpr uint32_t kChunk = 4096;
    // The slot holds the generation plus one in its low 24 bits, so that 0
    // means "not open" (the generation wraps through 0), and the namespace
    // (under kMaxNamespaces) in its top 8 bits. The node is the caller's.
    static uint32_t tag(MemberId id, uint16_t ns) noexcept {
        static_assert(kGenerationBits < 24);
        return (generation_of(id) + 1) | uint32_t(ns) << 24;
    }
    std::atomic<uint32_t>* chunk(uint32_t slot) const noexcept {
        return chunks_[slot / kChunk].load(std::memory_order_acquire);
    }

    std::unique_ptr<std::atomic<std::atomic<uint32_t>*>[]> chunks_;
    std::vector<std::unique_ptr<std::atomic<uint32_t>[]>> owned_;
};

}  // namespace wshub::hub
