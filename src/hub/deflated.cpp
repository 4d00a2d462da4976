#include "hub/deflated.h"

namespace wshub::hub {

Frame* compress_frame(const Frame& f, deflate::Deflater& d, deflate::Buffer& scratch, bool& out_of_memory) noexcept {
    const std::string_view payload = payload_of(f);
    scratch.clear();
    out_of_memory = !d.compress(reinterpret_cast<const uint8_t*>(payload.data()), payload.size(), scratch);
    if (out_of_memory || scratch.size() >= payload.size()) return nullptr;
    Frame* z = make_frame(opcode_of(f), {reinterpret_cast<const char*>(scratch.data()), scratch.size()}, true);
    out_of_memory = !z;
    if (z) z->made_us = f.made_us;
    return z;
}

Frame* shared_deflated(Frame* f, deflate::Deflater& d, deflate::Buffer& scratch) noexcept {
    Frame* form = f->deflated.load(std::memory_order_acquire);
    if (!form) {
        bool out_of_memory = false;
        Frame* made = compress_frame(*f, d, scratch, out_of_memory);
        if (out_of_memory) {
            form = f;  // uncompressed this time, not for good
        } else {
            Frame* const mine = made ? made : f;
            // Another worker may have made it meanwhile: then theirs is kept.
            if (f->deflated.compare_exchange_strong(form, mine, std::memory_order_acq_rel,
                                                    std::memory_order_acquire)) {
                form = mine;
            } else if (made) {
                release(made);
            }
        }
    }
    retain(form);
    return form;
}

}  // namespace wshub::hub
