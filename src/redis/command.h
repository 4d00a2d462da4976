// Writing Redis commands: a command goes to the server as a RESP array of
// bulk strings, which carries any bytes (binary-safe), in RESP2 and RESP3.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>

namespace wshub::redis {

// Appends the command args[0, count) to `out`, e.g. {"SPUBLISH", channel,
// payload} as "*3\r\n$8\r\nSPUBLISH\r\n$<n>\r\n<channel>\r\n...". Grows
// `out` at most once per call, and not at all once its capacity has grown to
// what the caller's commands need (clear() keeps the capacity). An empty
// command appends "*0\r\n", which a server ignores.
void append_command(std::string& out, const std::string_view* args, size_t count);

inline void append_command(std::string& out, std::initializer_list<std::string_view> args) {
    append_command(out, args.begin(), args.size());
}

// The bytes append_command adds for args[0, count).
size_t command_size(const std::string_view* args, size_t count) noexcept;

}  // namespace wshub::redis
