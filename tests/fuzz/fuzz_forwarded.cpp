// libFuzzer target for http::forwarded_client. The input is header lines,
// '\n' between them, each a kind byte ('x': X-Forwarded-For, 'f':
// Forwarded, anything else: another header) and its value, made to look as
// parse_request leaves values (no control characters but tab, no
// whitespace at the ends). Each value sits in a heap buffer of exactly its
// size, so ASan catches a read past it. Besides crashes and UB it traps on
// broken contracts:
// - absent exactly when neither header is there, and the header read is
//   X-Forwarded-For whenever it is;
// - a reason exactly when malformed;
// - the same answer twice;
// - a line holding one untrusted address, added last, is the client;
// - a line holding one trusted address, added last, changes nothing,
//   unless the header held no address (then it is the client);
// - X-Forwarded-For lines joined into one with commas give the same answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/forwarded.h"
#include "net/cidr.h"
#include "header_lines.h"
#include "require.h"

using namespace wshub;
using http::ForwardedClient;
using http::ForwardedStatus;

namespace {

using fuzz::as_parsed;
using fuzz::require;
using Lines = fuzz::HeaderLines;

constexpr std::string_view kXff = "X-Forwarded-For";
constexpr std::string_view kFwd = "Forwarded";

bool trusted(const net::IpKey& ip) {
    static const std::vector<net::Cidr> ranges = {*net::parse_cidr("10.0.0.0/8"), *net::parse_cidr("::1"),
                                                  *net::parse_cidr("2001:db8::/32")};
    return net::in_any(ranges, ip);
}

// The client the lines name, with trusted() as the trusted proxies.
ForwardedClient client_of(const Lines& in) {
    const auto is_trusted = [](const net::IpKey& ip) { return trusted(ip); };
    return http::forwarded_client(in.request(), is_trusted);
}

bool same(const ForwardedClient& a, const ForwardedClient& b) {
    return a.status == b.status && a.ip == b.ip && a.port == b.port && a.header == b.header && a.why == b.why;
}

void check_contracts(const Lines& in, const ForwardedClient& r) {
    const bool any = in.has(kXff) || in.has(kFwd);
    require((r.status == ForwardedStatus::absent) == !any, "absent exactly without either header");
    if (any) require(r.header == (in.has(kXff) ? kXff : kFwd), "X-Forwarded-For read first");
    require((r.status == ForwardedStatus::malformed) == !r.why.empty(), "a reason exactly when malformed");
    require(same(r, client_of(in)), "the same answer twice");
}

// Lines added last: an untrusted address is the client; a trusted one
// changes nothing unless there was no address at all.
void check_appended(const Lines& in, const ForwardedClient& r) {
    if (r.status == ForwardedStatus::absent) return;
    const std::string_view name = r.header;
    const bool xff = name == kXff;
    Lines more = in;
    more.add(name, xff ? "203.0.113.1" : "for=203.0.113.1");
    if (more.lines.size() <= http::kMaxHeaders) {
        const ForwardedClient c = client_of(more);
        require(c.status == ForwardedStatus::found && c.ip == *net::parse_ip("203.0.113.1") && c.port == 0,
                "an untrusted address added last is the client");
    }
    Lines via = in;
    via.add(name, xff ? "10.0.0.1" : "for=10.0.0.1;proto=https");
    if (via.lines.size() <= http::kMaxHeaders) {
        const ForwardedClient c = client_of(via);
        const bool had_none = r.status == ForwardedStatus::malformed && r.why == "no address in the header";
        if (had_none)
            require(c.status == ForwardedStatus::found && c.ip == *net::parse_ip("10.0.0.1"), "the only address");
        else
            require(same(c, r), "a trusted address added last changes nothing");
    }
}

// X-Forwarded-For's lines are one list: joined with commas, the same answer.
void check_joined(const Lines& in, const ForwardedClient& r) {
    if (r.header != kXff) return;
    std::string joined;
    Lines one;
    for (const auto& [name, value] : in.lines) {
        if (name != kXff) {
            one.add(name, value);
            continue;
        }
        if (!joined.empty()) joined += ", ";
        joined += value;
    }
    one.add(kXff, joined);
    require(same(client_of(one), r), "joined lines give the same answer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    Lines in;
    for (size_t at = 0; at < input.size() && in.lines.size() < http::kMaxHeaders - 1;) {
        size_t end = input.find('\n', at);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view line = input.substr(at, end - at);
        at = end + 1;
        if (line.empty()) continue;
        const std::string_view name = line[0] == 'x' ? kXff : line[0] == 'f' ? kFwd : std::string_view("Via");
        in.add(name, as_parsed(line.substr(1)));
    }
    const ForwardedClient r = client_of(in);
    check_contracts(in, r);
    check_appended(in, r);
    check_joined(in, r);
    return 0;
}
