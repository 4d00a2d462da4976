// The routes together: --route's list (each spec read by route_spec.h), the
// room namespaces they make, and which route a request is for
// (Config::find_route).
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::config {

inline constexpr size_t kMaxRoutes = 1000;

// Adds the route `v` describes: "" on success, else what --route accepts or
// why not (the same PATH on the same HOST twice, or too many routes).
std::string add_route(Config& c, std::string_view v);

// Once every route is known: gives each its namespace (Route::ns, filling
// Config::namespaces), or says in one line why the routes cannot share rooms
// as asked. A route's own namespace is named by its target (PATH, or
// HOST/PATH, which no PATH and no NAME can be). Routes share a namespace only when they name it (rooms=NAME),
// only in one mode, and a public route shares one with ,auth routes only
// when marked ,anonymous.
std::string assign_namespaces(Config& c);

}  // namespace wshub::config
