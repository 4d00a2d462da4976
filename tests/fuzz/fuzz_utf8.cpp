// libFuzzer target for ws::Utf8Validator. An independent reference decides
// each input: it decodes code points arithmetically and accepts a sequence only
// if re-encoding the code point gives the same bytes (so overlongs and bad
// continuation bytes fail) and it is a scalar value (no surrogates, at most
// U+10FFFF); an unfinished sequence at the end is "incomplete" when some valid
// encoding starts with it, found in a set built by encoding every scalar value.
// The validator, fed in chunks chosen by the input, must agree, and fed a byte at
// a time must fail exactly at the first byte the reference rejects.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "../utf8_encode.h"
#include "ws/utf8.h"
#include "require.h"

using namespace wshub::ws;

namespace {

using fuzz::require;

std::string encode(uint32_t cp) { return testutil::encode_utf8(cp); }

bool scalar(uint32_t cp) { return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF); }

// Every proper prefix of the encoding of every scalar value.
const std::set<std::string>& prefixes() {
    static const std::set<std::string> set = [] {
        std::set<std::string> s;
        for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
            if (!scalar(cp)) continue;
            const std::string e = encode(cp);
            for (size_t k = 1; k < e.size(); ++k) s.insert(e.substr(0, k));
        }
        return s;
    }();
    return set;
}

// Length announced by a lead byte by its bit pattern alone (0 = not a lead).
size_t lead_length(uint8_t b) {
    if (b < 0x80) return 1;
    if ((b & 0xE0) == 0xC0) return 2;
    if ((b & 0xF0) == 0xE0) return 3;
    if ((b & 0xF8) == 0xF0) return 4;
    return 0;
}

// Is s (one whole sequence of its announced length) a valid encoding?
bool valid_sequence(const std::string& s) {
    static const uint8_t lead_bits[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    uint32_t cp = static_cast<uint8_t>(s[0]) & lead_bits[s.size()];
    for (size_t i = 1; i < s.size(); ++i) cp = cp << 6 | (static_cast<uint8_t>(s[i]) & 0x3F);
    return scalar(cp) && encode(cp) == s;
}

enum class Verdict { valid, incomplete, invalid };

// Verdict for the whole input; for invalid, *fail_at is the first byte after
// which no continuation could make the input valid.
Verdict reference(const uint8_t* p, size_t n, size_t* fail_at) {
    size_t i = 0;
    while (i < n) {
        const size_t len = lead_length(p[i]);
        if (len == 0) {
            *fail_at = i;
            return Verdict::invalid;
        }
        // Find the first k at which p[i, i+k] stops being a valid prefix/sequence.
        for (size_t k = 1; k <= len; ++k) {
            if (i + k > n) return Verdict::incomplete;  // p[i, n) was a valid prefix
            const std::string part(reinterpret_cast<const char*>(p + i), k);
            const bool ok = k < len ? prefixes().count(part) != 0 : valid_sequence(part);
            if (!ok) {
                *fail_at = i + k - 1;
                return Verdict::invalid;
            }
        }
        i += len;
    }
    return Verdict::valid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    size_t fail_at = 0;
    const Verdict want = reference(data, size, &fail_at);

    // Whole buffer.
    require(utf8_valid(data, size) == (want == Verdict::valid), "utf8_valid disagrees");

    // Chunks of varying sizes, chosen by a generator seeded from the input.
    uint32_t seed = 2166136261u;
    for (size_t i = 0; i < size && i < 16; ++i) seed = (seed ^ data[i]) * 16777619u;
    Utf8Validator v;
    size_t pos = 0;
    bool failed = false;
    while (pos < size) {
        seed = seed * 1103515245u + 12345u;
        const size_t len = std::min<size_t>(size - pos, 1 + (seed >> 16) % 23);
        const bool ok = v.feed(data + pos, len);
        if (!failed && !ok) {
            require(want == Verdict::invalid, "chunked feed failed on a good input");
            require(fail_at >= pos && fail_at < pos + len, "chunked feed failed in the wrong chunk");
            failed = true;
        } else if (failed) {
            require(!ok, "failure did not stick");
        }
        pos += len;
    }
    require(failed == (want == Verdict::invalid), "chunked feed missed the failure");
    require(v.complete() == (want == Verdict::valid), "complete() disagrees");

    // A byte at a time: fails exactly at fail_at.
    Utf8Validator b;
    for (size_t i = 0; i < size; ++i) {
        const bool ok = b.feed(data + i, 1);
        if (want == Verdict::invalid && i >= fail_at) {
            require(!ok, "bytewise feed did not fail at the first impossible byte");
            break;
        }
        require(ok, "bytewise feed failed too early");
    }
    require(b.complete() == (want == Verdict::valid), "bytewise complete() disagrees");
    return 0;
}
