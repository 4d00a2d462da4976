#include "config/redis_url.h"

#include <charconv>

#include "http/percent.h"

namespace wshub::config {
namespace {

constexpr std::string_view kScheme = "redis://";
constexpr uint32_t kMaxDb = 1'000'000;

bool parse_db(std::string_view text, uint32_t& db) {
    if (text.empty()) return true;  // "redis://host/" names no db
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), db);
    return ec == std::errc() && end == text.data() + text.size() && db <= kMaxDb;
}

// "HOST[:PORT]" with the port defaulting to Redis's.
bool parse_host(std::string_view text, net::Address& address) {
    if (text.empty() || text.front() == ':' || text.front() == '*') return false;  // no "all interfaces" here
    const bool bracketed = !text.empty() && text.front() == '[';
    const size_t close = bracketed ? text.find(']') : std::string_view::npos;
    const size_t colon = bracketed ? (close == std::string_view::npos ? close : text.find(':', close))
                                   : text.rfind(':');
    if (bracketed && close == std::string_view::npos) return false;
    const std::string with_port =
        colon == std::string_view::npos ? std::string(text) + ":6379" : std::string(text);
    const auto parsed = net::parse_address(with_port);
    if (!parsed || parsed->port() == 0) return false;
    address = *parsed;
    return true;
}

}  // namespace

bool parse_redis_url(std::string_view url, RedisTarget& out, std::string& why) {
    if (url.starts_with("rediss://")) {
        why = "rediss:// (TLS) is not supported: wshub speaks plain TCP to Redis (put it on a private network)";
        return false;
    }
    if (!url.starts_with(kScheme)) {
        why = "expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]";
        return false;
    }
    std::string_view rest = url.substr(kScheme.size());
    RedisTarget t;
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = rest.substr(0, at);
        const size_t colon = userinfo.find(':');
        if (colon == std::string_view::npos || !http::percent_decode(userinfo.substr(0, colon), t.user) ||
            !http::percent_decode(userinfo.substr(colon + 1), t.password)) {
            why = "expected USER:PASSWORD or :PASSWORD before '@' (percent-encoded)";
            return false;
        }
        rest = rest.substr(at + 1);
    }
    const size_t slash = rest.find('/');
    if (!parse_host(rest.substr(0, slash), t.address)) {
        why = "expected a numeric HOST (or localhost) and a PORT from 1 to 65535, such as redis://127.0.0.1:6379";
        return false;
    }
    if (slash != std::string_view::npos && !parse_db(rest.substr(slash + 1), t.db)) {
        why = "expected a database number from 0 to 1000000 after '/'";
        return false;
    }
    out = std::move(t);
    return true;
}

}  // namespace wshub::config
