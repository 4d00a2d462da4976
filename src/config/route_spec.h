// One --route spec as text and back: [HOST]PATH=MODE[,OPTION...], read into
// a Route and written out again (the start log's routes=). Which routes may
// stand together is routes.h's to say.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::config {

// Reads `spec` into `out` (a fresh Route): "" on success, else what --route
// accepts, or why this spec cannot be. Modes are echo, raw, json and the
// names in c.custom_modes. A HOST is letters, digits and '-' in dot-separated
// labels of 1 to 63 (253 in all), or "*." and such labels; it is kept in
// lower case. IPv6 literals are not taken: a route names a host by its DNS
// name (an IP literal's Host reaches the routes on any host).
std::string parse_route_spec(const Config& c, std::string_view spec, Route& out);

// The spec `r` is read from, in one order: TARGET=MODE, then ,auth, each
// ,scope=, ,rooms=NAME, ,anonymous and ,compress as set. Parsing it again
// gives the same route.
std::string route_spec(const Config& c, const Route& r);

// WSHUB_ROUTE holds specs separated by commas, and a spec's options are
// separated by commas too: the length of the first spec of `list`. An item
// starts the next spec when the text before its first '=' holds a '/' (a
// PATH or HOST/PATH); an option never does (auth, scope=S, rooms=NAME, ...).
size_t route_spec_length(std::string_view list) noexcept;

}  // namespace wshub::config
