// The validating pass over one reply: every element read under the limits,
// nesting tracked on a fixed stack of what each open aggregate still holds.
#include "redis/element.h"

namespace wshub::redis {

Reply Parser::parse(std::string_view received, const Limits& limits) noexcept {
    const unsigned max_depth = limits.max_depth < kMaxDepthCap ? limits.max_depth : kMaxDepthCap;
    size_t pos = scanned_;
    for (;;) {
        const detail::Element e = detail::read_element(received, pos, limits);
        if (e.status == Status::incomplete) {
            scanned_ = pos;
            return Reply{};
        }
        if (e.status == Status::error) {
            reset();
            return Reply{Status::error, e.error, 0, {}};
        }
        pos = e.end;
        if (e.value.is_aggregate()) {
            if (depth_ >= max_depth) {
                reset();
                return Reply{Status::error, Error::too_deep, 0, {}};
            }
            if (e.value.size > 0) {
                stack_[depth_++] = Frame{e.value.size, e.value.type == Type::attribute};
                continue;
            }
        }
        if (close_values(e.value.type == Type::attribute)) break;
    }
    reset();
    Reply reply{Status::complete, Error::none, pos, {}};
    // Validated above; only bytes changed between calls (against the
    // contract) could make reading it back fail.
    if (detail::read_value(received.substr(0, pos), 0, reply.value) != pos)
        return Reply{Status::error, Error::bad_type, 0, {}};
    return reply;
}

// A value has ended (or an attribute, which is not one of its parent's
// values: the value it annotates comes next). Closes every aggregate that
// this completes; true when that completes the reply.
bool Parser::close_values(bool attribute) noexcept {
    for (;;) {
        if (attribute) return false;
        if (depth_ == 0) return true;
        Frame& open = stack_[depth_ - 1];
        if (--open.left > 0) return false;
        attribute = open.attribute;
        --depth_;
    }
}

Reply parse_reply(std::string_view received, const Limits& limits) noexcept {
    Parser parser;
    return parser.parse(received, limits);
}

const char* error_name(Error e) noexcept {
    switch (e) {
    case Error::none: return "none";
    case Error::bad_type: return "bad_type";
    case Error::bad_line_end: return "bad_line_end";
    case Error::bad_integer: return "bad_integer";
    case Error::bad_length: return "bad_length";
    case Error::bad_string_end: return "bad_string_end";
    case Error::bad_scalar: return "bad_scalar";
    case Error::streamed: return "streamed";
    case Error::too_deep: return "too_deep";
    case Error::string_too_long: return "string_too_long";
    case Error::too_many_elements: return "too_many_elements";
    case Error::reply_too_large: return "reply_too_large";
    }
    return "unknown";
}

}  // namespace wshub::redis
