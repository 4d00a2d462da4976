// Raw DEFLATE compression (RFC 1951) for permessage-deflate (RFC 7692): one
// call compresses one whole message and appends it to the caller's Buffer,
// ending with a sync flush whose 00 00 ff ff is removed (RFC 7692 7.2.1).
//
// Without context takeover each message is compressed on its own, straight
// from the caller's bytes (no copy into a window): the path for a room's
// message, compressed once for every member. With context takeover the last
// 2^window_bits bytes are kept and later messages may refer to them.
// After the first message (or shrink()) nothing is allocated but the output's
// growth, which stops once the Buffer has reached its working size.
#pragma once

#include <cstddef>
#include <cstdint>

#include "deflate/buffer.h"

namespace wshub::deflate {

struct DeflateOptions {
    // 1 (fastest) .. 9 (smallest); 1-3 take the first match found along a
    // short hash chain, 4-9 search longer chains and defer a match by one byte
    // when the next one is longer (lazy matching).
    unsigned level = 6;
    // The LZ77 window, 2^8..2^15 (server_max_window_bits); no match reaches
    // further back than 2^window_bits - 1 bytes.
    unsigned window_bits = 15;
    // false: every message is compressed alone (server_no_context_takeover).
    bool context_takeover = true;
};

class Deflater {
public:
    explicit Deflater(const DeflateOptions& options) noexcept;
    ~Deflater();
    Deflater(Deflater&& other) noexcept;
    Deflater& operator=(Deflater&& other) noexcept;
    Deflater(const Deflater&) = delete;
    Deflater& operator=(const Deflater&) = delete;

    // Appends the compressed form of the message data[0, len) to out. Returns
    // false, with out and the deflater as they were (the message is not part
    // of the shared context), if memory for the work or the output could not be
    // had. At most bound(len) bytes are appended.
    bool compress(const uint8_t* data, size_t len, Buffer& out) noexcept;

    // The most bytes compress() appends for a message of len bytes.
    size_t bound(size_t len) const noexcept;

    // Frees the working memory when no context is kept (without context
    // takeover); the next message allocates it again.
    void shrink() noexcept;

    // Heap bytes held now, and held while working, for these options.
    size_t heap_bytes() const noexcept;
    static size_t heap_bytes_for(const DeflateOptions& options) noexcept;

    const DeflateOptions& options() const noexcept { return options_; }

private:
    DeflateOptions options_;
    struct State;
    State* state_ = nullptr;  // allocated by the first compress()

    bool allocate() noexcept;
    void release() noexcept;
};

}  // namespace wshub::deflate
