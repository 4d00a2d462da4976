// A proxy route's upstream (,upstream=URL): the WebSocket server its
// clients are carried to, as ws://HOST[:PORT][/PATH]. The host is an IP
// address, localhost, or a DNS name, which the server resolves once as it
// starts (app/upstream_names.cpp), never while it runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/address.h"

namespace wshub::config {

struct UpstreamUrl {
    std::string url;    // as given: the route spec's text and the logs'
    std::string host;   // the Host header: HOST, and :PORT unless it is 80
    std::string path;   // what the upstream request asks for ("/" when none given)
    std::string name;   // a DNS name to resolve at start; "" for an address
    uint16_t port = 80;
    net::Address address;  // once resolved (at once for an address)
};

// Reads `url` into `out`, or says why not in `why`. "wss://" is refused:
// wshub has no TLS (a proxy route reaches its upstream in plain TCP, on a
// network the operator trusts). The path may not hold a query or fragment:
// the client's query is what the upstream gets.
bool parse_upstream_url(std::string_view url, UpstreamUrl& out, std::string& why);

}  // namespace wshub::config
