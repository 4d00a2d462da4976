// Chat-like JSON: the payloads of the fanout scenario's --json messages and the
// corpus of scripts/deflate_bench.cpp. What a chat hub carries: sentences from
// a vocabulary of a few hundred words with names, numbers and now and then a
// link; ids and timestamps that do not repeat; typing and presence events of
// under 100 bytes; history batches of many messages. Deterministic: the same
// arguments give the same bytes. ASCII only, nothing to escape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace wsbench {

// What a fanout receiver reads back from a chat message.
struct ChatHead {
    uint64_t seq = 0;  // the publisher's sequence number
    uint32_t pub = 0;  // the publisher's index
    uint64_t ts = 0;   // the send time (the fanout scenario: CLOCK_MONOTONIC ns modulo 2^56)
};

// The head, up to and including the ts field, lies within a chat message's
// first kChatHeadMax bytes, whatever the numbers.
constexpr size_t kChatHeadMax = 96;
// The fewest bytes write_chat() fills, whatever the head's numbers.
constexpr size_t kChatMinSize = 192;

// Writes one chat message of exactly size bytes (size >= kChatMinSize):
//   {"type":"message","seq":S,"pub":P,"ts":T,"id":"<16 hex>","room":"...",
//    "user":"...","text":"..."}
// in that order, with S, P and T in decimal. The id, user and text follow
// from (pub, seq): the text's words change from message to message and fill
// the size exactly.
void write_chat(char* out, size_t size, const ChatHead& head);

// Reads the head of a message write_chat() wrote from its first n bytes (n at
// least kChatHeadMax, or the whole message). False when they do not start as
// write_chat() starts.
bool read_chat_head(const char* p, size_t n, ChatHead& head);

// One message of a corpus of JSON of many sizes, seeded by seed. Asked for
// under 160 bytes: a typing, presence or read-receipt event (60-130 bytes,
// whatever size says); up to 2 KiB: one chat message of exactly size bytes;
// beyond: a history batch {"type":"history","room":...,"messages":[...]} of
// chat messages of 140-600 bytes, under 600 bytes over size.
std::string chat_corpus_message(size_t size, uint64_t seed);

}  // namespace wsbench
