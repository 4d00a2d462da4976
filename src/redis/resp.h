// Reading Redis replies (RESP2 and RESP3) from a connection's read buffer.
// Nothing is copied or allocated: a reply is validated whole, under the
// caller's limits, and then read lazily, every string a view into the input.
//
// Why validate-then-walk rather than a tree: a reply's values are decoded on
// demand from its bytes, which validation has already checked. So a reply of
// any shape needs no node array sized in advance and no allocation per
// element; a pub/sub push costs a scan of four headers (the payload is
// jumped over by its length) and reading it back the same; a large
// CLUSTER SHARDS reply is walked with cursors. What it costs: finding where
// an aggregate child ends means scanning that child's headers, so walking a
// whole reply reads each header once per enclosing aggregate (at most
// max_depth times), and a value has no parent pointer (keep the cursor).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace wshub::redis {

// One type per RESP type byte.
enum class Type : uint8_t {
    simple_string,    // '+'
    simple_error,     // '-'
    integer,          // ':'
    bulk_string,      // '$'
    array,            // '*'
    null,             // RESP3 '_', and RESP2's null bulk string "$-1" and null array "*-1"
    boolean,          // '#'
    double_number,    // ','
    big_number,       // '('
    bulk_error,       // '!'
    verbatim_string,  // '='
    map,              // '%'
    set,              // '~'
    attribute,        // '|': never a reply's value; see next_attribute()
    push,             // '>': out-of-band data, e.g. RESP3 pub/sub messages
};

const char* type_name(Type t) noexcept;

// A value of a validated reply. Which fields mean something depends on type;
// the others stay empty or zero.
struct Value {
    Type type = Type::null;
    // simple_string, simple_error, bulk_string, bulk_error: the string;
    // verbatim_string: the text after its format and ':'; big_number: the
    // digits with their sign as sent; double_number: the number as sent.
    std::string_view text;
    std::string_view format;  // verbatim_string: its three-byte format, "txt" or "mkd"
    int64_t integer = 0;      // integer; boolean: 1 (true) or 0 (false)
    double number = 0;        // double_number (+-inf beyond the range of a double)
    // Aggregates: how many values follow (a map's or attribute's keys and
    // values both count: 2 per pair), and their bytes, walked by Elements.
    uint64_t size = 0;
    std::string_view children;
    // The attribute or attributes sent just before this value, as sent
    // ("|1\r\n..."), or empty; next_attribute() reads them.
    std::string_view attributes;

    bool is_error() const noexcept { return type == Type::simple_error || type == Type::bulk_error; }
    bool is_aggregate() const noexcept {
        return type == Type::array || type == Type::map || type == Type::set || type == Type::push ||
               type == Type::attribute;
    }
    // A simple, bulk or verbatim string (the text a command's reply carries).
    bool is_string() const noexcept {
        return type == Type::simple_string || type == Type::bulk_string || type == Type::verbatim_string;
    }
};

// Nesting beyond this is refused whatever Limits::max_depth says (the
// parser's fixed stack).
constexpr unsigned kMaxDepthCap = 32;

// What one reply may hold; a reply past any of them is an error.
struct Limits {
    // Aggregates nested in one another: 0 allows scalars only, 1 a flat
    // array, 2 an array of arrays; an attribute counts as a level. Values
    // above kMaxDepthCap act as kMaxDepthCap.
    unsigned max_depth = 8;
    // Bytes in one string: a bulk string, bulk error or verbatim string (its
    // format included), and the text of a simple string, simple error,
    // double or big number.
    uint64_t max_string = 512 * 1024;
    // Values one aggregate holds (a map's pair counts 2).
    uint64_t max_elements = 65536;
    // Bytes of one whole reply, attributes included.
    uint64_t max_reply = 1024 * 1024;
};

enum class Status : uint8_t { complete, incomplete, error };

// Why a reply was refused. Any error means the stream can no longer be
// framed: the connection must be dropped.
enum class Error : uint8_t {
    none,
    bad_type,           // an unknown type byte
    bad_line_end,       // a line not ended by CR LF (a bare LF, or CR then another byte)
    bad_integer,        // an integer reply that is not a signed 64-bit decimal
    bad_length,         // a length or count that is not -1 or 0 to 2^63-1, or -1 where no null is allowed
    bad_string_end,     // a bulk, verbatim or error string not followed by CR LF at its length
    bad_scalar,         // a malformed null, boolean, double, big number or verbatim format
    streamed,           // a RESP3 streamed string or aggregate ("$?", "*?"): Redis sends none
    too_deep,           // aggregates nested past max_depth
    string_too_long,    // a string past max_string
    too_many_elements,  // an aggregate past max_elements
    reply_too_large,    // a reply past max_reply
};

const char* error_name(Error e) noexcept;

struct Reply {
    Status status = Status::incomplete;
    Error error = Error::none;  // status error: why
    size_t length = 0;         // complete: the reply's bytes, to consume from the input
    Value value;               // complete: the reply, its views into the input
};

// Reads one reply at a time from the start of a connection's read buffer.
// Resumable: after an incomplete answer it remembers how far the buffer was
// validated, so a large reply arriving in many reads is scanned once. The
// next call must pass the same bytes again (the buffer may have moved) with
// more after them, and the same limits. After complete or error it starts
// afresh: the caller consumes `length` bytes (or drops the connection) and
// calls again for the next reply. Never reads past `received`, never
// allocates.
class Parser {
public:
    // - complete: bytes [0, length) are one reply, in `value`; bytes after it
    //   are not looked at;
    // - incomplete: nothing wrong so far, more bytes are needed; nothing is
    //   consumed. Every proper prefix of a valid reply is incomplete.
    // - error: the bytes are not RESP, or break a limit (as soon as a header
    //   declares more than a limit allows, before its bytes arrive).
    // Streamed RESP3 strings and aggregates are refused (Error::streamed).
    Reply parse(std::string_view received, const Limits& limits) noexcept;

    // Forgets a reply in progress (when the connection is reset).
    void reset() noexcept { scanned_ = 0, depth_ = 0; }

private:
    struct Frame {
        uint64_t left;   // values of this aggregate still to come
        bool attribute;  // an attribute: the value it annotates follows it
    };
    size_t scanned_ = 0;  // bytes of the reply in progress validated so far
    unsigned depth_ = 0;  // open aggregates
    Frame stack_[kMaxDepthCap] = {};

    bool close_values(bool attribute) noexcept;
};

// One reply from the start of `received`, without a Parser to resume.
Reply parse_reply(std::string_view received, const Limits& limits) noexcept;

// Walks an aggregate's values in order; a map's come key, value, key, value.
// Over a value that did not come from a complete reply it stops (next()
// false) where the bytes stop making sense, never reading outside them.
class Elements {
public:
    explicit Elements(const Value& aggregate) noexcept
        : rest_(aggregate.is_aggregate() ? aggregate.children : std::string_view()),
          left_(aggregate.is_aggregate() ? aggregate.size : 0) {}

    // The next value into `out`; false when there is none.
    bool next(Value& out) noexcept;
    // Values not yet read.
    uint64_t left() const noexcept { return left_; }

private:
    std::string_view rest_;
    uint64_t left_;
};

// The first `max` values of an aggregate into out[0, max); how many there
// were. For a push: `Value v[3]; take(reply, v, 3) == 3 && reply.size == 3`.
size_t take(const Value& aggregate, Value* out, size_t max) noexcept;

// Reads the attribute at the front of `attributes` (a Value's attributes)
// into `out`, of type attribute (walk its keys and values with Elements),
// and removes it from `attributes`; false when none is left.
//   std::string_view rest = v.attributes; Value a;
//   while (next_attribute(rest, a)) ...
bool next_attribute(std::string_view& attributes, Value& out) noexcept;

}  // namespace wshub::redis
