// Where a client's JWT comes from. Browsers cannot set headers on a
// WebSocket, so besides `Authorization: Bearer` a token may ride in a
// Sec-WebSocket-Protocol element `bearer.<jwt>` or in `?token=`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace wshub::auth {

enum class TokenSource : uint8_t { none, authorization, subprotocol, query };

// Looks in that order (header, subprotocol, query) and copies the first
// token found into out. A query that is not well-formed yields none.
TokenSource find_token(const http::Request& req, std::string& out);

// The token of an `Authorization: Bearer <token>` header (RFC 6750 section
// 2.1: the scheme in any case, then one space), a view into req; nullopt if
// there is none or it is empty.
std::optional<std::string_view> authorization_bearer(const http::Request& req) noexcept;

// True if `offered` (one Sec-WebSocket-Protocol element) carries a token.
bool is_bearer_protocol(std::string_view offered) noexcept;

}  // namespace wshub::auth
