// Query strings (RFC 3986 section 3.4, with the form convention of '+' for a
// space): percent-decoding, and the parameters of one name. The public API's
// UpgradeRequest::for_each_param is this (app/query_api.cpp hands it over).
#pragma once

#include <string>
#include <string_view>

namespace wshub::http {

// Percent-decodes one query component, appending to out. False on a bad escape.
bool decode_query_component(std::string_view in, std::string& out);

// Visits each parameter named `name` of a raw query (without '?'), decoded,
// in order. False if the query is malformed (a bad percent escape).
template <typename F>
bool for_each_query_param(std::string_view query, std::string_view name, F&& visit) {
    std::string key, value;
    while (!query.empty()) {
        const size_t amp = query.find('&');
        const std::string_view pair = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (pair.empty()) continue;
        const size_t eq = pair.find('=');
        key.clear();
        value.clear();
        if (!decode_query_component(pair.substr(0, eq), key)) return false;
        if (eq != std::string_view::npos && !decode_query_component(pair.substr(eq + 1), value)) return false;
        if (key == name) visit(std::string_view(value));
    }
    return true;
}

}  // namespace wshub::http
