// The envelope json-mode members get for a POST /publish body: the body as
// JSON when it is JSON, as a string otherwise, as base64 when binary; and
// the result always parses.
#include <string>

#include "check.h"
#include "json/json.h"
#include "modes/modes.h"

using wshub::modes::json_publish_envelope;

namespace {

std::string envelope(std::string_view body, bool binary = false, std::string_view room = "news") {
    std::string out;
    json_publish_envelope(out, room, body, binary, 1763780000123);
    CHECK(wshub::json::validate(out, 64) == wshub::json::Error::none);
    return out;
}

constexpr std::string_view kHead = R"({"type":"message","room":"news","from":"publish","data":)";

}  // namespace

TEST(json_publish_envelope_cases) {
    struct Case {
        const char* name;
        std::string_view body;
        const char* data;  // what follows "data": up to ,"ts"
    } cases[] = {
        {"object", R"({"move":"e4"})", R"({"move":"e4"})"},
        {"trimmed", " \r\n[1, 2]\n\t", "[1, 2]"},
        {"number", "42", "42"},
        {"json string", R"("hi")", R"("hi")"},
        {"plain text", "hello world", R"("hello world")"},
        {"not quite json", R"({"a":})", R"("{\"a\":}")"},
        {"empty", "", R"("")"},
        {"controls", "a\nb\x01", R"("a\nb\u0001")"},
        {"two values", "1 2", R"("1 2")"},
    };
    for (const auto& k : cases) {
        const std::string want = std::string(kHead) + k.data + R"(,"ts":1763780000123})";
        const std::string got = envelope(k.body);
        if (got != want) CHECK_EQ(std::string(k.name), "");
        CHECK_EQ(got, want);
    }
}

TEST(json_publish_envelope_depth) {
    // As deep as a member's own data may be: kept; one deeper: a string.
    const std::string ok = std::string(32, '[') + std::string(32, ']');
    CHECK_EQ(envelope(ok), std::string(kHead) + ok + R"(,"ts":1763780000123})");
    const std::string deep = std::string(33, '[') + std::string(33, ']');
    CHECK_EQ(envelope(deep), std::string(kHead) + "\"" + deep + R"(","ts":1763780000123})");
}

TEST(json_publish_envelope_binary_and_room) {
    CHECK_EQ(envelope(std::string_view("\xff\x00\x01", 3), true),
             std::string(kHead) + R"("/wAB","encoding":"base64","ts":1763780000123})");
    CHECK_EQ(envelope("{}", true), std::string(kHead) + R"("e30=","encoding":"base64","ts":1763780000123})");
    std::string out;
    json_publish_envelope(out, "a \"q\" \xc3\xa9", "1", false, 5);
    CHECK_EQ(out, R"({"type":"message","room":"a \"q\" )" "\xc3\xa9" R"(","from":"publish","data":1,"ts":5})");
}
