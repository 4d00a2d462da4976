// Log line formats, byte for byte: text quoting, JSON escaping, clipping of
// long values, timestamps.
#include <string>

#include "app/log_line.h"
#include "check.h"

using wshub::app::LogFormat;
using wshub::app::LogLevel;
using wshub::app::LogLine;

namespace {

constexpr uint64_t kT = 1763805600123;  // 2025-11-22T10:00:00.123Z

}  // namespace

TEST(log_timestamp) {
    std::string s;
    wshub::app::append_timestamp(s, kT);
    CHECK_EQ(s, "2025-11-22T10:00:00.123Z");
    s.clear();
    wshub::app::append_timestamp(s, 7);
    CHECK_EQ(s, "1970-01-01T00:00:00.007Z");
}

TEST(log_text_line) {
    LogLine l(LogFormat::text, kT, LogLevel::info, "closed");
    l.str("peer", "127.0.0.1:40312").num("code", 1000).num("bytes_in", uint64_t(1) << 40).num("delta", -3);
    CHECK_EQ(l.finish(),
             "2025-11-22T10:00:00.123Z info closed peer=127.0.0.1:40312 code=1000 bytes_in=1099511627776 delta=-3\n");
}

TEST(log_text_quotes_only_when_needed) {
    struct Case {
        const char* name;
        std::string_view value;
        const char* want;
    } cases[] = {
        {"plain", "/raw?room", "/raw?room"},
        {"equals", "/raw?room=a", "\"/raw?room=a\""},
        {"space", "a b", "\"a b\""},
        {"empty", "", "\"\""},
        {"quote", "say \"hi\"", "\"say \\\"hi\\\"\""},
        {"backslash", "a\\b", "\"a\\\\b\""},
        {"newline", "a\nb\r\tc", "\"a\\nb\\r\\tc\""},
        {"control", std::string_view("a\x01\x7f", 3), "\"a\\x01\\x7f\""},
        {"nul", std::string_view("a\0b", 3), "\"a\\x00b\""},
        {"utf8", "caf\xc3\xa9", "caf\xc3\xa9"},
    };
    for (const auto& k : cases) {
        LogLine l(LogFormat::text, kT, LogLevel::warn, "e");
        l.str("v", k.value);
        CHECK_EQ(l.finish(), std::string("2025-11-22T10:00:00.123Z warn e v=") + k.want + "\n");
    }
}

TEST(log_json_line) {
    LogLine l(LogFormat::json, kT, LogLevel::debug, "opened");
    l.str("peer", "[::1]:9").str("sub", std::string_view("a\"b\\\n\x01", 6)).num("id", 17u);
    CHECK_EQ(l.finish(),
             "{\"ts\":\"2025-11-22T10:00:00.123Z\",\"level\":\"debug\",\"event\":\"opened\","
             "\"peer\":\"[::1]:9\",\"sub\":\"a\\\"b\\\\\\n\\u0001\",\"id\":17}\n");
}

TEST(log_json_invalid_utf8_becomes_replacement) {
    LogLine l(LogFormat::json, kT, LogLevel::error, "x");
    l.str("v", "\xff\xfe");
    CHECK_EQ(l.finish(), "{\"ts\":\"2025-11-22T10:00:00.123Z\",\"level\":\"error\",\"event\":\"x\","
                         "\"v\":\"\xef\xbf\xbd\xef\xbf\xbd\"}\n");
}

TEST(log_long_values_are_clipped) {
    const std::string big(LogLine::kMaxValue + 100, 'a');
    LogLine t(LogFormat::text, kT, LogLevel::info, "e");
    t.str("v", big);
    CHECK_EQ(t.finish(), "2025-11-22T10:00:00.123Z info e v=\"" + std::string(LogLine::kMaxValue, 'a') + "...\"\n");
    // Cut before a multi-byte character, never inside it.
    std::string accents(LogLine::kMaxValue - 1, 'a');
    accents += "\xc3\xa9\xc3\xa9";
    LogLine j(LogFormat::json, kT, LogLevel::info, "e");
    j.str("v", accents);
    CHECK_EQ(j.finish(), "{\"ts\":\"2025-11-22T10:00:00.123Z\",\"level\":\"info\",\"event\":\"e\",\"v\":\"" +
                             std::string(LogLine::kMaxValue - 1, 'a') + "...\"}\n");
    std::string exact(LogLine::kMaxValue, 'b');
    LogLine k(LogFormat::text, kT, LogLevel::info, "e");
    k.str("v", exact);
    CHECK_EQ(k.finish(), "2025-11-22T10:00:00.123Z info e v=" + exact + "\n");
}
