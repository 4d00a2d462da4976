// Request-targets as logs may show them: without the secrets a client can
// put in a URL.
#pragma once

#include <string>
#include <string_view>

namespace wshub::http {

// The target with the value of every `token` and `room_password` query
// parameter replaced by REDACTED; everything else is kept byte for byte.
//
// Names are compared after percent-decoding ('+' as a space) and ignoring
// ASCII case, so `%74oken=` and `Token=` are caught although the server itself
// reads only `token=`: what a client meant as a secret stays out of the log.
// An empty value stays empty (nothing to hide, and it tells "given empty"
// from "not given"); a name without '=' has no value.
//
// Erring towards hiding too much: a parameter also starts after ';', '?' or
// '#' (other URL parsers split there, and a fragment or a nested URL may carry
// a token), while a secret's value runs to the next '&', which covers how any
// of them would read it. A name with a bad percent escape cannot be read at
// all, so then everything after the first '?' or '#' becomes REDACTED.
std::string redact_target(std::string_view target);

}  // namespace wshub::http
