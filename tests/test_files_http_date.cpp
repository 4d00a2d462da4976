// files/http_date.h: IMF-fixdate written, the three HTTP-date formats read
// strictly, checked against published examples (RFC 9110 section 5.6.7),
// against the C library's gmtime_r over the four-digit years, and against
// garbage.
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "check.h"
#include "files/http_date.h"

using namespace wshub::files;

namespace {

constexpr int64_t kRfcExample = 784111777;   // Sun, 06 Nov 1994 08:49:37 GMT
constexpr int64_t kJan2024 = 1704067200;     // Mon, 01 Jan 2024 00:00:00 GMT

// gmtime_r and strftime in the C locale (the tests' locale) as the oracle;
// the year by hand, since %Y does not pad years before 1000.
std::string libc_date(int64_t t) {
    const time_t secs = static_cast<time_t>(t);
    struct tm utc {};
    gmtime_r(&secs, &utc);
    char day_month[32], year[16], time_of_day[32];
    strftime(day_month, sizeof day_month, "%a, %d %b ", &utc);
    snprintf(year, sizeof year, "%04d", utc.tm_year + 1900);
    strftime(time_of_day, sizeof time_of_day, " %H:%M:%S GMT", &utc);
    return std::string(day_month) + year + time_of_day;
}

}  // namespace

TEST(http_date_formats_known_times) {
    CHECK_EQ(format_http_date(kRfcExample), "Sun, 06 Nov 1994 08:49:37 GMT");
    CHECK_EQ(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
    CHECK_EQ(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    CHECK_EQ(format_http_date(951782400), "Tue, 29 Feb 2000 00:00:00 GMT");
    CHECK_EQ(format_http_date(-62135596800), "Mon, 01 Jan 0001 00:00:00 GMT");
    CHECK_EQ(format_http_date(253402300799), "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST(http_date_format_clamps_to_four_digit_years) {
    CHECK_EQ(format_http_date(-62135596801), "Mon, 01 Jan 0001 00:00:00 GMT");
    CHECK_EQ(format_http_date(INT64_MIN), "Mon, 01 Jan 0001 00:00:00 GMT");
    CHECK_EQ(format_http_date(253402300800), "Fri, 31 Dec 9999 23:59:59 GMT");
    CHECK_EQ(format_http_date(INT64_MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
}

TEST(http_date_days_from_civil) {
    CHECK_EQ(days_from_civil(1970, 1, 1).value_or(-1), 0);
    CHECK_EQ(days_from_civil(1969, 12, 31).value_or(0), -1);
    CHECK_EQ(days_from_civil(2000, 3, 1).value_or(-1), 11017);
    CHECK(days_from_civil(2000, 2, 29).has_value());   // divisible by 400: leap
    CHECK(!days_from_civil(1900, 2, 29).has_value());  // by 100 only: not
    CHECK(days_from_civil(2024, 2, 29).has_value());
    CHECK(!days_from_civil(2023, 2, 29).has_value());
    CHECK(!days_from_civil(2023, 4, 31).has_value());
    CHECK(!days_from_civil(2023, 13, 1).has_value());
    CHECK(!days_from_civil(2023, 0, 1).has_value());
    CHECK(!days_from_civil(2023, 1, 0).has_value());
}

// Every 7,919,993 seconds (a prime, so the time of day and weekday vary)
// from year 1 to 9999, and each day of four years around 2000.
TEST(http_date_agrees_with_gmtime_and_round_trips) {
    int mismatches = 0;
    auto check_one = [&](int64_t t) {
        const std::string ours = format_http_date(t);
        if (ours != libc_date(t) || parse_http_date(ours, kJan2024) != t) {
            if (++mismatches <= 5) CHECK_EQ(ours, libc_date(t));
            if (mismatches <= 5) CHECK_EQ(parse_http_date(ours, kJan2024).value_or(-1), t);
        }
    };
    for (int64_t t = -62135596800; t <= 253402300799; t += 7919993) check_one(t);
    for (int64_t t = 883612800; t < 883612800 + 4 * 366 * 86400; t += 86400) check_one(t + 86399);
    CHECK_EQ(mismatches, 0);
}

TEST(http_date_parses_the_three_formats) {
    CHECK_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", kJan2024).value_or(-1), kRfcExample);
    CHECK_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT", kJan2024).value_or(-1), kRfcExample);
    CHECK_EQ(parse_http_date("Sun Nov  6 08:49:37 1994", kJan2024).value_or(-1), kRfcExample);
    CHECK_EQ(parse_http_date("Sun Nov 06 08:49:37 1994", kJan2024).value_or(-1), kRfcExample);
    CHECK_EQ(parse_http_date("Tue Feb 29 00:00:00 2000", kJan2024).value_or(-1), 951782400);
}

TEST(http_date_leap_second_is_the_next_minute) {
    CHECK_EQ(parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT", kJan2024).value_or(-1), 1483228800);
}

// RFC 850's two-digit year: the one at most 50 years after now's year.
TEST(http_date_rfc850_year_window) {
    // From 2024, "70" is 2070 (46 years ahead), "94" is 1994 (2094 is 70 ahead).
    CHECK_EQ(parse_http_date("Wednesday, 01-Jan-70 00:00:00 GMT", kJan2024).value_or(-1), 3155760000);
    CHECK(!parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT", kJan2024).has_value());
    // From 1994, the same "70" is 1970.
    CHECK_EQ(parse_http_date("Thursday, 01-Jan-70 00:00:00 GMT", kRfcExample).value_or(-1), 0);
    // From 2080, "01" is 2101 (21 ahead), not 2001.
    const int64_t jan2080 = *days_from_civil(2080, 1, 1) * 86400;
    const int64_t jan2101 = *days_from_civil(2101, 1, 1) * 86400;
    CHECK_EQ(parse_http_date("Saturday, 01-Jan-01 00:00:00 GMT", jan2080).value_or(-1), jan2101);
}

TEST(http_date_refuses_garbage) {
    const char* const bad[] = {
        "",
        "garbage",
        "Sun, 06 Nov 1994 08:49:37 GMT ",   // trailing space
        " Sun, 06 Nov 1994 08:49:37 GMT",   // leading space
        "sun, 06 Nov 1994 08:49:37 GMT",    // names are case-sensitive
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Mon, 06 Nov 1994 08:49:37 GMT",    // wrong day name
        "Sun, 6 Nov 1994 08:49:37 GMT",     // day needs two digits
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",    // hour
        "Sun, 06 Nov 1994 08:60:00 GMT",    // minute
        "Sun, 06 Nov 1994 08:49:61 GMT",    // second
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",    // November has 30 days
        "Thu, 29 Feb 2001 00:00:00 GMT",    // not a leap year
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov +994 08:49:37 GMT",
        "Sun,06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT", // RFC 850 has two-digit years
        "Sun, 06-Nov-94 08:49:37 GMT",      // and long day names
        "Sunday, 06 Nov 94 08:49:37 GMT",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",          // asctime pads the day to two places
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun Nov x6 08:49:37 1994",
    };
    for (const char* text : bad) {
        const auto parsed = parse_http_date(text, kJan2024);
        if (parsed) CHECK_EQ(std::string(text), "refused");
    }
    using namespace std::string_literals;
    CHECK(!parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT\0"s, kJan2024).has_value());
    CHECK(!parse_http_date("Sun, 06 Nov 1994\x00"s "08:49:37 GMT", kJan2024).has_value());
}
