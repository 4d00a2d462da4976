#include "http/cors.h"

namespace wshub::http {

bool is_preflight(const Request& req) noexcept { return req.method == "OPTIONS" && req.header("origin"); }

std::string cors_headers(std::string_view origin) {
    std::string out = "Access-Control-Allow-Origin: ";
    out += origin;
    out += "\r\nVary: Origin\r\n";
    return out;
}

// RFC 9110 section 15.3.5: a 204 has no content, and so no Content-Length.
std::string preflight_response(std::string_view origin, std::string_view methods, std::string_view headers) {
    std::string out = "HTTP/1.1 204 No Content\r\nConnection: close\r\n";
    out += cors_headers(origin);
    out += "Access-Control-Allow-Methods: ";
    out += methods;
    out += "\r\nAccess-Control-Allow-Headers: ";
    out += headers;
    out += "\r\nAccess-Control-Max-Age: ";
    out += std::to_string(kPreflightMaxAgeS);
    out += "\r\n\r\n";
    return out;
}

}  // namespace wshub::http
