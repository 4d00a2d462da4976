// CORS (the Fetch standard's CORS protocol) for a plain HTTP endpoint that a
// page on another origin calls: the header lines an answer carries for an
// origin the caller admits, and the 204 answering a preflight. Which origins
// are admitted is the caller's policy. The origin is echoed, never "*", and
// no Access-Control-Allow-Credentials is sent: the credential such an
// endpoint takes is a bearer token the page sets itself, never a cookie, so
// a browser's ambient credentials are never let through.
#pragma once

#include <string>
#include <string_view>

#include "http/request.h"

namespace wshub::http {

// How long a browser may keep a preflight's answer (Chromium keeps it at
// most 2 hours, Firefox 24).
inline constexpr unsigned kPreflightMaxAgeS = 600;

// True for a CORS preflight: OPTIONS with an Origin header.
bool is_preflight(const Request& req) noexcept;

// "Access-Control-Allow-Origin: <origin>" and "Vary: Origin", each with its
// CRLF: for an answer to a request from `origin` (an Origin header's value,
// which holds no CR or LF).
std::string cors_headers(std::string_view origin);

// The whole "204 No Content" answering a preflight from `origin` for an
// endpoint that takes the methods `methods` ("POST, OPTIONS") and the
// request headers `headers` ("Authorization, Content-Type"), with
// Connection: close and no body.
std::string preflight_response(std::string_view origin, std::string_view methods, std::string_view headers);

}  // namespace wshub::http
