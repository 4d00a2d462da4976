#include "client/client_url.h"

#include <algorithm>

#include "http/request.h"

namespace wshub::client {
namespace {

bool handshake_owned(std::string_view name) {
    constexpr std::string_view kOwned[] = {"host", "upgrade", "connection", "content-length", "transfer-encoding"};
    for (const std::string_view owned : kOwned)
        if (http::iequals(name, owned)) return true;
    constexpr std::string_view kSec = "sec-websocket-";
    return name.size() >= kSec.size() && http::iequals(name.substr(0, kSec.size()), kSec);
}

}  // namespace

bool parse_client_url(std::string_view url, ClientUrl& out, std::string& why) {
    if (url.find('#') != std::string_view::npos) {
        why = "a WebSocket URL has no fragment (RFC 6455 3)";
        return false;
    }
    const size_t question = url.find('?');
    const std::string_view query = question == std::string_view::npos ? "" : url.substr(question);
    if (!config::parse_upstream_url(url.substr(0, question), out, why)) return false;
    if (!std::all_of(query.begin(), query.end(), [](char ch) { return ch > ' ' && ch < 0x7f; })) {
        why = "the query holds a space or a control character";
        return false;
    }
    out.url = std::string(url);
    out.target = out.path + std::string(query);
    return true;
}

bool request_headers(const std::vector<std::string>& lines, std::string& out, std::string& why) {
    for (const std::string& line : lines) {
        // Read back as the server reads a header line, so what goes out is one.
        const std::string wire = line + "\r\n";
        size_t pos = 0;
        http::Header header;
        if (!http::parse_field_line(wire, pos, header) || pos != wire.size()) {
            why = "header line \"" + line + "\": expected Name: value, without control characters";
            return false;
        }
        if (handshake_owned(header.name)) {
            why = "header " + std::string(header.name) + " is the handshake's own";
            return false;
        }
        out += wire;
    }
    return true;
}

}  // namespace wshub::client
