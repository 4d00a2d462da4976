// The client's address behind reverse proxies, from the headers they add:
// X-Forwarded-For (each hop appends the address it was connected from, so
// the list reads client, proxy 1, proxy 2 ...) or, when a request has none,
// Forwarded (RFC 7239: the same list as elements with a for= each).
//
// Anyone can send these headers. Only a hop the server trusts tells the
// truth about the hop before it, so the list is read from the right: past
// every trusted address, to the first that is not (the client, as far as
// the trusted proxies know). Whether the request's own TCP peer is trusted,
// and so whether to look at all, is the caller's decision.
//
// A pure function of the request: no allocation, no copy beyond a short
// node on the stack, views only of the request and static text.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/request.h"
#include "net/ip.h"

namespace wshub::http {

// "Is this address one of the proxies whose headers are believed?": a
// callable object bool(const net::IpKey&) such as a lambda, referred to
// (not copied) for the call.
class TrustTest {
public:
    template <typename F>
    TrustTest(const F& test) noexcept  // NOLINT: implicit, so a lambda can be passed as it is
        : test_(&test), call_([](const void* t, const net::IpKey& ip) { return (*static_cast<const F*>(t))(ip); }) {}
    bool operator()(const net::IpKey& ip) const { return call_(test_, ip); }

private:
    const void* test_;
    bool (*call_)(const void*, const net::IpKey&);
};

enum class ForwardedStatus : uint8_t {
    absent,     // neither header
    found,      // ip (and port) is the client
    unknown,    // the hop before the trusted ones is not named: for=unknown, an
                // obfuscated identifier (for=_hidden), or an element with no for=
    malformed,  // what a trusted hop wrote cannot be read; why says what
};

struct ForwardedClient {
    ForwardedStatus status = ForwardedStatus::absent;
    net::IpKey ip{};
    uint16_t port = 0;        // found: the header's port for the client, 0 when it gave none
    std::string_view header;  // the header read ("X-Forwarded-For" or "Forwarded"), static
    std::string_view why;     // malformed: what is wrong, static text
};

// The client of `req` as its trusted proxies report it:
//
// - X-Forwarded-For, every line of that name in order, as one comma-separated
//   list. Walked from the right: empty elements are skipped, a trusted
//   address is passed over, the first other address is the client. Elements
//   left of it are not looked at (they are the client's to forge). An
//   element is an IPv4 address, an IPv6 address bare or in brackets, or
//   either with a port ("192.0.2.1:4711", "[2001:db8::1]:4711"); "unknown"
//   (Squid's word for a hidden client) is unknown, anything else reached on
//   the walk malformed.
// - Otherwise Forwarded, its lines in order as one list: each element is
//   pairs (token=token or token="quoted string") separated by ';', and its
//   for= names the node (RFC 7239 section 6: an IPv4 address, an IPv6 one
//   in brackets and so quoted, "unknown" or an obfuscated "_name", each with
//   an optional ":port", a number or "_name"). Walked from the right as
//   above; a node that is not an address, or an element without for=, ends
//   the walk as unknown. Elements are found from the right (a comma outside
//   a quoted string ends one), so a broken part left of the client's
//   element is never read either; an element the walk reaches that does not
//   parse (a stray character, an unquoted IPv6 address, for= twice, quotes
//   that do not pair up, a for= over 96 bytes) is malformed.
//
// In both, every address trusted gives the leftmost (the request began at a
// trusted host), and no element at all is malformed.
ForwardedClient forwarded_client(const Request& req, TrustTest trusted) noexcept;

}  // namespace wshub::http
