// Walking the elements of an array the validator has already accepted: the
// grammar is known to hold, so finding where an element ends only needs to
// track brackets and skip strings (whose quotes and brackets do not count).
#include "json/internal.h"
#include "json/json.h"

namespace wshub::json {
namespace {

constexpr size_t kBad = std::string_view::npos;

bool is_ws(char c) noexcept { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

size_t skip_ws(std::string_view s, size_t i) noexcept {
    while (i < s.size() && is_ws(s[i])) ++i;
    return i;
}

Type type_of(char first) noexcept {
    switch (first) {
        case '{': return Type::object;
        case '[': return Type::array;
        case '"': return Type::string;
        case 't': case 'f': return Type::boolean;
        case 'n': return Type::null;
        default: return Type::number;
    }
}

// s[i] is an opening quote: the index just past the closing one, or kBad.
size_t string_end(std::string_view s, size_t i) noexcept {
    const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
    const unsigned char* p = begin + i + 1;
    bool escaped = false;
    if (detail::scan_string(p, begin + s.size(), escaped) != Error::none) return kBad;
    return static_cast<size_t>(p - begin);
}

// s[i] opens an array or object: the index just past its matching close, or kBad.
size_t container_end(std::string_view s, size_t i) noexcept {
    size_t depth = 0;
    while (i < s.size()) {
        const char c = s[i];
        if (c == '"') {
            i = string_end(s, i);
            if (i == kBad) return kBad;
            continue;
        }
        ++i;
        if (c == '[' || c == '{') {
            ++depth;
        } else if (c == ']' || c == '}') {
            if (--depth == 0) return i;
        }
    }
    return kBad;
}

// A number or literal ends at the first byte that cannot continue it.
size_t scalar_end(std::string_view s, size_t i) noexcept {
    while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != '}' && !is_ws(s[i])) ++i;
    return i;
}

size_t value_end(std::string_view s, size_t i) noexcept {
    switch (s[i]) {
        case '"': return string_end(s, i);
        case '[': case '{': return container_end(s, i);
        default: return scalar_end(s, i);
    }
}

}  // namespace

bool next_element(std::string_view& rest, Value& out) noexcept {
    // Before the first element rest starts at '[', before the others at ','
    // (after optional whitespace); anything else, ']' included, is the end.
    size_t i = skip_ws(rest, 0);
    if (i == rest.size() || (rest[i] != '[' && rest[i] != ',')) {
        rest = rest.substr(rest.size());
        return false;
    }
    i = skip_ws(rest, i + 1);
    const size_t end = i < rest.size() && rest[i] != ']' ? value_end(rest, i) : kBad;
    if (end == kBad || end == i) {
        rest = rest.substr(rest.size());
        return false;
    }
    out.type = type_of(rest[i]);
    out.raw = rest.substr(i, end - i);
    rest = rest.substr(end);
    return true;
}

}  // namespace wshub::json
