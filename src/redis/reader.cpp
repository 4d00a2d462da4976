// Reading a validated reply back: values, their children and attributes.
#include "redis/element.h"

namespace wshub::redis {
namespace detail {

size_t skip_values(std::string_view in, size_t pos, uint64_t count) noexcept {
    uint64_t pending = count;
    while (pending > 0) {
        const Element e = read_element(in, pos, kNoLimits);
        if (e.status != Status::complete || e.value.size > UINT64_MAX - pending) return std::string_view::npos;
        pos = e.end;
        // An aggregate's values follow its header; so do an attribute's, and
        // after them the value it annotates, still pending.
        pending += e.value.size;
        if (e.value.type != Type::attribute) --pending;
    }
    return pos;
}

size_t read_value(std::string_view in, size_t pos, Value& out) noexcept {
    const size_t start = pos;
    Element e = read_element(in, pos, kNoLimits);
    while (e.status == Status::complete && e.value.type == Type::attribute) {
        pos = skip_values(in, e.end, e.value.size);
        if (pos == std::string_view::npos) return pos;
        e = read_element(in, pos, kNoLimits);
    }
    if (e.status != Status::complete) return std::string_view::npos;
    out = e.value;
    out.attributes = in.substr(start, pos - start);
    if (!out.is_aggregate()) return e.end;
    const size_t end = skip_values(in, e.end, out.size);
    if (end == std::string_view::npos) return end;
    out.children = in.substr(e.end, end - e.end);
    return end;
}

}  // namespace detail

bool Elements::next(Value& out) noexcept {
    if (left_ == 0) return false;
    const size_t end = detail::read_value(rest_, 0, out);
    if (end == std::string_view::npos) {
        left_ = 0;
        rest_ = {};
        return false;
    }
    rest_.remove_prefix(end);
    --left_;
    return true;
}

size_t take(const Value& aggregate, Value* out, size_t max) noexcept {
    Elements values(aggregate);
    size_t n = 0;
    while (n < max && values.next(out[n])) ++n;
    return n;
}

bool next_attribute(std::string_view& attributes, Value& out) noexcept {
    const detail::Element e = detail::read_element(attributes, 0, detail::kNoLimits);
    if (e.status != Status::complete || e.value.type != Type::attribute) return false;
    const size_t end = detail::skip_values(attributes, e.end, e.value.size);
    if (end == std::string_view::npos) return false;
    out = e.value;
    out.children = attributes.substr(e.end, end - e.end);
    attributes.remove_prefix(end);
    return true;
}

}  // namespace wshub::redis
