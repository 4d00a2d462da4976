// The client behind a reverse proxy (--trusted-proxy). For a request whose
// TCP peer is a trusted proxy, the address its X-Forwarded-For or Forwarded
// names (http/forwarded.h) becomes the connection's client before the
// request is routed, so --max-conns-per-ip, the log lines and the mode's
// UpgradeRequest all see the client. From any other peer those headers are
// not read: anyone can write them.
#include "app/connection.h"
#include "app/log.h"
#include "app/request.h"
#include "app/worker.h"
#include "http/forwarded.h"
#include "net/cidr.h"

namespace wshub::app {

void take_forwarded_client(Worker& w, Connection& c, const http::Request& req) {
    const std::vector<net::Cidr>& proxies = w.config().trusted_proxies;
    if (proxies.empty() || !net::in_any(proxies, c.peer())) return;
    const auto trusted = [&proxies](const net::IpKey& ip) { return net::in_any(proxies, ip); };
    const http::ForwardedClient client = http::forwarded_client(req, trusted);
    switch (client.status) {
    case http::ForwardedStatus::found:
        c.set_client(client.ip, client.port);
        return;
    case http::ForwardedStatus::malformed:
        // The proxy's word cannot be read: the proxy stays the client.
        if (log_enabled(LogLevel::debug))
            Log(LogLevel::debug, "forwarded_malformed")
                .str("peer", c.peer_text())
                .str("header", client.header)
                .str("why", client.why)
                .emit();
        return;
    case http::ForwardedStatus::absent:   // the proxy's own request (a health check)
    case http::ForwardedStatus::unknown:  // for=unknown, an obfuscated name: no address to use
        return;
    }
}

}  // namespace wshub::app
