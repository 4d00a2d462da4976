// The host a request is for, from its Host header, for routing by host.
#pragma once

#include <string_view>

#include "http/request.h"

namespace wshub::http {

// The host of the request's (first) Host header (RFC 9110 section 7.2:
// uri-host [":" port]) without its port and without one trailing dot (the
// same DNS name): "Chat.Example.com" of "Chat.Example.com.:8080", "[::1]" of
// "[::1]:8080", brackets kept. Case as sent. "" without a Host header. A
// view into the request.
std::string_view host_name(const Request& req) noexcept;

}  // namespace wshub::http
