// libFuzzer target for the HTTP head path: find_head_end fed the input both at
// once and one byte at a time must agree, and whatever head it finds goes
// through parse_request, check_upgrade, the body framing and the response
// builders. Besides
// crashes and UB, it traps on broken invariants (views outside the head,
// disagreeing scans, a 101 whose key does not decode).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "crypto/base64.h"
#include "http/body.h"
#include "http/request.h"
#include "http/upgrade.h"

using namespace wshub::http;

namespace {

void require(bool ok) {
    if (!ok) __builtin_trap();
}

bool inside(std::string_view part, std::string_view whole) {
    if (part.empty()) return true;
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

size_t find_incrementally(std::string_view input) {
    size_t previous = 0;
    for (size_t len = 1; len <= input.size(); ++len) {
        size_t end = find_head_end(input.substr(0, len), previous);
        if (end != 0) {
            require(end == len);  // found exactly when its last byte arrives
            return end;
        }
        previous = len;
    }
    return 0;
}

void check_request_views(const Request& req, std::string_view head) {
    require(inside(req.method, head) && inside(req.target, head));
    require(inside(req.path, req.target) && inside(req.query, req.target));
    require(req.header_count <= kMaxHeaders);
    for (size_t i = 0; i < req.header_count; ++i)
        require(inside(req.headers[i].name, head) && inside(req.headers[i].value, head));
}

void exercise_upgrade(const Request& req) {
    static const std::vector<std::string> supported = {"chat", "superchat", "json"};
    UpgradeDecision d = check_upgrade(req, req.path == "/chat" || req.path == "/", supported);
    if (d.status == 101) {
        uint8_t raw[32];
        auto n = wshub::crypto::base64_decode(d.key, raw, sizeof raw);
        require(n && *n == 16);
        std::string response = switching_protocols(d.key, d.protocol);
        require(response.size() >= 4 && response.compare(response.size() - 4, 4, "\r\n\r\n") == 0);
    } else {
        require(!d.why.empty());
        std::string response = simple_response(d.status, d.why, rejection_headers(d.status));
        require(response.compare(0, 9, "HTTP/1.1 ") == 0);
    }
}

// A body is read only with a Content-Length within the limit and no
// Transfer-Encoding; every refusal has its text.
void exercise_body(const Request& req) {
    const BodyFraming f = body_framing(req, 1024);
    if (f.status == 0) {
        require(req.content_length && *req.content_length == f.length && f.length <= 1024);
        require(!req.header("transfer-encoding"));
    } else {
        require((f.status == 411 || f.status == 413) && !f.why.empty() && f.why.back() == '\n');
    }
    (void)has_media_type(req.header("content-type"), "application/octet-stream");
    (void)expects_continue(req);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    size_t end = find_head_end(input, 0);
    require(find_incrementally(input) == end);
    // Also try a resumed scan from the middle, as a second read would.
    if (size > 0) {
        size_t mid = size / 2;
        size_t first = find_head_end(input.substr(0, mid), 0);
        require(first != 0 ? first == end : find_head_end(input, mid) == end);
    }

    // Parse whatever prefix the input has when no head end is found too,
    // so that truncated heads reach the parser. The copy is exactly sized,
    // letting ASan catch any read past the head.
    size_t head_len = end != 0 ? end : size;
    std::unique_ptr<char[]> copy(new char[head_len ? head_len : 1]);
    if (head_len) std::memcpy(copy.get(), data, head_len);
    std::string_view head(copy.get(), head_len);

    static Request req;
    ParseStatus status = parse_request(head, req);
    if (end == 0) require(status != ParseStatus::ok);  // no blank line, no request
    if (status != ParseStatus::ok) return 0;
    check_request_views(req, head);
    exercise_upgrade(req);
    exercise_body(req);
    return 0;
}
