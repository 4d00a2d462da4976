// Inside the redis module: reading one RESP element at an offset, shared by
// the validating Parser and the lazy readers (Elements, next_attribute).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "redis/resp.h"

namespace wshub::redis::detail {

// One element: a scalar whole, or an aggregate's header alone.
struct Element {
    Status status = Status::incomplete;
    Error error = Error::none;
    size_t end = 0;  // complete: the offset after the scalar, or after the aggregate's header
    Value value;     // complete: the scalar, or the aggregate's type and size (no children)
};

// The limits under which bytes already validated are read again.
constexpr Limits kNoLimits{kMaxDepthCap, UINT64_MAX, UINT64_MAX, UINT64_MAX};

// Reads the element at in[pos]. Never looks past `in`, nor past
// limits.max_reply bytes from in[0] (the reply's start). Incomplete when a
// valid element may still arrive; an error as soon as the bytes rule one out
// or a header declares more than a limit (max_string, max_elements,
// max_reply) allows. Depth is the caller's business.
Element read_element(std::string_view in, size_t pos, const Limits& limits) noexcept;

// RESP3 double text (already framed): "[+-]digits[.digits][(e|E)[+-]digits]",
// "[+-]inf" or "[+-]nan". False if it is none of those. A finite text beyond
// the range of a double reads as +-inf, one below it as +-0.
bool parse_double(std::string_view text, double& out) noexcept;

// The offset after `count` values starting at in[pos] (each with any
// attributes before it), or npos when the bytes do not hold them whole.
size_t skip_values(std::string_view in, size_t pos, uint64_t count) noexcept;

// The value at in[pos], its attributes and, for an aggregate, its children
// into `out`; the offset after it, or npos.
size_t read_value(std::string_view in, size_t pos, Value& out) noexcept;

}  // namespace wshub::redis::detail
