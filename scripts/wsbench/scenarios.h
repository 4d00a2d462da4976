// One entry point per scenario, each in its own file. Each returns the process
// exit status: 0 without errors, 1 with any.
#pragma once

namespace wsbench {

struct Options;

int run_echo(const Options& opts);    // echo.cpp
int run_fanout(const Options& opts);  // fanout.cpp
int run_connect(const Options& opts);  // connect.cpp
int run_idle(const Options& opts);    // idle.cpp

}  // namespace wsbench
