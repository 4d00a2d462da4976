// wshub::Options into a config::Config, through the flags' own code: each
// field becomes the `--flag=value` word the command line would carry, and
// config::parse reads those words as it reads argv. The flag table in
// src/config stays the one place that knows names, defaults, ranges and
// error messages; what is here only says which field is which flag.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "wshub/options.h"
#include "wshub/server.h"

namespace wshub::app {

// The command line equivalent to `o`, without a program name: one
// "--flag=value" word per value given (none for a field left empty, and
// for workers and max_msg_burst at 0, which stand for the flag not given).
std::vector<std::string> option_args(const Options& o);

// Parses option_args(o) (and o.jwt_secret as WSHUB_JWT_SECRET) into out,
// with no other environment. The result is config::parse's: run, or a
// usage error whose message names the flag.
config::ParseResult to_config(const Options& o, const std::vector<std::string>& custom_modes,
                              config::Config& out);

// "" if every mode has a handler and a name of its own (not echo, raw or
// json, not given twice); else the one-line error.
std::string check_modes(const std::vector<Mode>& modes);

}  // namespace wshub::app
