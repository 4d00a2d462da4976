// A worker's permessage-deflate codecs (RFC 7692), shared by its
// connections. wshub answers every offer with server_no_context_takeover and
// client_no_context_takeover, so each message is inflated and deflated
// alone: a connection keeps no compression state between messages, and one
// inflater and one deflater per worker serve them all, since a worker
// handles one message at a time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "config/config.h"
#include "deflate/buffer.h"
#include "deflate/deflate.h"
#include "deflate/inflate.h"
#include "hub/frame.h"
#include "http/extensions.h"
#include "metrics/counters.h"

namespace wshub::app {

class Compression {
public:
    Compression(const config::Config& cfg, metrics::WorkerCounters& counters);

    // What every route that compresses asks of its clients.
    static http::DeflatePolicy policy() noexcept;

    // A compressed message received, inflated: `message` stays valid until
    // the next inflate() on this worker. On failure `close_code` says how
    // the connection ends: 1007 for a stream that is not DEFLATE or text
    // that is not UTF-8, 1009 past --max-message (found while inflating:
    // nothing past it is kept), 1011 without memory.
    struct Inflated {
        uint16_t close_code = 0;  // 0: inflated
        std::string_view why;
        std::string_view message;
    };
    Inflated inflate(std::string_view payload, bool text) noexcept;
    // Gives back an inflated message's memory when it was large.
    void trim() noexcept;

    // The frame a member that negotiated compression, with this server
    // window, is sent for data frame f, with a reference for the caller: f's
    // compressed form, or f itself (under --compression-min-size, or not
    // smaller compressed). The full window shares one compressed frame
    // among all members (hub::shared_deflated); a smaller one is compressed
    // for the member alone.
    hub::Frame* form_for(hub::Frame* f, uint8_t window_bits) noexcept;

private:
    metrics::WorkerCounters& counters_;
    uint64_t min_size_;
    unsigned level_;
    deflate::Inflater inflater_;
    deflate::Buffer inflated_;
    deflate::Buffer scratch_;  // a compressed message, before it is a frame
    std::unique_ptr<deflate::Deflater> full_window_;
    // Windows 2^8 .. 2^14, for clients that ask for them; made when first needed.
    std::array<std::unique_ptr<deflate::Deflater>, 7> narrow_;

    deflate::Deflater* deflater(uint8_t window_bits) noexcept;  // null without memory
};

}  // namespace wshub::app
