#include "hub/frame.h"

#include <cstring>
#include <new>

#include "hub/block_cache.h"
#include "metrics/clock.h"

namespace wshub::hub {

namespace {

Frame* allocate(std::string_view prefix, std::string_view body, uint32_t payload_len, bool control) noexcept {
    if (body.size() > UINT32_MAX - ws::kMaxHeader) return nullptr;
    const size_t bytes = sizeof(Frame) + prefix.size() + body.size();
    const uint8_t cls = block_class(bytes);
    void* mem = allocate_block(bytes, cls);
    if (!mem) return nullptr;
    Frame* f = new (mem) Frame;
    f->block_class = cls;
    f->refs.store(1, std::memory_order_relaxed);
    f->size = uint32_t(prefix.size() + body.size());
    f->payload_len = payload_len;
    f->control = control;
    f->made_us = 0;
    f->deflated.store(nullptr, std::memory_order_relaxed);
    if (!prefix.empty()) std::memcpy(f->data, prefix.data(), prefix.size());
    if (!body.empty()) std::memcpy(f->data + prefix.size(), body.data(), body.size());
    return f;
}

}  // namespace

Frame* make_frame(ws::Opcode op, std::string_view payload, bool compressed) noexcept {
    uint8_t header[ws::kMaxHeader];
    const size_t header_len = ws::write_header(header, op, payload.size());
    if (compressed) header[0] |= 0x40;  // RSV1
    const std::string_view prefix(reinterpret_cast<const char*>(header), header_len);
    const bool control = (static_cast<uint8_t>(op) & 0x8) != 0;
    Frame* f = allocate(prefix, payload, uint32_t(payload.size()), control);
    if (f && !control) f->made_us = metrics::now_us();
    return f;
}

Frame* make_piece_frame(ws::Opcode op, std::string_view payload, bool fin) noexcept {
    uint8_t header[ws::kMaxHeader];
    const size_t header_len = ws::write_header(header, op, payload.size(), fin);
    const std::string_view prefix(reinterpret_cast<const char*>(header), header_len);
    Frame* f = allocate(prefix, payload, uint32_t(payload.size()), false);
    if (f) f->made_us = metrics::now_us();
    return f;
}

Frame* make_raw_frame(std::string_view bytes) noexcept { return allocate({}, bytes, 0, true); }

void release(Frame* f) noexcept {
    // acq_rel: the thread that frees must see every other holder's last use.
    if (f->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        Frame* const deflated = f->deflated.load(std::memory_order_acquire);
        if (deflated && deflated != f) release(deflated);
        const uint8_t cls = f->block_class;
        const size_t bytes = sizeof(Frame) + f->size;
        f->~Frame();
        free_block(f, cls, bytes);
    }
}

}  // namespace wshub::hub
