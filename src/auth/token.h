// Where a client's JWT comes from. Browsers cannot set headers on a
// WebSocket, so besides `Authorization: Bearer` a token may ride in a
// Sec-WebSocket-Protocol element `bearer.<jwt>` or in `?token=`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"

namespace wshub::auth {

enum class TokenSource : uint8_t { none, authorization, subprotocol, query };

// Looks in that order (header, subprotocol, query) and copies the first
// token found into out. A query that is not well-formed yields none.
TokenSource find_token(const http::Request& req, std::string& out);

// True if `offered` (one Sec-WebSocket-Protocol element) carries a token.
bool is_bearer_protocol(std::string_view offered) noexcept;

}  // namespace wshub::auth
