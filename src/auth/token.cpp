#include "auth/token.h"

#include "http/query.h"

namespace wshub::auth {
namespace {

constexpr std::string_view kBearerPrefix = "bearer.";

bool from_authorization(const http::Request& req, std::string& out) {
    const auto token = authorization_bearer(req);
    if (!token) return false;
    out.assign(*token);
    return true;
}

bool from_subprotocol(const http::Request& req, std::string& out) {
    for (size_t i = 0; i < req.header_count; ++i) {
        if (!http::iequals(req.headers[i].name, "sec-websocket-protocol")) continue;
        std::string_view list = req.headers[i].value;
        while (!list.empty()) {
            const size_t comma = list.find(',');
            const std::string_view offered = http::trim_ows(list.substr(0, comma));
            if (is_bearer_protocol(offered)) {
                out.assign(offered.substr(kBearerPrefix.size()));
                return true;
            }
            if (comma == std::string_view::npos) break;
            list.remove_prefix(comma + 1);
        }
    }
    return false;
}

bool from_query(const http::Request& req, std::string& out) {
    bool found = false;
    const bool well_formed = http::for_each_query_param(req.query, "token", [&](std::string_view value) {
        if (!found) out.assign(value);
        found = true;
    });
    return well_formed && found && !out.empty();
}

}  // namespace

// RFC 6750 section 2.1: "Bearer" (case-insensitive), one or more spaces, token.
std::optional<std::string_view> authorization_bearer(const http::Request& req) noexcept {
    const auto value = req.header("authorization");
    if (!value || value->size() < 7 || !http::iequals(value->substr(0, 6), "bearer") || (*value)[6] != ' ')
        return std::nullopt;
    const std::string_view token = http::trim_ows(value->substr(7));
    if (token.empty()) return std::nullopt;
    return token;
}

bool is_bearer_protocol(std::string_view offered) noexcept {
    return offered.size() > kBearerPrefix.size() && offered.substr(0, kBearerPrefix.size()) == kBearerPrefix;
}

TokenSource find_token(const http::Request& req, std::string& out) {
    if (from_authorization(req, out)) return TokenSource::authorization;
    if (from_subprotocol(req, out)) return TokenSource::subprotocol;
    if (from_query(req, out)) return TokenSource::query;
    out.clear();
    return TokenSource::none;
}

}  // namespace wshub::auth
