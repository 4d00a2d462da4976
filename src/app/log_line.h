// One log line, formatted: a timestamp, a level, an event name and fields.
// Pure (no I/O, no globals), so the formats are unit-tested byte for byte.
//
// text: 2026-11-22T10:00:00.123Z info closed peer=127.0.0.1:40312 code=1000
//       A value is quoted ("...", with \" \\ \n \r \t \xHH escapes) when it is
//       empty or holds a space, '=', '"', '\' or a control character.
// json: {"ts":"2026-11-22T10:00:00.123Z","level":"info","event":"closed",
//        "peer":"127.0.0.1:40312","code":1000}
//       Strings escaped by json::append_escaped (invalid UTF-8 becomes
//       U+FFFD), so every line parses whatever the bytes logged.
// Keys are the caller's identifiers, written as given. String values are cut
// at kMaxValue bytes (marked "..."), so a line stays short enough for one
// atomic write to a pipe.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "config/config.h"

namespace wshub::app {

using LogLevel = config::LogLevel;
using LogFormat = config::LogFormat;

const char* log_level_name(LogLevel level) noexcept;

class LogLine {
public:
    static constexpr size_t kMaxValue = 512;

    // unix_ms: the wall-clock time of the event, milliseconds since the epoch.
    LogLine(LogFormat format, uint64_t unix_ms, LogLevel level, std::string_view event);

    LogLine& str(std::string_view key, std::string_view value);
    template <std::integral T>
    LogLine& num(std::string_view key, T value) {
        if constexpr (std::is_signed_v<T>) return signed_num(key, int64_t(value));
        else return unsigned_num(key, uint64_t(value));
    }

    // The complete line, ending in '\n'. Call once, after the last field.
    const std::string& finish();

private:
    void key(std::string_view k);
    LogLine& signed_num(std::string_view key, int64_t value);
    LogLine& unsigned_num(std::string_view key, uint64_t value);

    std::string out_;
    LogFormat format_;
};

// 2026-11-22T10:00:00.123Z (RFC 3339, UTC, milliseconds).
void append_timestamp(std::string& out, uint64_t unix_ms);

}  // namespace wshub::app
