#include "http/body.h"

namespace wshub::http {

BodyFraming body_framing(const Request& req, uint64_t max) noexcept {
    BodyFraming f;
    if (req.header("transfer-encoding")) {
        // With Content-Length too it would also be a smuggling attempt
        // (RFC 9112 section 6.3): either way, never read such a body.
        f.status = 411;
        f.why = "send the body with Content-Length; Transfer-Encoding is not supported\n";
    } else if (!req.content_length) {
        f.status = 411;
        f.why = "Content-Length required\n";
    } else if (*req.content_length > max) {
        f.status = 413;
        f.why = "body larger than --max-message\n";
    } else {
        f.length = *req.content_length;
    }
    return f;
}

bool has_media_type(std::optional<std::string_view> content_type, std::string_view type) noexcept {
    if (!content_type) return false;
    return iequals(trim_ows(content_type->substr(0, content_type->find(';'))), type);
}

bool expects_continue(const Request& req) noexcept {
    const auto expect = req.header("expect");
    return expect && iequals(trim_ows(*expect), "100-continue");
}

}  // namespace wshub::http
