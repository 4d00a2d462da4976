// libFuzzer target for the text --static reads from a request: the path
// (files::decode_request_path), an If-Modified-Since date
// (files::parse_http_date) and an If-None-Match list
// (files::if_none_match_matches). Every input is tried as each, in a heap
// buffer of exactly its size so ASan catches a read past it. Besides
// crashes and UB it traps on broken contracts:
// - a decoded path has no NUL, no backslash, no leading, trailing or
//   doubled '/', and no segment starting with '.' (so no ".."); a path
//   without a leading '/', with a raw NUL or a backslash is refused, and one
//   without '%' is refused exactly when one of its segments starts with '.';
// - encode_request_path never starts with "//" and decodes back to the path;
// - a date read is within the four-digit years, written back as an
//   IMF-fixdate it reads the same, and an IMF-fixdate without a leap second
//   is written back to its own bytes; a clock at either end of int64 is safe;
// - any int64 time is written as a date that reads back to it (clamped to
//   the four-digit years);
// - an If-None-Match list matches our tag only if it is "*" or holds it.
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "files/http_date.h"
#include "files/request_path.h"
#include "files/validators.h"
#include "require.h"

using namespace wshub;
using fuzz::require;

namespace {

constexpr int64_t kNow = 1704067200;  // 2024-01-01
const int64_t kFirst = *files::days_from_civil(1, 1, 1) * 86400;
const int64_t kLast = *files::days_from_civil(9999, 12, 31) * 86400 + 86399;

bool has_dot_segment(std::string_view path) {
    for (size_t i = 0; i < path.size(); ++i)
        if (path[i] == '.' && (i == 0 || path[i - 1] == '/')) return true;
    return false;
}

void check_path(std::string_view input) {
    const auto decoded = files::decode_request_path(input);
    const bool plain = input.find('%') == std::string_view::npos;
    if (input.empty() || input[0] != '/' || input.find('\0') != std::string_view::npos ||
        input.find('\\') != std::string_view::npos)
        require(!decoded, "no leading '/', a NUL or a backslash is refused");
    else if (plain)
        require(decoded.has_value() == !has_dot_segment(input), "a plain path refused only for a dot segment");
    if (!decoded) return;
    const std::string& rel = decoded->relative;
    require(rel.find('\0') == std::string::npos, "no NUL");
    require(rel.find('\\') == std::string::npos, "no backslash");
    require(rel.empty() || (rel.front() != '/' && rel.back() != '/'), "no leading or trailing '/'");
    require(rel.find("//") == std::string::npos, "no empty segment");
    require(!has_dot_segment(rel), "no segment starting with '.'");
    if (plain) require(decoded->directory == (input.back() == '/'), "a directory request ends in '/'");
    const std::string encoded = files::encode_request_path(rel);
    require(!encoded.starts_with("//"), "a Location never starts with //");
    const auto again = files::decode_request_path(encoded);
    require(again && again->relative == rel, "encoding decodes back");
}

void check_date(std::string_view input) {
    (void)files::parse_http_date(input, INT64_MAX);
    (void)files::parse_http_date(input, INT64_MIN);
    const auto t = files::parse_http_date(input, kNow);
    if (!t) return;
    // Year 0000 and a leap second on 9999-12-31 are readable, one day or second beyond.
    require(*t >= kFirst - 366 * 86400 && *t <= kLast + 1, "a date within the four-digit years");
    if (*t < kFirst || *t > kLast) return;
    const std::string written = files::format_http_date(*t);
    require(files::parse_http_date(written, kNow) == *t, "written back, reads the same");
    const bool imf = input.size() == 29 && input[3] == ',';
    if (imf && input.substr(23, 2) != "60") require(written == input, "an IMF-fixdate written back is itself");
}

void check_time(std::string_view input) {
    if (input.size() < 8) return;
    int64_t t;
    std::memcpy(&t, input.data(), 8);
    const int64_t clamped = t < kFirst ? kFirst : t > kLast ? kLast : t;
    require(files::parse_http_date(files::format_http_date(t), kNow) == clamped, "any time round-trips");
}

void check_if_none_match(std::string_view input) {
    constexpr std::string_view kOurs = "\"1a-2b.0-3\"";
    if (files::if_none_match_matches(input, kOurs)) {
        const bool star = input.find('*') != std::string_view::npos;
        require(star || input.find(kOurs) != std::string_view::npos, "a match names our tag or is *");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto copy = std::make_unique<char[]>(size);
    if (size > 0) std::memcpy(copy.get(), data, size);
    const std::string_view input(copy.get(), size);
    check_path(input);
    check_date(input);
    check_time(input);
    check_if_none_match(input);
    return 0;
}
