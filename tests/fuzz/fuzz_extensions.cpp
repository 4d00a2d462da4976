// libFuzzer target for http::negotiate_deflate and deflate_answer. The
// input is three policy bytes (the flags in the first's two low bits, the
// server's and the client's window bits 8 + the low three bits of the next
// two), then header lines, '\n' between them, each a kind byte ('e':
// Sec-WebSocket-Extensions, 'E': the same name in lower case, anything
// else: another header) and its value, made to look as parse_request
// leaves values (no control characters but tab, no whitespace at the
// ends). Each value sits in a heap buffer of exactly its size, so ASan
// catches a read past it. Besides crashes and UB it traps on broken
// contracts:
// - the outcome does not depend on the policy, and only an agreement has
//   params other than the defaults;
// - an agreement's window bits are 8..15, no larger than the policy's and
//   than what the same offer gives under a policy asking for nothing, the
//   client's 15 when not answered; offered flags and window values stay
//   answered, asked-for flags are set;
// - the answer is one line, and read back as an offer under a policy asking
//   for nothing it is accepted with the same params;
// - the extension lines joined into one with ", " give the same answer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "http/extensions.h"
#include "header_lines.h"
#include "require.h"

using namespace wshub;
using http::DeflateNegotiation;
using http::DeflateParams;
using http::DeflatePolicy;
using http::ExtensionsOutcome;

namespace {

using fuzz::as_parsed;
using fuzz::require;
using Lines = fuzz::HeaderLines;

constexpr std::string_view kName = "Sec-WebSocket-Extensions";
constexpr std::string_view kLowerName = "sec-websocket-extensions";
constexpr std::string_view kPrefix = "Sec-WebSocket-Extensions: ";

// The lines' request, negotiated under `policy`.
DeflateNegotiation negotiate(const Lines& in, const DeflatePolicy& policy) {
    return http::negotiate_deflate(in.request(), policy);
}

bool in_range(uint8_t bits) { return bits >= 8 && bits <= 15; }

// `free` is the same request under a policy that asks for nothing.
void check_params(const DeflatePolicy& policy, const DeflateNegotiation& r, const DeflateNegotiation& free) {
    require(r.outcome == free.outcome, "the outcome does not depend on the policy");
    if (r.outcome != ExtensionsOutcome::accepted) {
        require(r.params == DeflateParams{}, "default params unless accepted");
        return;
    }
    const DeflateParams& p = r.params;
    const DeflateParams& f = free.params;
    require(in_range(p.server_window_bits) && in_range(p.client_window_bits), "window bits 8..15");
    require(p.server_window_bits <= policy.server_max_window_bits, "server window within the policy");
    require(p.server_window_bits <= f.server_window_bits, "server window within the offer");
    require(p.client_window_bits <= f.client_window_bits, "client window within the offer");
    require(p.answer_client_window_bits ? p.client_window_bits <= policy.client_max_window_bits
                                        : p.client_window_bits == 15,
            "client window within the policy, 15 when not answered");
    require(!f.answer_client_window_bits || p.answer_client_window_bits, "an offered client value is answered");
    require(!f.answer_server_window_bits || p.answer_server_window_bits, "an offered server value is answered");
    require(p.answer_server_window_bits || p.server_window_bits == 15, "a server window below 15 is answered");
    require(p.server_no_context_takeover == (f.server_no_context_takeover || policy.server_no_context_takeover),
            "server_no_context_takeover offered or asked");
    require(p.client_no_context_takeover == (f.client_no_context_takeover || policy.client_no_context_takeover),
            "client_no_context_takeover offered or asked");
}

void check_answer(const DeflateNegotiation& r) {
    if (r.outcome != ExtensionsOutcome::accepted) return;
    const std::string line = http::deflate_answer(r.params);
    require(line.rfind(kPrefix, 0) == 0, "the answer names the header");
    require(line.size() >= kPrefix.size() + 2 && line.find("\r\n") == line.size() - 2, "one line ending in CRLF");
    Lines back;
    back.add(kName, line.substr(kPrefix.size(), line.size() - kPrefix.size() - 2));
    const DeflateNegotiation again = negotiate(back, DeflatePolicy{});
    require(again.outcome == ExtensionsOutcome::accepted && again.params == r.params,
            "the answer read back gives the same params");
}

bool same(const DeflateNegotiation& a, const DeflateNegotiation& b) {
    return a.outcome == b.outcome && a.params == b.params;
}

void check_joined(const Lines& in, const DeflatePolicy& policy, const DeflateNegotiation& r) {
    std::string joined;
    bool any = false;
    for (const auto& [name, value] : in.lines) {
        if (name != kName && name != kLowerName) continue;
        if (any) joined += ", ";
        joined += value;
        any = true;
    }
    Lines one;
    if (any) one.add(kName, joined);
    require(same(negotiate(one, policy), r), "lines joined with commas give the same answer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    DeflatePolicy policy;
    policy.server_no_context_takeover = data[0] & 1;
    policy.client_no_context_takeover = data[0] & 2;
    policy.server_max_window_bits = uint8_t(8 + (data[1] & 7));
    policy.client_max_window_bits = uint8_t(8 + (data[2] & 7));
    const std::string_view input(reinterpret_cast<const char*>(data) + 3, size - 3);
    Lines in;
    for (size_t at = 0; at < input.size() && in.lines.size() < http::kMaxHeaders;) {
        size_t end = input.find('\n', at);
        if (end == std::string_view::npos) end = input.size();
        const std::string_view line = input.substr(at, end - at);
        at = end + 1;
        if (line.empty()) continue;
        const std::string_view name = line[0] == 'e' ? kName : line[0] == 'E' ? kLowerName : std::string_view("Origin");
        in.add(name, as_parsed(line.substr(1)));
    }
    const DeflateNegotiation r = negotiate(in, policy);
    const DeflateNegotiation free = negotiate(in, DeflatePolicy{});
    require(same(r, negotiate(in, policy)), "the same answer twice");
    check_params(policy, r, free);
    check_answer(r);
    check_answer(free);
    check_joined(in, policy, r);
    return 0;
}
