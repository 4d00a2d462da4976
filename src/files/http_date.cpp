// HTTP dates: civil-date arithmetic over days since the epoch, counted in
// 400-year eras (146097 days each) of years that begin on March 1st, so the
// leap day is the last day of its year and every month but February has a
// fixed place.
#include "files/http_date.h"

#include <array>

namespace wshub::files {
namespace {

constexpr int64_t kSecondsPerDay = 86'400;
constexpr int64_t kDaysPerEra = 146'097;
// Days from 0000-03-01 to 1970-01-01.
constexpr int64_t kEpochShift = 719'468;

constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongDays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                       "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

struct Civil {
    int64_t year;
    int month;  // 1..12
    int day;    // 1..31
};

int64_t floor_div(int64_t a, int64_t b) noexcept { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

bool is_leap(int64_t year) noexcept { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int days_in_month(int64_t year, int month) noexcept {
    static constexpr std::array<int, 12> kLengths = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap(year) ? 29 : kLengths[size_t(month - 1)];
}

// Month index counted from March (March 0 .. February 11) and the days
// before it in a March-based year: the months' lengths from March repeat
// 31 30 31 30 31 in five-month runs, which (153 * m + 2) / 5 sums.
int64_t days_before_march_month(int march_month) noexcept { return (153 * march_month + 2) / 5; }

Civil civil_from_days(int64_t days) noexcept {
    const int64_t shifted = days + kEpochShift;
    const int64_t era = floor_div(shifted, kDaysPerEra);
    const int64_t day_of_era = shifted - era * kDaysPerEra;  // 0..146096
    // Years of 365 days, less the leap days of every 4th, 100th and 400th.
    const int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const int march_month = int((5 * day_of_year + 2) / 153);
    Civil c;
    c.day = int(day_of_year - days_before_march_month(march_month) + 1);
    c.month = march_month < 10 ? march_month + 3 : march_month - 9;
    c.year = era * 400 + year_of_era + (c.month <= 2);
    return c;
}

// 0 for Sunday; 1970-01-01 was a Thursday.
int weekday(int64_t days) noexcept {
    const int64_t w = (days + 4) % 7;
    return int(w < 0 ? w + 7 : w);
}

// The times an IMF-fixdate can show: years 0001 to 9999.
int64_t clamp_to_four_digit_years(int64_t t) noexcept {
    static const int64_t kFirst = *days_from_civil(1, 1, 1) * kSecondsPerDay;
    static const int64_t kLast = *days_from_civil(9999, 12, 31) * kSecondsPerDay + kSecondsPerDay - 1;
    return t < kFirst ? kFirst : t > kLast ? kLast : t;
}

void append_two(std::string& out, int64_t v) {
    out += char('0' + v / 10);
    out += char('0' + v % 10);
}

// Reads exactly `width` ASCII digits.
std::optional<int> digits(std::string_view text, size_t at, size_t width) noexcept {
    if (at + width > text.size()) return std::nullopt;
    int v = 0;
    for (size_t i = at; i < at + width; ++i) {
        if (text[i] < '0' || text[i] > '9') return std::nullopt;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

template <size_t N>
std::optional<int> name_index(const std::array<std::string_view, N>& names, std::string_view text) noexcept {
    for (size_t i = 0; i < N; ++i)
        if (names[i] == text) return int(i);
    return std::nullopt;
}

// "HH:MM:SS" at `at` as seconds into the day.
std::optional<int64_t> time_of_day(std::string_view text, size_t at) noexcept {
    if (at + 8 > text.size() || text[at + 2] != ':' || text[at + 5] != ':') return std::nullopt;
    const auto h = digits(text, at, 2), m = digits(text, at + 3, 2), s = digits(text, at + 6, 2);
    if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
    return int64_t(*h) * 3600 + *m * 60 + *s;
}

// The date's time, if the day exists and the day name (an index into
// kDays) is the day's.
std::optional<int64_t> assemble(int day_name, int64_t year, std::string_view month_name, int day,
                                int64_t seconds) noexcept {
    const auto month = name_index(kMonths, month_name);
    if (!month) return std::nullopt;
    const auto days = days_from_civil(year, *month + 1, day);
    if (!days || weekday(*days) != day_name) return std::nullopt;
    return *days * kSecondsPerDay + seconds;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<int64_t> parse_imf_fixdate(std::string_view t) noexcept {
    if (t.size() != 29 || t.substr(3, 2) != ", " || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
        t.substr(25) != " GMT")
        return std::nullopt;
    const auto name = name_index(kDays, t.substr(0, 3));
    const auto day = digits(t, 5, 2), year = digits(t, 12, 4);
    const auto seconds = time_of_day(t, 17);
    if (!name || !day || !year || !seconds) return std::nullopt;
    return assemble(*name, *year, t.substr(8, 3), *day, *seconds);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<int64_t> parse_rfc850(std::string_view t, int64_t now) noexcept {
    const size_t comma = t.find(',');
    if (comma == std::string_view::npos) return std::nullopt;
    const auto name = name_index(kLongDays, t.substr(0, comma));
    const std::string_view d = t.substr(comma);  // ", 06-Nov-94 08:49:37 GMT"
    if (!name || d.size() != 24 || d[1] != ' ' || d[4] != '-' || d[8] != '-' || d[11] != ' ' ||
        d.substr(20) != " GMT")
        return std::nullopt;
    const auto day = digits(d, 2, 2), yy = digits(d, 9, 2);
    const auto seconds = time_of_day(d, 12);
    if (!day || !yy || !seconds) return std::nullopt;
    // The year ending in yy that is at most 50 years after now's.
    const int64_t this_year = civil_from_days(floor_div(clamp_to_four_digit_years(now), kSecondsPerDay)).year;
    int64_t year = this_year - this_year % 100 + *yy;
    if (year > this_year + 50) year -= 100;
    else if (year + 100 <= this_year + 50) year += 100;
    return assemble(*name, year, d.substr(5, 3), *day, *seconds);
}

// "Sun Nov  6 08:49:37 1994" (the day of the month is two digits or a
// space and one digit).
std::optional<int64_t> parse_asctime(std::string_view t) noexcept {
    if (t.size() != 24 || t[3] != ' ' || t[7] != ' ' || t[10] != ' ' || t[19] != ' ') return std::nullopt;
    const auto name = name_index(kDays, t.substr(0, 3));
    const auto day = t[8] == ' ' ? digits(t, 9, 1) : digits(t, 8, 2);
    const auto year = digits(t, 20, 4);
    const auto seconds = time_of_day(t, 11);
    if (!name || !day || !year || !seconds) return std::nullopt;
    return assemble(*name, *year, t.substr(4, 3), *day, *seconds);
}

}  // namespace

std::optional<int64_t> days_from_civil(int64_t year, int month, int day) noexcept {
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return std::nullopt;
    const int64_t march_year = month <= 2 ? year - 1 : year;
    const int64_t era = floor_div(march_year, 400);
    const int64_t year_of_era = march_year - era * 400;  // 0..399
    const int march_month = month > 2 ? month - 3 : month + 9;
    const int64_t day_of_year = days_before_march_month(march_month) + day - 1;
    const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * kDaysPerEra + day_of_era - kEpochShift;
}

std::string format_http_date(int64_t unix_seconds) {
    const int64_t t = clamp_to_four_digit_years(unix_seconds);
    const int64_t days = floor_div(t, kSecondsPerDay);
    const int64_t second_of_day = t - days * kSecondsPerDay;
    const Civil c = civil_from_days(days);

    std::string out;
    out.reserve(29);
    out += kDays[size_t(weekday(days))];
    out += ", ";
    append_two(out, c.day);
    out += ' ';
    out += kMonths[size_t(c.month - 1)];
    out += ' ';
    append_two(out, c.year / 100);
    append_two(out, c.year % 100);
    out += ' ';
    append_two(out, second_of_day / 3600);
    out += ':';
    append_two(out, second_of_day / 60 % 60);
    out += ':';
    append_two(out, second_of_day % 60);
    out += " GMT";
    return out;
}

std::optional<int64_t> parse_http_date(std::string_view text, int64_t now) noexcept {
    if (text.size() == 29 && text[3] == ',') return parse_imf_fixdate(text);
    if (text.size() == 24 && text[3] == ' ') return parse_asctime(text);
    return parse_rfc850(text, now);
}

}  // namespace wshub::files
