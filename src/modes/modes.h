// wshub's own route modes, written on the public handler API like any
// embedder's would be.
#pragma once

#include <memory>

#include "wshub/handler.h"

namespace wshub::modes {

// Every text or binary message comes back to its sender unchanged.
std::unique_ptr<wshub::Handler> make_echo();

struct RawOptions {
    bool echo_self = false;  // the sender gets its own room messages too
};
// Rooms from ?room= (repeatable, default "lobby"); every message goes
// unchanged, with its type, to the other members of the sender's rooms.
std::unique_ptr<wshub::Handler> make_raw(const RawOptions& options);

struct JsonOptions {
    bool echo_self = false;  // the sender gets its own room messages too
};
// The JSON protocol over text frames (README.md, "JSON protocol").
std::unique_ptr<wshub::Handler> make_json(const JsonOptions& options);

}  // namespace wshub::modes
