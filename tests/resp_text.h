// Test helpers for src/redis: a parsed RESP value as one line of text, and
// its measures against the parser's limits.
//   +"OK"  -"ERR x"  :12  $"bulk"  _  #t  ,1.5=1.5  (123  !"err"  =txt:"text"
//   *[a, b]  ~[a]  >[a]  %{k: v}  and attributes before a value: |{k: v} value
#pragma once

#include <algorithm>
#include <charconv>
#include <string>

#include "check.h"
#include "redis/resp.h"

namespace resp_text {

using wshub::redis::Elements;
using wshub::redis::Reply;
using wshub::redis::Status;
using wshub::redis::Type;
using wshub::redis::Value;

inline std::string quoted(std::string_view s) { return check::show(s); }

inline std::string describe(const Value& v);

inline std::string describe_children(const Value& v, const char* open, const char* close) {
    std::string out = open;
    Elements values(v);
    Value child;
    for (uint64_t i = 0; values.next(child); ++i) {
        if (i > 0) out += v.type == Type::map || v.type == Type::attribute ? (i % 2 ? ": " : ", ") : ", ";
        out += describe(child);
    }
    if (values.left() != 0) out += " <cut short>";
    return out + close;
}

inline std::string describe_number(double d) {
    char text[64];
    const auto r = std::to_chars(text, text + sizeof text, d);
    return std::string(text, r.ptr);
}

inline std::string describe_scalar(const Value& v) {
    switch (v.type) {
    case Type::simple_string: return "+" + quoted(v.text);
    case Type::simple_error: return "-" + quoted(v.text);
    case Type::integer: return ":" + std::to_string(v.integer);
    case Type::bulk_string: return "$" + quoted(v.text);
    case Type::null: return "_";
    case Type::boolean: return v.integer ? "#t" : "#f";
    case Type::double_number: return "," + std::string(v.text) + "=" + describe_number(v.number);
    case Type::big_number: return "(" + std::string(v.text);
    case Type::bulk_error: return "!" + quoted(v.text);
    case Type::verbatim_string: return "=" + std::string(v.format) + ":" + quoted(v.text);
    default: return "?";
    }
}

inline std::string describe(const Value& v) {
    std::string out;
    std::string_view rest = v.attributes;
    Value attribute;
    while (wshub::redis::next_attribute(rest, attribute)) out += describe_children(attribute, "|{", "} ");
    switch (v.type) {
    case Type::array: return out + describe_children(v, "*[", "]");
    case Type::set: return out + describe_children(v, "~[", "]");
    case Type::push: return out + describe_children(v, ">[", "]");
    case Type::map: return out + describe_children(v, "%{", "}");
    case Type::attribute: return out + describe_children(v, "|{", "}");
    default: return out + describe_scalar(v);
    }
}

// "incomplete", "error <name>" or "complete <length> <value>".
inline std::string describe(const Reply& r) {
    switch (r.status) {
    case Status::incomplete: return "incomplete";
    case Status::error: return std::string("error ") + wshub::redis::error_name(r.error);
    case Status::complete: break;
    }
    return "complete " + std::to_string(r.length) + " " + describe(r.value);
}

// What a value needs of the limits: the deepest nesting, the longest string
// (as the limits count it) and the largest aggregate, attributes included.
struct Measure {
    unsigned depth = 0;
    uint64_t longest_string = 0;
    uint64_t most_elements = 0;
};

inline void measure_into(const Value& v, unsigned level, Measure& m);

inline void measure_children(const Value& v, unsigned level, Measure& m) {
    m.depth = std::max(m.depth, level + 1);
    m.most_elements = std::max(m.most_elements, v.size);
    Elements values(v);
    Value child;
    while (values.next(child)) measure_into(child, level + 1, m);
}

inline void measure_into(const Value& v, unsigned level, Measure& m) {
    std::string_view rest = v.attributes;
    Value attribute;
    while (wshub::redis::next_attribute(rest, attribute)) measure_children(attribute, level, m);
    if (v.is_aggregate()) return measure_children(v, level, m);
    uint64_t length = v.text.size();
    if (v.type == Type::verbatim_string) length += v.format.size() + 1;
    m.longest_string = std::max(m.longest_string, length);
}

inline Measure measure(const Value& v) {
    Measure m;
    measure_into(v, 0, m);
    return m;
}

}  // namespace resp_text
