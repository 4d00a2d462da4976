// --route PATH=MODE[,OPTION...] and the room namespaces routes make.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"

namespace wshub::config {

inline constexpr size_t kMaxRoutes = 1000;

// Adds the route `v` describes: "" on success, else what --route accepts.
std::string add_route(Config& c, std::string_view v);

// Once every route is known: gives each its namespace (Route::ns, filling
// Config::namespaces), or says in one line why the routes cannot share rooms
// as asked. Routes share a namespace only when they name it (rooms=NAME),
// only in one mode, and a public route shares one with ,auth routes only
// when marked ,anonymous.
std::string assign_namespaces(Config& c);

}  // namespace wshub::config
