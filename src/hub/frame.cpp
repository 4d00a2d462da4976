#include "hub/frame.h"

#include <algorithm>
#include <cstring>
#include <new>

#include "hub/block_cache.h"
#include "metrics/clock.h"

namespace wshub::hub {

namespace {

// A frame of `size` bytes, their contents the caller's to write.
Frame* allocate_bytes(uint64_t size, uint32_t payload_len, bool control) noexcept {
    if (size > UINT32_MAX) return nullptr;
    const size_t bytes = sizeof(Frame) + size_t(size);
    const uint8_t cls = block_class(bytes);
    void* mem = allocate_block(bytes, cls);
    if (!mem) return nullptr;
    Frame* f = new (mem) Frame;
    f->block_class = cls;
    f->refs.store(1, std::memory_order_relaxed);
    f->size = uint32_t(size);
    f->payload_len = payload_len;
    f->control = control;
    f->made_us = 0;
    f->deflated.store(nullptr, std::memory_order_relaxed);
    f->fragmented.store(nullptr, std::memory_order_relaxed);
    return f;
}

Frame* allocate(std::string_view prefix, std::string_view body, uint32_t payload_len, bool control) noexcept {
    if (body.size() > UINT32_MAX - ws::kMaxHeader) return nullptr;
    Frame* f = allocate_bytes(prefix.size() + body.size(), payload_len, control);
    if (!f) return nullptr;
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

Frame* make_fragmented(const Frame& f, uint32_t size) noexcept {
    const std::string_view payload = payload_of(f);
    const size_t pieces = (payload.size() + size - 1) / size;
    uint64_t bytes = 0;
    uint8_t header[ws::kMaxHeader];
    for (size_t at = 0; at < payload.size(); at += size)
        bytes += ws::write_header(header, ws::Opcode::continuation, std::min<size_t>(size, payload.size() - at)) +
                 std::min<size_t>(size, payload.size() - at);
    Frame* out = allocate_bytes(bytes, f.payload_len, false);
    if (!out) return nullptr;
    out->made_us = f.made_us;
    const uint8_t first = f.data[0];
    uint8_t* w = out->data;
    for (size_t i = 0, at = 0; i < pieces; ++i, at += size) {
        const size_t n = std::min<size_t>(size, payload.size() - at);
        const bool last = i + 1 == pieces;
        const size_t h = ws::write_header(w, i == 0 ? opcode_of(f) : ws::Opcode::continuation, n, false);
        if (i == 0) w[0] |= first & 0x70;  // RSV bits (permessage-deflate's RSV1) on the first only
        if (last) w[0] |= first & 0x80;    // FIN as f had it
        std::memcpy(w + h, payload.data() + at, n);
        w += h + n;
    }
    return out;
}

Frame* shared_fragmented(Frame* f, uint32_t size) noexcept {
    if (f->control || f->payload_len <= size) {
        retain(f);
        return f;
    }
    Frame* form = f->fragmented.load(std::memory_order_acquire);
    if (!form) {
        Frame* made = make_fragmented(*f, size);
        if (!made) {
            retain(f);
            return f;  // whole this time, not for good
        }
        // Another worker may have made it meanwhile: then theirs is kept.
        if (f->fragmented.compare_exchange_strong(form, made, std::memory_order_acq_rel, std::memory_order_acquire))
            form = made;
        else
            release(made);
    }
    retain(form);
    return form;
}

Frame* make_raw_frame(std::string_view bytes) noexcept { return allocate({}, bytes, 0, true); }

void release(Frame* f) noexcept {
    // acq_rel: the thread that frees must see every other holder's last use.
    if (f->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        Frame* const deflated = f->deflated.load(std::memory_order_acquire);
        if (deflated && deflated != f) release(deflated);
        Frame* const fragmented = f->fragmented.load(std::memory_order_acquire);
        if (fragmented && fragmented != f) release(fragmented);
        const uint8_t cls = f->block_class;
        const size_t bytes = sizeof(Frame) + f->size;
        f->~Frame();
        free_block(f, cls, bytes);
    }
}

}  // namespace wshub::hub
