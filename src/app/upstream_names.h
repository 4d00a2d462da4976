// Proxy routes' upstream host names, resolved once as the server starts
// (net/resolve.h), on the thread that starts it and never on a worker: the
// first address of each (IPv4 before IPv6) is the one its clients are
// carried to until the server is restarted.
#pragma once

#include <string>

#include "config/config.h"

namespace wshub::app {

// Resolves every upstream of `cfg` that has a name; "" when all did, else
// why the first that did not failed. Logs each name and its address.
std::string resolve_upstream_names(config::Config& cfg);

}  // namespace wshub::app
