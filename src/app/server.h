// Wiring: starts one Worker per --workers, each on its own thread, waits for
// SIGINT or SIGTERM, then stops them and returns the process exit status.
#pragma once

#include <vector>

#include "config/config.h"
#include "wshub/handler.h"

namespace wshub::app {

// Blocks until a stop signal. Returns 0 on a clean stop, 1 if start-up failed.
// `custom` holds the handlers of the embedder's modes, in the order of
// cfg.custom_modes.
int run_server(const config::Config& cfg, const std::vector<wshub::Handler*>& custom = {});

}  // namespace wshub::app
