// The upgrade request a proxy route sends its upstream for a client's
// (README.md, "Proxy routes"): the upstream's path with the client's query,
// the client's end-to-end headers, its offered subprotocols, who the client
// is (X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host, Forwarded) and,
// on an ,auth route, who its token says it is (X-Wshub-User) with the token
// itself left out. What a client writes in the headers wshub sets is
// dropped, so no client can name itself to the upstream.
#pragma once

#include <string>
#include <string_view>

#include "config/config.h"
#include "http/request.h"

namespace wshub::app {

// The client as wshub knows it.
struct ProxiedClient {
    std::string_view ip;     // its address: the peer's, or the one a trusted proxy named
    std::string_view proto;  // "http", or what a trusted proxy's X-Forwarded-Proto said
    bool authenticated;      // an ,auth route: the token is dropped and `user` sent
    std::string_view user;
};

// What goes to whichever upstream the client is carried to, read from its
// request (whose views end with it).
struct UpstreamOffer {
    std::string query;      // the client's, without ?token= on an ,auth route
    std::string headers;    // whole header lines
    std::string protocols;  // Sec-WebSocket-Protocol as offered ("" none): the answer is checked against it
};
UpstreamOffer upstream_offer(const http::Request& req, const ProxiedClient& client);

// Appends the request for `up`, with Sec-WebSocket-Key `key`, to out.
void write_upstream_request(const UpstreamOffer& offer, const config::UpstreamUrl& up, std::string_view key,
                            std::string& out);

}  // namespace wshub::app
