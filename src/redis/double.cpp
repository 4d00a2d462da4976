// RESP3 doubles: the grammar checked here, the conversion by std::from_chars.
#include <charconv>
#include <limits>

#include "redis/element.h"

namespace wshub::redis::detail {
namespace {

size_t count_digits(std::string_view s, size_t from) noexcept {
    size_t i = from;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
}

// The decimal exponent of the first non-zero digit of a finite text that
// checked out ("0.05" gives -2, "12e3" gives 4); saturated far beyond the
// range of a double. Only asked of a text out of range, so it has one.
int64_t leading_exponent(std::string_view s) noexcept {
    size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    int64_t position = 0;  // decimal exponent of the digit at i
    const size_t integral = count_digits(s, i);
    position = static_cast<int64_t>(integral) - 1;
    int64_t first = INT64_MIN;
    for (; i < s.size() && s[i] != 'e' && s[i] != 'E'; ++i) {
        if (s[i] == '.') continue;
        if (s[i] != '0' && first == INT64_MIN) first = position;
        --position;
    }
    int64_t exponent = 0;
    if (i < s.size()) {
        ++i;
        const bool negative = s[i] == '-';
        if (s[i] == '-' || s[i] == '+') ++i;
        for (; i < s.size(); ++i) exponent = exponent < 100000 ? exponent * 10 + (s[i] - '0') : exponent;
        if (negative) exponent = -exponent;
    }
    if (first == INT64_MIN) return INT64_MIN;
    return first + exponent;
}

// "[+-]digits[.digits][(e|E)[+-]digits]" exactly.
bool is_decimal(std::string_view s) noexcept {
    size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    size_t n = count_digits(s, i);
    if (n == 0) return false;
    i += n;
    if (i < s.size() && s[i] == '.') {
        n = count_digits(s, i + 1);
        if (n == 0) return false;
        i += 1 + n;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
        n = count_digits(s, i);
        if (n == 0) return false;
        i += n;
    }
    return i == s.size();
}

}  // namespace

bool parse_double(std::string_view text, double& out) noexcept {
    const bool negative = !text.empty() && text[0] == '-';
    const std::string_view unsigned_text =
        (!text.empty() && (text[0] == '-' || text[0] == '+')) ? text.substr(1) : text;
    const double sign = negative ? -1.0 : 1.0;
    if (unsigned_text == "inf") {
        out = sign * std::numeric_limits<double>::infinity();
        return true;
    }
    if (unsigned_text == "nan") {
        out = std::numeric_limits<double>::quiet_NaN();
        return true;
    }
    if (!is_decimal(text)) return false;
    double value = 0;
    const auto [end, ec] = std::from_chars(unsigned_text.data(), unsigned_text.data() + unsigned_text.size(), value);
    if (ec == std::errc::result_out_of_range) {
        // Past the largest double, or below the smallest.
        value = leading_exponent(text) > 0 ? std::numeric_limits<double>::infinity() : 0.0;
    } else if (ec != std::errc() || end != unsigned_text.data() + unsigned_text.size()) {
        return false;
    }
    out = sign * value;
    return true;
}

}  // namespace wshub::redis::detail
