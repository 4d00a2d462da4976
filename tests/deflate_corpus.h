// Test data for the deflate module, the same on every run: random bytes
// (incompressible), repetitive bytes (long runs and repeats with small
// changes) and JSON-like chat messages (what a hub carries).
#pragma once

#include <cstdint>
#include <string>

namespace testdeflate {

// xorshift64*: a small, fixed generator.
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed * 0x9E3779B97F4A7C15ull + 1) {}
    uint64_t next() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1Dull;
    }
    unsigned below(unsigned n) { return unsigned(next() % n); }

private:
    uint64_t s_;
};

inline std::string random_bytes(size_t n, uint64_t seed) {
    Rng rng(seed);
    std::string s(n, 0);
    for (char& c : s) c = char(rng.next() >> 56);
    return s;
}

inline std::string repetitive_bytes(size_t n, uint64_t seed) {
    Rng rng(seed);
    std::string s;
    s.reserve(n);
    while (s.size() < n) {
        switch (rng.below(4)) {
            case 0: s.append(1 + rng.below(300), char('a' + rng.below(3))); break;
            case 1:
                if (!s.empty()) {
                    const size_t from = s.size() - 1 - rng.below(unsigned(s.size() < 40000 ? s.size() : 40000));
                    const size_t len = 3 + rng.below(400);
                    for (size_t i = 0; i < len; ++i) s += s[from + i];  // may overlap: a run
                }
                break;
            case 2: s += char(rng.next() >> 56); break;
            default: s.append("the same words again and again ");
        }
    }
    s.resize(n);
    return s;
}

// One chat message as a hub would relay it.
inline std::string json_message(Rng& rng) {
    static const char* const words[] = {"hello", "world", "room",  "message", "the",  "quick", "brown",
                                        "fox",   "jumps", "over",  "lazy",    "dog",  "price", "update",
                                        "order", "book",  "trade", "market",  "join", "leave"};
    static const char* const types[] = {"message", "presence", "typing", "receipt"};
    std::string s = "{\"type\":\"";
    s += types[rng.below(4)];
    s += "\",\"room\":\"room-" + std::to_string(rng.below(50)) + "\",\"user\":\"user" +
         std::to_string(rng.below(1000)) + "\",\"seq\":" + std::to_string(rng.next() % 10000000) +
         ",\"ts\":" + std::to_string(1700000000000ull + rng.next() % 100000000) + ",\"text\":\"";
    const unsigned n = 1 + rng.below(25);
    for (unsigned i = 0; i < n; ++i) {
        if (i) s += ' ';
        s += words[rng.below(20)];
    }
    s += "\",\"meta\":{\"client\":\"web\",\"version\":" + std::to_string(1 + rng.below(9)) + "}}";
    return s;
}

// JSON messages joined (an array's worth) up to n bytes.
inline std::string json_bytes(size_t n, uint64_t seed) {
    Rng rng(seed);
    std::string s = "[";
    while (s.size() < n) s += json_message(rng) + ",\n";
    s.resize(n);
    return s;
}

}  // namespace testdeflate
