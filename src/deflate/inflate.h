// Raw DEFLATE decompression (RFC 1951) for permessage-deflate (RFC 7692): one
// Inflater per direction of a connection, fed each message's compressed payload
// in pieces of any size (frames, fragments, reads) and writing the inflated
// bytes in pieces into the caller's buffer. Policy-free: it reports output,
// the end of a message and errors; the owner decides what they cost (close 1007
// for a malformed stream, 1009 for too_big, 1011 for out_of_memory).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::deflate {

// Why a stream was refused. Every error is sticky: see Inflater::inflate.
enum class InflateError : uint8_t {
    none,
    bad_block_type,            // BTYPE 11
    stored_length_mismatch,    // a stored block's NLEN is not LEN's complement
    too_many_codes,            // HLIT over 286 literal/length or HDIST over 30 distance codes
    bad_code_length_code,      // the code-length code is over-subscribed or incomplete
    repeat_without_length,     // code-length symbol 16 with no length before it
    repeat_past_end,           // a repeat runs past HLIT + HDIST lengths
    no_end_of_block,           // the literal/length code has no code for 256
    bad_literal_length_code,   // over-subscribed, or incomplete beyond one 1-bit code
    bad_distance_code,         // over-subscribed, or incomplete beyond one 1-bit code
    invalid_code,              // bits that start no code of an incomplete code
    bad_length_symbol,         // literal/length symbol 286 or 287
    bad_distance_symbol,       // distance symbol 30 or 31, or any with no distance codes
    distance_too_far,          // further back than the window or the bytes produced
    data_after_final_block,    // message bytes after a block with BFINAL set
    truncated,                 // the message (with its 00 00 ff ff) ends inside a block
    too_big,                   // the message inflates past max_message
    out_of_memory,
};

// A short English description, "" for none.
std::string_view describe(InflateError error) noexcept;

struct InflateResult {
    enum class Status : uint8_t {
        need_input,   // every input byte was consumed; feed the message's next piece
        output_full,  // out is full; call again (with the unconsumed input)
        message_end,  // the message is complete: the next call starts the next one
        error,        // see `error`
    };
    Status status = Status::need_input;
    InflateError error = InflateError::none;
    size_t consumed = 0;  // input bytes used, from the start of `in`
    size_t produced = 0;  // bytes written to out
};

struct InflateOptions {
    // The peer's LZ77 window, 2^8..2^15 (client_max_window_bits or 15). 8 is
    // decoded with a 512-byte window: zlib, the usual peer, compresses with 9
    // when asked for 8.
    unsigned window_bits = 15;
    // false: every message starts from an empty window (the peer's
    // *_no_context_takeover); true: messages share one window.
    bool context_takeover = true;
    // The most bytes one message may inflate to (--max-message).
    uint64_t max_message = uint64_t(1) << 20;
};

class Inflater {
public:
    explicit Inflater(const InflateOptions& options) noexcept;
    ~Inflater();
    Inflater(Inflater&& other) noexcept;
    Inflater& operator=(Inflater&& other) noexcept;
    Inflater(const Inflater&) = delete;
    Inflater& operator=(const Inflater&) = delete;

    // Inflates the next piece of the current message's payload, in[0, len),
    // into out[0, cap). message_end says that `in` ends the message: once all
    // of it is used, the inflater appends RFC 7692's 00 00 ff ff itself and
    // finishes the message. Returns message_end when the message is complete
    // and its last byte written; need_input when `in` is used up (never with
    // message_end set); output_full when out is full and more may follow (call
    // again with the rest of the piece, in + consumed, and the same
    // message_end, into fresh room); error at the first bit that cannot be
    // part of a valid stream, or as soon as the message would pass
    // max_message (no byte past it is written). Errors are sticky: every later call consumes its
    // whole input, produces nothing and reports the same error.
    // A message with an empty payload (no byte in any piece) inflates to
    // nothing, although its 00 00 ff ff alone would be a truncated block.
    InflateResult inflate(const uint8_t* in, size_t len, uint8_t* out, size_t cap,
                          bool message_end) noexcept;

    // True between a message's first byte and its end.
    bool mid_message() const noexcept;

    // Releases the window and tables when they hold nothing that matters: not
    // mid-message and without context takeover (or after an error). The next
    // message allocates them again.
    void shrink() noexcept;

    // Heap bytes held now, and held while a message is inflated.
    size_t heap_bytes() const noexcept;
    static size_t heap_bytes_for(unsigned window_bits) noexcept;

    const InflateOptions& options() const noexcept { return options_; }

private:
    InflateOptions options_;
    struct State;
    State* state_ = nullptr;  // allocated at a message's first byte
    InflateError error_ = InflateError::none;
};

}  // namespace wshub::deflate
