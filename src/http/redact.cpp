#include "http/redact.h"

#include <algorithm>
#include <cstdint>

#include "http/percent.h"
#include "http/request.h"

namespace wshub::http {
namespace {

constexpr std::string_view kRedacted = "REDACTED";
constexpr std::string_view kSecretNames[] = {"token", "room_password"};
constexpr size_t kLongestSecretName = 13;
constexpr std::string_view kParamStart = "&;?#";

enum class NameKind : uint8_t { other, secret, malformed };

// Decodes the name only as far as the longest secret name, but scans it all:
// a bad escape anywhere makes the whole query unreadable.
NameKind classify_name(std::string_view raw) noexcept {
    char decoded[kLongestSecretName];
    size_t len = 0;
    bool too_long = false;
    for (size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            const int hi = i + 2 < raw.size() ? hex_value(raw[i + 1]) : -1;
            const int lo = hi >= 0 ? hex_value(raw[i + 2]) : -1;
            if (lo < 0) return NameKind::malformed;
            c = char(hi << 4 | lo);
            i += 2;
        }
        if (len < kLongestSecretName)
            decoded[len++] = c;
        else
            too_long = true;
    }
    const std::string_view name(decoded, len);
    if (!too_long)
        for (std::string_view secret : kSecretNames)
            if (iequals(name, secret)) return NameKind::secret;
    return NameKind::other;
}

}  // namespace

std::string redact_target(std::string_view target) {
    const size_t query = target.find_first_of("?#");
    if (query == std::string_view::npos) return std::string(target);
    std::string out(target.substr(0, query + 1));
    out.reserve(target.size() + kRedacted.size());
    size_t i = query + 1;
    while (true) {
        const size_t end = std::min(target.find_first_of(kParamStart, i), target.size());
        const std::string_view param = target.substr(i, end - i);
        const size_t eq = param.find('=');
        const NameKind kind = classify_name(param.substr(0, eq));
        if (kind == NameKind::malformed) return std::string(target.substr(0, query + 1)).append(kRedacted);
        if (kind == NameKind::secret && eq != std::string_view::npos) {
            const size_t value = i + eq + 1;
            const size_t value_end = std::min(target.find('&', value), target.size());
            out.append(param.substr(0, eq + 1));
            if (value_end > value) out.append(kRedacted);
            i = value_end;
        } else {
            out.append(param);
            i = end;
        }
        if (i >= target.size()) return out;
        out += target[i++];  // the separator
    }
}

}  // namespace wshub::http
