// Wiring: starts one Worker per --workers, each on its own thread, waits for
// SIGINT or SIGTERM, then drains them and returns the process exit status.
#pragma once

#include <vector>

#include "config/config.h"
#include "wshub/handler.h"

namespace wshub::app {

// Blocks until a stop signal, then drains (drain.cpp) and returns 0 once every
// connection is gone or --drain-timeout has cut the rest; 1 if start-up
// failed, or a second stop signal cut the drain short.
// `custom` holds the handlers of the embedder's modes, in the order of
// cfg.custom_modes.
int run_server(const config::Config& cfg, const std::vector<wshub::Handler*>& custom = {});

}  // namespace wshub::app
