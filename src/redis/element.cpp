// One RESP element: the table of type bytes, lines, lengths and strings.
#include "redis/element.h"

namespace wshub::redis {
namespace detail {
namespace {

// How an element's bytes after its type byte are laid out.
enum class Shape : uint8_t {
    text,       // a line of text: simple string, simple error
    integer,    // a line holding a signed 64-bit integer
    string,     // a length line, that many bytes, CR LF
    aggregate,  // a count line; that many values follow
    pairs,      // a count line; twice that many values follow
    null,       // an empty line
    boolean,    // "t" or "f"
    number,     // a double's text
    digits,     // a big number's text
};

struct TypeRow {
    char byte;
    Type type;
    Shape shape;
    bool nullable;  // "-1" as its length means null (RESP2)
    const char* name;
};

// Every RESP2 and RESP3 type, one row each.
constexpr TypeRow kTypes[] = {
    {'+', Type::simple_string, Shape::text, false, "simple_string"},
    {'-', Type::simple_error, Shape::text, false, "simple_error"},
    {':', Type::integer, Shape::integer, false, "integer"},
    {'$', Type::bulk_string, Shape::string, true, "bulk_string"},
    {'*', Type::array, Shape::aggregate, true, "array"},
    {'_', Type::null, Shape::null, false, "null"},
    {'#', Type::boolean, Shape::boolean, false, "boolean"},
    {',', Type::double_number, Shape::number, false, "double_number"},
    {'(', Type::big_number, Shape::digits, false, "big_number"},
    {'!', Type::bulk_error, Shape::string, false, "bulk_error"},
    {'=', Type::verbatim_string, Shape::string, false, "verbatim_string"},
    {'%', Type::map, Shape::pairs, false, "map"},
    {'~', Type::set, Shape::aggregate, false, "set"},
    {'|', Type::attribute, Shape::pairs, false, "attribute"},
    {'>', Type::push, Shape::aggregate, false, "push"},
};

const TypeRow* find_row(char byte) noexcept {
    for (const TypeRow& row : kTypes)
        if (row.byte == byte) return &row;
    return nullptr;
}

// The longest text of a line holding a number: "-9223372036854775808".
constexpr uint64_t kNumberText = 20;

struct Line {
    Status status = Status::incomplete;
    Error error = Error::none;
    std::string_view text;
    size_t end = 0;  // after its CR LF
};

Line line_error(Error e) noexcept { return Line{Status::error, e, {}, 0}; }

// The line from in[from] to its CR LF. Its text may hold max_text bytes (one
// more is `too_long`), and its end must lie within max_reply bytes of in[0].
Line read_line(std::string_view in, size_t from, uint64_t max_text, Error too_long,
               uint64_t max_reply) noexcept {
    const size_t window = in.size() < max_reply ? in.size() : static_cast<size_t>(max_reply);
    for (size_t i = from; i < window; ++i) {
        const char c = in[i];
        if (c == '\n') return line_error(Error::bad_line_end);
        if (c != '\r') {
            if (i - from >= max_text) return line_error(too_long);
            continue;
        }
        if (i + 1 >= window) break;
        if (in[i + 1] != '\n') return line_error(Error::bad_line_end);
        return Line{Status::complete, Error::none, in.substr(from, i - from), i + 2};
    }
    // No end within the window: more may come, unless the window is all the reply may have.
    return in.size() >= max_reply ? line_error(Error::reply_too_large) : Line{};
}

// Decimal digits without a leading zero ("0" itself is fine), at most `limit`.
bool parse_decimal(std::string_view digits, uint64_t limit, uint64_t& out) noexcept {
    if (digits.empty() || (digits[0] == '0' && digits.size() > 1)) return false;
    uint64_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return false;
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (value > (limit - d) / 10) return false;
        value = value * 10 + d;
    }
    out = value;
    return true;
}

bool parse_int64(std::string_view text, int64_t& out) noexcept {
    const bool negative = !text.empty() && text[0] == '-';
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) text.remove_prefix(1);
    uint64_t magnitude = 0;
    const uint64_t limit = negative ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX);
    if (!parse_decimal(text, limit, magnitude)) return false;
    // -(2^63) has no positive counterpart: negate one less, then subtract one.
    out = negative ? (magnitude == 0 ? 0 : -static_cast<int64_t>(magnitude - 1) - 1)
                   : static_cast<int64_t>(magnitude);
    return true;
}

bool all_digits(std::string_view s) noexcept {
    if (s.empty()) return false;
    for (const char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

Element element_error(Error e) noexcept { return Element{Status::error, e, 0, {}}; }

Element element_from(const Line& line) noexcept { return Element{line.status, line.error, 0, {}}; }

Element complete(size_t end, const Value& v) noexcept { return Element{Status::complete, Error::none, end, v}; }

// The line-shaped scalars: text, integer, null, boolean, double, big number.
Element read_scalar_line(std::string_view in, size_t pos, const TypeRow& row, const Limits& limits) noexcept {
    uint64_t max_text = limits.max_string;
    Error too_long = Error::string_too_long;
    if (row.shape == Shape::integer) max_text = kNumberText, too_long = Error::bad_integer;
    if (row.shape == Shape::null) max_text = 0, too_long = Error::bad_scalar;
    if (row.shape == Shape::boolean) max_text = 1, too_long = Error::bad_scalar;
    const Line line = read_line(in, pos + 1, max_text, too_long, limits.max_reply);
    if (line.status != Status::complete) return element_from(line);

    Value v;
    v.type = row.type;
    v.text = line.text;
    bool ok = true;
    switch (row.shape) {
    case Shape::integer:
        if (!parse_int64(line.text, v.integer)) return element_error(Error::bad_integer);
        v.text = {};
        break;
    case Shape::null:
        v.text = {};
        break;
    case Shape::boolean:
        ok = line.text == "t" || line.text == "f";
        v.integer = line.text == "t";
        v.text = {};
        break;
    case Shape::number:
        ok = parse_double(line.text, v.number);
        break;
    case Shape::digits: {
        std::string_view digits = line.text;
        if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
        ok = all_digits(digits);
        break;
    }
    default:
        break;
    }
    return ok ? complete(line.end, v) : element_error(Error::bad_scalar);
}

struct Length {
    Element failed;  // status complete when the length was read
    bool null = false;
    uint64_t count = 0;
    size_t end = 0;  // after its line
};

// A string's length or an aggregate's count: "-1" (null, where allowed) or 0 to 2^63-1.
Length read_length(std::string_view in, size_t pos, const TypeRow& row, const Limits& limits) noexcept {
    Length out;
    const Line line = read_line(in, pos + 1, kNumberText, Error::bad_length, limits.max_reply);
    if (line.status != Status::complete) {
        out.failed = element_from(line);
        return out;
    }
    out.failed.status = Status::complete;
    out.end = line.end;
    if (line.text == "-1" && row.nullable) {
        out.null = true;
    } else if (line.text == "?") {
        out.failed = element_error(Error::streamed);
    } else if (!parse_decimal(line.text, uint64_t(INT64_MAX), out.count)) {
        out.failed = element_error(Error::bad_length);
    }
    return out;
}

// Bulk string, bulk error, verbatim string: a length line, the bytes, CR LF.
Element read_string(std::string_view in, size_t pos, const TypeRow& row, const Limits& limits) noexcept {
    const Length length = read_length(in, pos, row, limits);
    if (length.failed.status != Status::complete) return length.failed;
    if (length.null) return complete(length.end, Value{});
    const uint64_t n = length.count;
    if (n > limits.max_string) return element_error(Error::string_too_long);
    // length.end is within max_reply (read_line saw to it).
    if (n + 2 > limits.max_reply - length.end) return element_error(Error::reply_too_large);
    const size_t text_end = length.end + static_cast<size_t>(n);
    if (in.size() < text_end + 2) {
        if (in.size() > text_end && in[text_end] != '\r') return element_error(Error::bad_string_end);
        return Element{};
    }
    if (in[text_end] != '\r' || in[text_end + 1] != '\n') return element_error(Error::bad_string_end);

    Value v;
    v.type = row.type;
    v.text = in.substr(length.end, static_cast<size_t>(n));
    if (row.type == Type::verbatim_string) {
        if (v.text.size() < 4 || v.text[3] != ':') return element_error(Error::bad_scalar);
        v.format = v.text.substr(0, 3);
        v.text.remove_prefix(4);
    }
    return complete(text_end + 2, v);
}

// Array, set, push, map, attribute: the header alone.
Element read_aggregate(std::string_view in, size_t pos, const TypeRow& row, const Limits& limits) noexcept {
    const Length length = read_length(in, pos, row, limits);
    if (length.failed.status != Status::complete) return length.failed;
    if (length.null) return complete(length.end, Value{});
    const bool pairs = row.shape == Shape::pairs;
    if (length.count > (pairs ? limits.max_elements / 2 : limits.max_elements))
        return element_error(Error::too_many_elements);
    Value v;
    v.type = row.type;
    v.size = pairs ? length.count * 2 : length.count;
    return complete(length.end, v);
}

}  // namespace

Element read_element(std::string_view in, size_t pos, const Limits& limits) noexcept {
    // An element starting at the limit cannot fit, whether or not its bytes are here.
    if (pos >= limits.max_reply) return element_error(Error::reply_too_large);
    if (pos >= in.size()) return Element{};
    const TypeRow* row = find_row(in[pos]);
    if (row == nullptr) return element_error(Error::bad_type);
    switch (row->shape) {
    case Shape::string:
        return read_string(in, pos, *row, limits);
    case Shape::aggregate:
    case Shape::pairs:
        return read_aggregate(in, pos, *row, limits);
    default:
        return read_scalar_line(in, pos, *row, limits);
    }
}

}  // namespace detail

const char* type_name(Type t) noexcept {
    for (const detail::TypeRow& row : detail::kTypes)
        if (row.type == t) return row.name;
    return "unknown";
}

}  // namespace wshub::redis
