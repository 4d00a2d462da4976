// What a fanout message carries (its publisher's index, sequence number and
// send time) in one of two payload forms, and how a receiver reads it back:
//   padding  a 24-byte header of 7-bit groups, then the letters a-z over and
//            over: cheap to write and to check, and like no real traffic
//   json     a chat message (chat_json.h): what a hub carries, compressible as
//            real traffic is, for the benchmarks of permessage-deflate
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace wsbench {

// Send times and (padding) sequence numbers are kept modulo 2^56.
constexpr uint64_t kLow56 = (uint64_t(1) << 56) - 1;

// FanoutPayload::head_size() is at most this.
constexpr size_t kPayloadHeadMax = 96;

struct MsgHeader {
    uint32_t pub = 0;
    uint64_t seq = 0;
    uint64_t sent_ns = 0;  // CLOCK_MONOTONIC, modulo 2^56
};

class FanoutPayload {
public:
    // Every message has size bytes: at least kFanoutHeader (options.h) for
    // padding, kChatMinSize (chat_json.h) for json.
    FanoutPayload(bool json, size_t size);

    // The unmasked payload of message m; valid until the next call.
    const uint8_t* write(const MsgHeader& m);

    // How many of a message's first bytes read_header() needs: at most size.
    size_t head_size() const noexcept { return head_size_; }

    // Reads the header from the first head_size() bytes of a message.
    bool read_header(const uint8_t* head, MsgHeader& m) const noexcept;

    // The offset of the first byte at which msg (size bytes, whose header
    // read back as m) differs from what write(m) gives; size when none does.
    size_t first_difference(const uint8_t* msg, const MsgHeader& m);

private:
    bool json_;
    size_t size_;
    size_t head_size_;
    std::vector<uint8_t> message_;   // write()'s
    std::vector<uint8_t> expected_;  // first_difference()'s
};

}  // namespace wsbench
