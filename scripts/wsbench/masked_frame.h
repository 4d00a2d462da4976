// Whole masked frames as wsbench sends them (RFC 6455 5.2 and 5.3): the
// library's client frame header (ws::write_masked_header) and masking
// (ws::mask_copy) put together for a payload in one piece.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ws/frame.h"

namespace wsbench {

// The size of one masked frame carrying n payload bytes: its header's and n.
inline size_t masked_frame_size(uint64_t n) noexcept {
    uint8_t head[wshub::ws::kMaxClientHeader];
    return wshub::ws::write_masked_header(head, wshub::ws::Opcode::binary, n, true, 0) + size_t(n);
}

// Writes one final frame (FIN set) carrying payload[0, n) masked with mask
// (a MaskSource key) into out, which holds masked_frame_size(n) bytes;
// returns that size.
inline size_t write_masked_frame(uint8_t* out, wshub::ws::Opcode op, const uint8_t* payload, size_t n,
                                 uint32_t mask) noexcept {
    const size_t head = wshub::ws::write_masked_header(out, op, n, true, mask);
    wshub::ws::mask_copy(out + head, payload, n, mask, 0);
    return head + n;
}

// A control frame (at most 125 payload bytes) fits this many.
constexpr size_t kMaxControlFrame = wshub::ws::kMaxClientHeader + 125;

}  // namespace wsbench
