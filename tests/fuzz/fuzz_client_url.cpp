// libFuzzer target for what the public client makes of its options
// (client/client_url.h). The input is lines: the first a URL, the rest
// header lines. Whatever parse_client_url and request_headers take must
// make an upgrade request that the server's own parser (http::parse_request)
// reads back as sent: the same target, the Host the URL gave, and every
// extra header line as one header of the same name and value, none of them
// one the handshake writes. A URL taken never holds a fragment, its target
// starts with '/', and the port is never 0.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "client/client_url.h"
#include "http/client_handshake.h"
#include "http/request.h"
#include "require.h"

using fuzz::require;
using namespace wshub;

namespace {

std::vector<std::string> split_lines(std::string_view text) {
    std::vector<std::string> lines;
    size_t at = 0;
    while (at <= text.size() && lines.size() < 30) {
        const size_t nl = text.find('\n', at);
        const size_t end = nl == std::string_view::npos ? text.size() : nl;
        lines.emplace_back(text.substr(at, end - at));
        if (nl == std::string_view::npos) break;
        at = nl + 1;
    }
    return lines;
}

void check_request(const client::ClientUrl& url, const std::vector<std::string>& lines, const std::string& extra) {
    std::string request;
    http::write_client_request(request, {.host = url.host,
                                         .target = url.target,
                                         .key = "dGhlIHNhbXBsZSBub25jZQ==",
                                         .protocols = "",
                                         .extra_headers = extra});
    http::Request req;
    require(http::parse_request(request, req) == http::ParseStatus::ok, "the server parses the request");
    require(req.target == url.target, "the target as given");
    require(req.header("host") == std::optional<std::string_view>(url.host), "Host is the URL's");
    // The handshake's own lines come first (Host, Upgrade, Connection, Key,
    // Version); the extra ones follow, in order.
    require(req.header_count == 5 + lines.size(), "one header per extra line");
    for (size_t i = 0; i < lines.size(); ++i) {
        const http::Header& h = req.headers[5 + i];
        const std::string_view line = lines[i];
        require(line.substr(0, line.find(':')) == h.name, "the name as given");
        require(line.find(h.value) != std::string_view::npos, "the value as given");
        require(!http::iequals(h.name, "host") && !http::iequals(h.name, "upgrade") &&
                    !http::iequals(h.name, "connection") && !http::iequals(h.name, "content-length") &&
                    !http::iequals(h.name, "transfer-encoding") &&
                    !(h.name.size() >= 14 && http::iequals(h.name.substr(0, 14), "sec-websocket-")),
                "no header of the handshake's own");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> lines = split_lines(input);
    const std::string url_text = lines.front();
    lines.erase(lines.begin());
    client::ClientUrl url;
    std::string why;
    if (!client::parse_client_url(url_text, url, why)) {
        require(!why.empty(), "a refusal says why");
        return 0;
    }
    require(url.target.starts_with('/'), "the target is origin-form");
    require(url.target.find('#') == std::string::npos, "no fragment");
    require(url.port != 0, "a port");
    std::string extra;
    if (!client::request_headers(lines, extra, why)) {
        require(!why.empty(), "a refusal says why");
        return 0;
    }
    check_request(url, lines, extra);
    return 0;
}
