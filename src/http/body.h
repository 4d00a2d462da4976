// Request bodies, for the one endpoint that takes one (POST /publish): the
// framing decided from the head alone, before a byte of the body is read.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/request.h"

namespace wshub::http {

struct BodyFraming {
    int status = 0;        // 0: read `length` bytes; else the status to answer
    std::string_view why;  // for a refusal: a static body ending in '\n'
    uint64_t length = 0;
};

// Only Content-Length bodies: any Transfer-Encoding (chunked included) is
// refused with 411, which tells the client what to send instead; so is a
// missing Content-Length. A length over `max` is 413 at once, so no byte of
// an oversized body is ever buffered. (A malformed or conflicting
// Content-Length never gets here: parse_request refuses it with 400.)
BodyFraming body_framing(const Request& req, uint64_t max) noexcept;

// True if the Content-Type's media type (before any ';' parameters) is
// `type`, compared case-insensitively (RFC 9110 section 8.3.1).
bool has_media_type(std::optional<std::string_view> content_type, std::string_view type) noexcept;

// True if an Expect header asks for "100-continue" (RFC 9110 section 10.1.1).
bool expects_continue(const Request& req) noexcept;

}  // namespace wshub::http
