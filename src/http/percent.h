// RFC 3986 section 2.1 percent-encoding, read: the one decoder behind query
// parameters, request paths (--static) and the user information of a
// --redis URL.
#pragma once

#include <string>
#include <string_view>

namespace wshub::http {

// The value of hex digit `c` (either case), or -1.
int hex_value(char c) noexcept;

// Whether '+' stands for a space (the form convention of query strings) or
// for itself (everywhere else).
enum class Plus : bool { itself, space };

// Appends `in`, percent-decoded, to `out`. False on a '%' not followed by two
// hex digits (what was appended before it stays).
bool percent_decode(std::string_view in, std::string& out, Plus plus = Plus::itself);

}  // namespace wshub::http
