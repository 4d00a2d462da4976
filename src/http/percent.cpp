#include "http/percent.h"

namespace wshub::http {

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool percent_decode(std::string_view in, std::string& out, Plus plus) {
    for (size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '%') {
            const int hi = i + 2 < in.size() ? hex_value(in[i + 1]) : -1;
            const int lo = hi >= 0 ? hex_value(in[i + 2]) : -1;
            if (lo < 0) return false;
            out += char(hi << 4 | lo);
            i += 2;
        } else {
            out += c == '+' && plus == Plus::space ? ' ' : c;
        }
    }
    return true;
}

}  // namespace wshub::http
