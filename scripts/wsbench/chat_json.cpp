#include "chat_json.h"

#include <cstring>
#include <string_view>

namespace wsbench {

namespace {

// The words of everyday chat, most common first: a Zipf-like pick (see
// Text::word) uses the first ones most.
constexpr std::string_view kWords[] = {
    "the", "I", "to", "you", "a", "and", "it", "is", "that", "of", "in", "we", "for", "this", "on", "be", "have",
    "do", "not", "can", "just", "so", "with", "but", "was", "it's", "I'm", "what", "are", "if", "at", "will", "me",
    "get", "my", "about", "think", "know", "yeah", "ok", "like", "one", "they", "there", "all", "now", "out", "up",
    "your", "from", "would", "should", "here", "then", "time", "when", "need", "see", "still", "some", "did",
    "going", "don't", "how", "good", "thanks", "make", "sure", "right", "let", "more", "today", "also", "work",
    "again", "new", "could", "look", "build", "test", "tests", "merge", "branch", "release", "deploy", "server",
    "client", "fix", "bug", "issue", "review", "change", "changes", "commit", "patch", "config", "error", "logs",
    "latency", "memory", "queue", "room", "message", "messages", "connection", "socket", "timeout", "retry",
    "tomorrow", "morning", "afternoon", "meeting", "call", "later", "lunch", "coffee", "weekend", "maybe",
    "probably", "actually", "really", "pretty", "already", "because", "before", "after", "until", "while",
    "someone", "everyone", "anyone", "nothing", "something", "everything", "please", "sorry", "great", "nice",
    "cool", "weird", "broken", "flaky", "slow", "fast", "better", "worse", "looks", "seems", "works", "worked",
    "failing", "passing", "green", "red", "staging", "production", "dashboard", "alert", "metrics", "graph",
    "spike", "drop", "rollback", "hotfix", "ticket", "docs", "readme", "benchmark", "numbers", "figures",
    "customer", "team", "plan", "idea", "question", "answer", "problem", "reason", "week", "day", "hour",
    "minutes", "second", "first", "last", "next", "other", "same", "different", "small", "big", "whole", "half",
    "check", "checked", "try", "tried", "run", "ran", "read", "write", "wrote", "send", "sent", "open", "close",
    "start", "stop", "wait", "waiting", "agree", "happen", "happened", "remember", "forgot", "guess", "mean",
};
constexpr unsigned kWordCount = sizeof kWords / sizeof kWords[0];

constexpr std::string_view kNames[] = {
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "niaj",
    "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "yuki", "zoe", "amara", "bjorn", "chen",
};
constexpr unsigned kNameCount = sizeof kNames / sizeof kNames[0];

constexpr std::string_view kRooms[] = {"general", "random", "ops", "dev-backend", "releases", "support"};
constexpr unsigned kRoomCount = sizeof kRooms / sizeof kRooms[0];

constexpr std::string_view kHead = "{\"type\":\"message\",\"seq\":";

// splitmix64: a fixed generator, seeded from the arguments of each message.
class Rng64 {
public:
    explicit Rng64(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9E3779B97F4A7C15u);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
        return z ^ (z >> 31);
    }
    unsigned below(unsigned n) { return unsigned(next() % n); }

private:
    uint64_t s_;
};

uint64_t mix(uint64_t a, uint64_t b) { return Rng64(a * 0xD6E8FEB86659FD93u ^ b).next(); }

void append_number(std::string& s, uint64_t v) {
    char digits[20];
    int n = 0;
    do digits[n++] = char('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0) s += digits[--n];
}

void append_hex(std::string& s, uint64_t v) {
    static const char kHex[] = "0123456789abcdef";
    for (int shift = 60; shift >= 0; shift -= 4) s += kHex[(v >> shift) & 15];
}

// Sentences of chat.
class Text {
public:
    explicit Text(uint64_t seed) : rng_(seed) {}

    // Appends sentences to s until it has grown by at least n bytes.
    void append(std::string& s, size_t n) {
        const size_t goal = s.size() + n;
        while (s.size() < goal) sentence(s);
    }

private:
    // Zipf-like: the smaller of two uniform picks, so common words come often.
    std::string_view word() {
        unsigned a = rng_.below(kWordCount), b = rng_.below(kWordCount);
        return kWords[a < b ? a : b];
    }

    void sentence(std::string& s) {
        static const char kEnds[] = "....?!?";
        const unsigned words = 3 + rng_.below(12);
        for (unsigned i = 0; i < words; ++i) {
            const unsigned roll = rng_.below(100);
            if (roll < 4) {
                s += '@';
                s += kNames[rng_.below(kNameCount)];
            } else if (roll < 8) {
                append_number(s, rng_.below(roll < 6 ? 100 : 100000));
            } else if (roll == 8) {
                s += "https://git.example.com/wshub/pull/";
                append_number(s, 1000 + rng_.below(9000));
            } else {
                const size_t at = s.size();
                s += word();
                if (i == 0 && s[at] >= 'a' && s[at] <= 'z') s[at] = char(s[at] - 'a' + 'A');
            }
            if (i + 1 < words) s += rng_.below(10) == 0 ? ", " : " ";
        }
        s += kEnds[rng_.below(sizeof kEnds - 1)];
        if (rng_.below(8) == 0) s += rng_.below(2) ? " :)" : " :D";
        s += ' ';
    }

    Rng64 rng_;
};

// A chat message of exactly size bytes when size leaves room for its head
// and a few bytes of text; else a little longer.
void chat_message(std::string& out, size_t size, const ChatHead& head, std::string_view room) {
    const size_t start = out.size();
    out += kHead;
    append_number(out, head.seq);
    out += ",\"pub\":";
    append_number(out, head.pub);
    out += ",\"ts\":";
    append_number(out, head.ts);
    const uint64_t who = mix(head.pub, head.seq);
    out += ",\"id\":\"";
    append_hex(out, who);
    out += "\",\"room\":\"";
    out += room;
    out += "\",\"user\":\"";
    out += kNames[who % kNameCount];
    out += "\",\"text\":\"";
    const size_t head_len = out.size() - start;  // the text and the closing "} follow
    const size_t text = size >= head_len + 2 + 8 ? size - head_len - 2 : 8;
    Text(who).append(out, text);
    out.resize(start + head_len + text);
    out += "\"}";
}

// Reads decimal digits at p[i...] into v; false without any, with a leading
// zero, or past max. No division: a receiver reads three numbers a message.
bool read_number(const char* p, size_t n, size_t& i, uint64_t max, uint64_t& v) {
    const size_t from = i;
    v = 0;
    bool overflow = false;
    while (i < n && p[i] >= '0' && p[i] <= '9') {
        overflow |= __builtin_mul_overflow(v, 10u, &v);
        overflow |= __builtin_add_overflow(v, uint64_t(p[i] - '0'), &v);
        ++i;
    }
    return i > from && !overflow && v <= max && !(p[from] == '0' && i - from > 1);
}

bool read_literal(const char* p, size_t n, size_t& i, std::string_view lit) {
    if (n - i < lit.size() || std::memcmp(p + i, lit.data(), lit.size()) != 0) return false;
    i += lit.size();
    return true;
}

void event(std::string& out, Rng64& rng) {
    const uint64_t ts = 1'700'000'000'000u + rng.next() % 100'000'000'000u;
    const unsigned kind = rng.below(3);
    out += kind == 0 ? "{\"type\":\"typing\",\"room\":\"" : kind == 1 ? "{\"type\":\"presence\",\"room\":\""
                                                                       : "{\"type\":\"receipt\",\"room\":\"";
    out += kRooms[rng.below(kRoomCount)];
    out += "\",\"user\":\"";
    out += kNames[rng.below(kNameCount)];
    if (kind == 1) out += rng.below(2) ? "\",\"status\":\"online" : "\",\"status\":\"away";
    if (kind == 2) {
        out += "\",\"id\":\"";
        append_hex(out, rng.next());
    }
    out += "\",\"ts\":";
    append_number(out, ts);
    out += '}';
}

ChatHead corpus_head(Rng64& rng) {
    return {rng.next() % 10'000'000u, rng.below(5000), 1'700'000'000'000u + rng.next() % 100'000'000'000u};
}

}  // namespace

void write_chat(char* out, size_t size, const ChatHead& head) {
    static thread_local std::string s;  // grown once: the fanout scenario writes one per message
    s.clear();
    chat_message(s, size, head, kRooms[head.pub % kRoomCount]);
    std::memcpy(out, s.data(), size);
}

bool read_chat_head(const char* p, size_t n, ChatHead& head) {
    size_t i = 0;
    uint64_t pub = 0;
    return read_literal(p, n, i, kHead) && read_number(p, n, i, UINT64_MAX, head.seq) &&
           read_literal(p, n, i, ",\"pub\":") && read_number(p, n, i, UINT32_MAX, pub) &&
           (head.pub = uint32_t(pub), read_literal(p, n, i, ",\"ts\":")) &&
           read_number(p, n, i, UINT64_MAX, head.ts) && read_literal(p, n, i, ",");
}

std::string chat_corpus_message(size_t size, uint64_t seed) {
    Rng64 rng(seed);
    std::string out;
    out.reserve(size + 700);
    if (size < 160) {
        event(out, rng);
    } else if (size <= 2048) {
        chat_message(out, size, corpus_head(rng), kRooms[rng.below(kRoomCount)]);
    } else {
        const std::string_view room = kRooms[rng.below(kRoomCount)];
        out += "{\"type\":\"history\",\"room\":\"";
        out += room;
        out += "\",\"messages\":[";
        for (bool first = true; out.size() + 2 < size; first = false) {
            if (!first) out += ',';
            chat_message(out, 140 + rng.below(461), corpus_head(rng), room);
        }
        out += "]}";
    }
    return out;
}

}  // namespace wsbench
