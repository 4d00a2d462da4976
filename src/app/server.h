// Wiring: starts one Worker per --workers, each on its own thread, waits for
// SIGINT or SIGTERM, then stops them and returns the process exit status.
#pragma once

#include "config/config.h"

namespace wshub::app {

// Blocks until a stop signal. Returns 0 on a clean stop, 1 if start-up failed.
int run_server(const config::Config& cfg);

}  // namespace wshub::app
