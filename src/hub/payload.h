// What a publish delivers: one frame for every member, or one frame per
// edition, when the same message reads differently to different members (a
// back end's POST /publish, which each route's mode encodes its own way).
// The Sink says which edition a member reads. Either way each frame is made
// once, whatever the number of members, and shared by reference.
#pragma once

#include <atomic>
#include <cstdint>

#include "hub/frame.h"

namespace wshub::hub {

struct Editions {
    std::atomic<uint32_t> refs;
    uint32_t count;
    uint64_t bytes;   // every frame's size, what a lane counts
    Frame* frames[];  // `count` of them; null: that edition's members get nothing
};

// `count` null frames (the caller fills them in, each with a reference of
// its own), with one reference (the caller's). nullptr if out of memory.
Editions* make_editions(uint32_t count) noexcept;
inline void retain(Editions* e) noexcept { e->refs.fetch_add(1, std::memory_order_relaxed); }
void release(Editions* e) noexcept;  // the last one releases the frames too

struct Payload {
    Frame* frame = nullptr;        // for every member, or
    Editions* editions = nullptr;  // one frame per edition

    // What a member of edition `e` gets: null for nothing.
    Frame* for_edition(uint32_t e) const noexcept {
        if (frame) return frame;
        return e < editions->count ? editions->frames[e] : nullptr;
    }
    uint64_t bytes() const noexcept { return frame ? frame->size : editions->bytes; }
};

inline void retain(const Payload& p) noexcept {
    if (p.frame) retain(p.frame);
    if (p.editions) retain(p.editions);
}
inline void release(const Payload& p) noexcept {
    if (p.frame) release(p.frame);
    if (p.editions) release(p.editions);
}

}  // namespace wshub::hub
