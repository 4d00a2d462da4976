// libFuzzer target for the HTTP head path: parse_head over the input as
// received, under the server's default limits and under tight ones the
// input picks, must come to the same answer whether the bytes arrive at once,
// a byte at a time or in two reads; every prefix of a complete head is
// incomplete; a complete head goes on through parse_request, check_upgrade,
// the body framing and the response builders. Besides crashes and UB, it
// traps on broken invariants (views outside the head, answers that depend on
// the split, a refusal that is not one of the four, a 101 whose key does not
// decode).
#include <algorithm>
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

bool same(const HeadResult& a, const HeadResult& b) {
    return a.status == b.status && a.length == b.length && a.http_status == b.http_status && a.why == b.why &&
           a.refusal == b.refusal;
}

// A refusal is one of the four, counted by its status.
void check_refusal(const HeadResult& r) {
    require(!r.why.empty() && r.why.back() == '\n' && r.length == 0);
    if (r.http_status == 400) {
        require(r.refusal == HeadRefusal::malformed);
        require(r.why == "lines must end in CRLF\n" || r.why == "malformed request\n");
    } else {
        require(r.http_status == 431 && r.refusal == HeadRefusal::too_large);
        require(r.why == "request head too large\n" || r.why == "too many header fields\n");
    }
}

// Fed a byte at a time, each call told the length before: the first answer
// that is not incomplete is the one-call answer, when the head's last byte
// (or the byte that decides the refusal) arrives.
void check_byte_at_a_time(std::string_view input, const HeadLimits& limits, const HeadResult& whole) {
    static Request req;
    for (size_t len = 1; len <= input.size(); ++len) {
        const HeadResult r = parse_head(input.substr(0, len), len - 1, limits, req);
        if (r.status == HeadStatus::incomplete) continue;
        require(same(r, whole));
        if (r.status == HeadStatus::complete) require(r.length == len);
        return;
    }
    require(whole.status == HeadStatus::incomplete);
}

// Two reads, split at `split`.
void check_two_reads(std::string_view input, size_t split, const HeadLimits& limits, const HeadResult& whole) {
    static Request req;
    const HeadResult first = parse_head(input.substr(0, split), 0, limits, req);
    require(same(first.status != HeadStatus::incomplete ? first : parse_head(input, split, limits, req), whole));
}

void check_request_views(const Request& req, std::string_view head) {
    require(inside(req.method, head) && inside(req.target, head));
    require(inside(req.path, req.target) && inside(req.query, req.target));
    require(req.header_count <= kMaxHeaders);
    for (size_t i = 0; i < req.header_count; ++i)
        require(inside(req.headers[i].name, head) && inside(req.headers[i].value, head));
}

// Keep-alive is never offered where the request's own bytes could run into
// the next one's, nor to HTTP/1.0; a joined header is every line of that
// name, in order, with ", " between.
void check_keep_alive(const Request& req) {
    if (keep_alive(req))
        require(req.minor_version >= 1 && req.content_length.value_or(0) == 0 && !req.header("Transfer-Encoding"));
    std::string joined;
    const bool any = joined_header(req, "If-None-Match", joined);
    require(any == req.header("If-None-Match").has_value());
    size_t lines = 0, bytes = 0;
    for (size_t i = 0; i < req.header_count; ++i) {
        const std::string_view name = req.headers[i].name;
        const bool match = name.size() == 13 && std::equal(name.begin(), name.end(), "if-none-match", [](char a, char b) {
            return (a >= 'A' && a <= 'Z' ? char(a + 32) : a) == b;
        });
        if (!match) continue;
        ++lines;
        bytes += req.headers[i].value.size();
    }
    require(any == (lines != 0));
    if (any) require(joined.size() == bytes + 2 * (lines - 1));
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

// A complete head, copied to a buffer of exactly its size (so ASan catches
// any read past it) and parsed again: the same request, within the limits.
void check_complete(const uint8_t* data, const HeadResult& r, const HeadLimits& limits) {
    require(r.length <= limits.max_bytes && r.length >= 4);
    std::unique_ptr<char[]> copy(new char[r.length]);
    std::memcpy(copy.get(), data, r.length);
    const std::string_view head(copy.get(), r.length);
    require(head.substr(head.size() - 4) == "\r\n\r\n");
    static Request req;
    require(same(parse_head(head, 0, limits, req), r));
    check_request_views(req, head);
    check_keep_alive(req);
    require(req.header_count <= limits.max_headers);
    static Request again;
    require(parse_request(head, again) == ParseStatus::ok && again.target == req.target &&
            again.header_count == req.header_count);
    exercise_upgrade(req);
    exercise_body(req);
}

// Every prefix of a complete head is incomplete when parsed afresh (a few of
// them: all would cost quadratic time).
void check_prefixes(std::string_view input, size_t length, const HeadLimits& limits) {
    static Request req;
    for (const size_t len : {size_t{0}, length / 3, length / 2, length - 2, length - 1})
        require(parse_head(input.substr(0, len), 0, limits, req).status == HeadStatus::incomplete);
}

void check_under(const uint8_t* data, std::string_view input, const HeadLimits& limits) {
    static Request req;
    const HeadResult whole = parse_head(input, 0, limits, req);
    check_byte_at_a_time(input, limits, whole);
    if (!input.empty()) check_two_reads(input, input.size() / 2, limits, whole);
    switch (whole.status) {
    case HeadStatus::incomplete:
        // No end within the window, nothing wrong, not over the limit.
        require(whole.length == 0 && whole.http_status == 0);
        require(std::min(input.size(), limits.max_bytes + 1) <= limits.max_bytes);
        break;
    case HeadStatus::refused:
        check_refusal(whole);
        break;
    case HeadStatus::complete:
        check_complete(data, whole, limits);
        check_prefixes(input, whole.length, limits);
        break;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_under(data, input, HeadLimits{8192, kMaxHeaders});
    // Tight limits the input picks, so that both 431s are reached by small inputs.
    const size_t tight_bytes = size > 8 ? size - size / 4 : 4;
    check_under(data, input, HeadLimits{tight_bytes, size % (kMaxHeaders + 8)});

    // parse_request over the whole input (it stops at the blank line) takes
    // a request exactly when parse_head without a size limit finds one.
    static Request req, unlimited;
    const bool ok = parse_request(input, req) == ParseStatus::ok;
    const HeadResult r = parse_head(input, 0, HeadLimits{SIZE_MAX, kMaxHeaders}, unlimited);
    require(ok == (r.status == HeadStatus::complete));
    if (ok) {
        check_request_views(req, input.substr(0, r.length));
        require(req.target == unlimited.target && req.header_count == unlimited.header_count);
    }
    return 0;
}
