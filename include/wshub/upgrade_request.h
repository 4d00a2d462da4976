// The upgrade request as Handler::on_upgrade sees it: path, query, headers,
// the client's address and the subprotocols.
//
// Every view here (and in what the accessors return) points into the
// server's own buffers and is valid only during on_upgrade: copy what the
// connection needs later (into its user data). The headers are the client's
// as sent, credentials included (Authorization, Cookie, a "bearer.*"
// subprotocol offer carrying a token): do not log them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace wshub {

// One header line of the request: the name as sent (compare it
// case-insensitively), the value without surrounding spaces and tabs.
struct Header {
    std::string_view name;
    std::string_view value;
};

// The client's address: the TCP connection's other end or, when that is a
// trusted proxy (Options::trusted_proxies, --trusted-proxy), the client its
// X-Forwarded-For or Forwarded names.
struct PeerAddress {
    std::string_view ip;  // numeric: "192.0.2.7" or "2001:db8::1" (no brackets)
    uint16_t port = 0;    // 0 when a proxy named the client without its port
};

// ASCII case-insensitive equality, as header names are compared.
constexpr bool equals_ignoring_case(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = char(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = char(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

struct UpgradeRequest {
    std::string_view path;
    std::string_view query;  // raw, without '?'
    std::span<const Header> headers;  // every header line, in the order sent
    PeerAddress peer;
    // The subprotocol the server selected for the 101: the first one the
    // client offered that --subprotocol (Options::subprotocols) lists; ""
    // for none.
    std::string_view protocol;

    // The first header named `name` (case-insensitive), or nullopt.
    std::optional<std::string_view> header(std::string_view name) const noexcept {
        for (const Header& h : headers)
            if (equals_ignoring_case(h.name, name)) return h.value;
        return std::nullopt;
    }

    // Visits the value of every header named `name` (case-insensitive), in order.
    template <typename F>
    void for_each_header(std::string_view name, F&& visit) const {
        for (const Header& h : headers)
            if (equals_ignoring_case(h.name, name)) visit(h.value);
    }

    // Visits each subprotocol the client offered, in order: every
    // Sec-WebSocket-Protocol line, split at its commas, without the spaces
    // around each element (empty elements skipped).
    template <typename F>
    void for_each_offered_protocol(F&& visit) const;

    // Visits each query parameter named `name`, percent-decoded ('+' is a
    // space), in order. Returns false if the query is malformed (a bad
    // percent escape).
    template <typename F>
    bool for_each_param(std::string_view name, F&& visit) const;
};

// Percent-decodes one query component into out. False on a bad escape.
bool decode_query_component(std::string_view in, std::string& out);

// Visits each parameter named `name` of a raw query string (without '?'),
// percent-decoded ('+' is a space), in order. False if the query is
// malformed (a bad percent escape). UpgradeRequest::for_each_param is this.
template <typename F>
bool for_each_query_param(std::string_view query, std::string_view name, F&& visit);

// What for_each_query_param calls: each value to visit(context, value).
bool visit_query_params(std::string_view query, std::string_view name,
                        void (*visit)(void* context, std::string_view value), void* context);

template <typename F>
void UpgradeRequest::for_each_offered_protocol(F&& visit) const {
    for_each_header("sec-websocket-protocol", [&](std::string_view list) {
        while (!list.empty()) {
            const size_t comma = list.find(',');
            std::string_view item = list.substr(0, comma);
            list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
            while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
            while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
            if (!item.empty()) visit(item);
        }
    });
}

template <typename F>
bool UpgradeRequest::for_each_param(std::string_view wanted, F&& visit) const {
    return for_each_query_param(query, wanted, visit);
}

template <typename F>
bool for_each_query_param(std::string_view query, std::string_view wanted, F&& visit) {
    using Visit = std::remove_reference_t<F>;
    return visit_query_params(
        query, wanted, [](void* f, std::string_view value) { (*static_cast<Visit*>(f))(value); },
        const_cast<void*>(static_cast<const void*>(&visit)));
}

}  // namespace wshub
