#include "hub/payload.h"

#include <cstdlib>
#include <new>

namespace wshub::hub {

Editions* make_editions(uint32_t count) noexcept {
    void* mem = std::malloc(sizeof(Editions) + sizeof(Frame*) * count);
    if (!mem) return nullptr;
    auto* e = new (mem) Editions;
    e->refs.store(1, std::memory_order_relaxed);
    e->count = count;
    e->bytes = 0;
    for (uint32_t i = 0; i < count; ++i) e->frames[i] = nullptr;
    return e;
}

void release(Editions* e) noexcept {
    if (e->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    for (uint32_t i = 0; i < e->count; ++i)
        if (e->frames[i]) release(e->frames[i]);
    e->~Editions();
    std::free(e);
}

}  // namespace wshub::hub
