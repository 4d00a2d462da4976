// The receiving side of permessage-deflate (RFC 7692) for all the connections
// of a run: a compressed message's payload, gathered whole, inflated back
// with wshub's own deflate::Inflater.
//
// Inflating every copy would make the generator the benchmark: wshub
// compresses a room's message once and sends the same bytes to every member,
// and inflating 1,000 copies of it costs far more CPU than the server spent
// on all of them. So a message compressed alone (the 101 answered
// server_no_context_takeover) whose compressed bytes are, byte for byte,
// those of a message inflated earlier is given that message's inflated bytes
// (the same input to the same stateless inflation), unless every_copy is
// set. With context takeover each connection has an Inflater of its own and
// inflates every message: its window makes each stream different.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "deflate/inflate.h"
#include "handshake.h"

namespace wsbench {

class MessageInflater {
public:
    // max_message: the most bytes a message may inflate to.
    MessageInflater(uint64_t max_message, bool every_copy);
    ~MessageInflater();

    struct Result {
        const uint8_t* data = nullptr;  // the inflated payload, valid until the next call
        size_t size = 0;
        bool fresh = false;             // inflated by this call (not a copy already inflated)
        std::string error;              // why it could not be inflated; empty on success
    };

    // The payload of connection conn's message, whose compressed bytes are
    // z[0, n), under what conn's 101 agreed.
    Result inflate(uint32_t conn, const DeflateAnswer& agreed, const uint8_t* z, size_t n);

    uint64_t inflated() const noexcept { return inflated_; }  // messages run through an Inflater
    uint64_t reused() const noexcept { return reused_; }      // copies of one inflated earlier

private:
    struct Slot;

    std::unique_ptr<wshub::deflate::Inflater>& inflater_for(uint32_t conn, const DeflateAnswer& agreed);
    // Inflates with *inf, which an error leaves unset (an Inflater's errors
    // are sticky, and a shared one must serve the next message).
    Result run(std::unique_ptr<wshub::deflate::Inflater>& inf, const uint8_t* z, size_t n);

    uint64_t max_message_;
    bool every_copy_;
    std::vector<uint8_t> out_;  // max_message + 1 bytes
    // Without context takeover, one per window size, shared by every connection.
    std::unique_ptr<wshub::deflate::Inflater> alone_[16];
    std::vector<std::unique_ptr<wshub::deflate::Inflater>> per_conn_;  // with context takeover
    std::vector<Slot> slots_;  // earlier messages by a hash of their compressed bytes
    uint64_t inflated_ = 0, reused_ = 0;
};

}  // namespace wsbench
