// wshub's own route modes, written on the public handler API like any
// embedder's would be.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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
    size_t max_members_list = 1000;  // most members a `members` answer lists
};
// The JSON protocol over text frames (README.md, "JSON protocol").
std::unique_ptr<wshub::Handler> make_json(const JsonOptions& options);

// What json-mode members of `room` receive for a POST /publish body:
// {"type":"message","room":R,"from":"publish","data":D,"ts":T}, where D is
// the body itself when it is JSON (no deeper than a member's own data may
// be; whitespace around it dropped), else the body as a JSON string. A binary
// body becomes base64 text, marked "encoding":"base64" after "data".
// Appends to out.
void json_publish_envelope(std::string& out, std::string_view room, std::string_view body, bool binary,
                           uint64_t ts_ms);

}  // namespace wshub::modes
