// Embedding wshub: run the server, with modes of your own beside echo, raw
// and json. A custom mode is a Handler (wshub/handler.h) and a name that
// --route can use, e.g. `--route /shout=shout`.
#pragma once

#include <string>
#include <vector>

#include "wshub/handler.h"

namespace wshub {

struct Mode {
    std::string name;  // not echo, raw or json
    Handler* handler;  // outlives run(); shared by every worker thread
};

// Does what the wshub binary does: reads the flags and WSHUB_* environment
// (printing --help/--version, or one error line and returning 2), starts
// the workers and serves until SIGINT or SIGTERM. Returns the exit status.
int run(int argc, char** argv, const std::vector<Mode>& modes = {});

}  // namespace wshub
