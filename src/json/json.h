// Strict JSON (RFC 8259) for the `json` route mode: a validator and top-level
// object parser that neither copies nor allocates (results are views into the
// caller's text), string decoding on demand, and a small writer.
//
// Strictness: exactly one value with optional whitespace (space, tab, CR, LF)
// around it; no comments, trailing commas, single quotes, NaN/Infinity, leading
// zeros, "+1", ".5", "1." or "1e"; control characters U+0000..U+001F must be
// escaped; only the escapes \" \\ \/ \b \f \n \r \t \uXXXX; string bytes must be
// valid UTF-8 (overlongs, encoded surrogates and > U+10FFFF rejected) and \u
// escapes must not leave a surrogate unpaired, so every string that validates
// decodes to valid UTF-8. Nesting is tracked in a fixed bit stack, never by
// recursion: 1 MB of '[' costs no stack, it fails with Error::depth.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace wshub::json {

enum class Type : uint8_t { null, boolean, number, string, array, object };

// A validated value: its type and its exact text in the input (strings include
// their quotes, containers their brackets, nothing around them).
struct Value {
    Type type = Type::null;
    std::string_view raw;
};

// A top-level object member. key is the raw text between the quotes, still
// escaped when key_escaped is true (compare through find() or decode_string).
struct Member {
    std::string_view key;
    bool key_escaped = false;
    Value value;
};

enum class Error : uint8_t {
    none,
    syntax,            // not RFC 8259 JSON (includes text after the value, empty input)
    encoding,          // invalid UTF-8 inside a string, or an unpaired surrogate escape
    depth,             // arrays/objects nested deeper than the limit
    too_many_members,  // parse_object: more top-level members than Limits::max_members
    duplicate_key,     // parse_object: two top-level keys equal after decoding
    not_object,        // parse_object: valid JSON, but not an object
};

const char* error_name(Error e) noexcept;

// Nesting beyond this is refused whatever the limit asks (the bit stack size).
constexpr unsigned kMaxDepthCap = 1024;

struct Limits {
    // Nested arrays/objects allowed: 0 = scalars only, 1 = `{"a":1}` or `[1]`,
    // 2 = `{"a":[1]}`. Values above kMaxDepthCap act as kMaxDepthCap.
    unsigned max_depth = 32;
    // Top-level members parse_object may return; `members` must hold this many.
    size_t max_members = 16;
};

// Validates any value. Duplicate keys are accepted here (RFC 8259 allows them);
// errors are reported at the first byte that rules the text out.
Error validate(std::string_view text, unsigned max_depth) noexcept;

// Validates the whole text like validate() and, when it is an object, stores its
// top-level members in order in members[0, count). Nested values are validated
// and returned raw. Duplicate top-level keys are refused (Error::duplicate_key):
// for a protocol message "which one wins" has no safe answer. Nested objects are
// opaque payload and may repeat keys. On error, count and members are unspecified.
Error parse_object(std::string_view text, Member* members, size_t& count,
                   const Limits& limits) noexcept;

// The first member whose decoded key equals `key` (UTF-8), or nullptr. Escaped
// keys are compared by decoding on the fly, without allocating.
const Value* find(const Member* members, size_t count, std::string_view key) noexcept;

// Decodes a raw JSON string (with its quotes) and appends the UTF-8 text to out.
// Returns false, leaving out unchanged, unless raw is exactly one valid string.
bool decode_string(std::string_view raw, std::string& out);

// Appends the decoded key of a member that parse_object returned.
void decode_key(const Member& m, std::string& out);

// The text between the quotes when a string value has no escapes (it then is
// its own decoding); nullopt for escaped strings and for other types.
std::optional<std::string_view> plain_string(const Value& v) noexcept;

// A non-negative integer without sign, fraction or exponent that fits in 64
// bits. Everything else ("-1", "1.0", "1e2", 2^64) returns false.
bool to_uint64(const Value& v, uint64_t& out) noexcept;

// Appends JSON to a string and places the commas itself. It trusts the order of
// calls (key() only directly inside an object, one value after each key).
//
// string()/key() escape '"', '\\' and U+0000..U+001F (short forms where JSON has
// them, else \u00XX), and also U+2028/U+2029 (legal in JSON but line breaks in
// pre-2019 JavaScript, so a client that evals or embeds the text stays safe).
// Other UTF-8 passes through; each byte that is not part of valid UTF-8 becomes
// U+FFFD, so the output is valid JSON whatever the input.
class Writer {
public:
    explicit Writer(std::string& out) noexcept : out_(out) {}

    void begin_object();
    void end_object();
    void begin_array();
    void end_array();
    void key(std::string_view utf8);
    void string(std::string_view utf8);
    template <std::integral T>
    void number(T v) {
        if constexpr (std::is_same_v<T, bool>) {
            boolean(v);
        } else if constexpr (std::is_signed_v<T>) {
            number_signed(static_cast<int64_t>(v));
        } else {
            number_unsigned(static_cast<uint64_t>(v));
        }
    }
    void boolean(bool v);
    void null();
    // Appends text that the caller knows is one valid JSON value (e.g. a Value's
    // raw view), unchanged.
    void raw(std::string_view valid_json);

private:
    void before_value();
    void number_signed(int64_t v);
    void number_unsigned(uint64_t v);

    std::string& out_;
    bool first_ = true;       // next value is the first in its container
    bool after_key_ = false;  // a key was just written: no comma before the value
};

// Appends s as a JSON string (with quotes), escaped as Writer::string does.
void append_escaped(std::string& out, std::string_view s);

// Steps through the elements of a validated array without allocating. Start
// with `rest` set to the array's raw text (a Value of Type::array, e.g. from
// parse_object); each call stores the next element in out (its type and exact
// text), moves rest past it and returns true, or returns false once the array
// is exhausted. Given text that is not a validated array it stops early with
// false, but never reads outside rest.
bool next_element(std::string_view& rest, Value& out) noexcept;

}  // namespace wshub::json
