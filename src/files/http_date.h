// HTTP dates (RFC 9110 section 5.6.7): Last-Modified and Date are written as
// IMF-fixdate; If-Modified-Since is read in any of the three formats a
// recipient must accept. The civil-date arithmetic is done here (proleptic
// Gregorian, UTC), so neither the locale nor the C library's time zone
// functions are involved.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::files {

// Days from 1970-01-01 to the calendar day (negative before it), or
// nullopt when there is no such day (month outside 1..12, day outside the
// month, which knows leap years).
std::optional<int64_t> days_from_civil(int64_t year, int month, int day) noexcept;

// "Sun, 06 Nov 1994 08:49:37 GMT" for 784111777. IMF-fixdate has a
// four-digit year, so a time before 0001-01-01 or after 9999-12-31T23:59:59
// is written as that bound.
std::string format_http_date(int64_t unix_seconds);

// Reads one HTTP-date, strictly: exactly one of
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
//   asctime      "Sun Nov  6 08:49:37 1994"
// with nothing before or after it, names in their exact case, a day that
// exists in its month, a time of day within 00:00:00..23:59:60 (a leap
// second counts as the next minute's first) and the day name matching the
// date. Anything else is nullopt: a recipient ignores a date it cannot read.
// `now` (unix seconds) places RFC 850's two-digit year: in the century that
// puts the date no more than 50 years after now, as section 5.6.7 requires.
std::optional<int64_t> parse_http_date(std::string_view text, int64_t now) noexcept;

}  // namespace wshub::files
