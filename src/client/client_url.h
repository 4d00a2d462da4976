// What the public client (wshub/client.h) makes of ClientOptions: its URL,
// as a proxy route's upstream URL is read (config/upstream_url.h) but with
// a query allowed, and its extra header lines, checked before they go out
// as given.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/upstream_url.h"

namespace wshub::client {

struct ClientUrl : config::UpstreamUrl {
    std::string target;  // path and query: the request target
};

// ws://HOST[:PORT][/PATH][?QUERY]; a fragment (#...) is refused.
bool parse_client_url(std::string_view url, ClientUrl& out, std::string& why);

// Each "Name: value" line to "Name: value\r\n" in `out`. Refused: a line
// without a token before ':', with a control character (CR and LF among
// them), or naming a header the handshake writes itself (Host, Upgrade,
// Connection, Sec-WebSocket-*) or one that would change the framing
// (Content-Length, Transfer-Encoding).
bool request_headers(const std::vector<std::string>& lines, std::string& out, std::string& why);

}  // namespace wshub::client
