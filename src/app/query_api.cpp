// The public API's query strings (wshub/upgrade_request.h): handed over to
// src/http's, so that the server's own code below the app layer never
// includes the embedding API.
#include "http/query.h"
#include "wshub/upgrade_request.h"

namespace wshub {

bool decode_query_component(std::string_view in, std::string& out) { return http::decode_query_component(in, out); }

bool visit_query_params(std::string_view query, std::string_view name,
                        void (*visit)(void* context, std::string_view value), void* context) {
    return http::for_each_query_param(query, name, [&](std::string_view value) { visit(context, value); });
}

}  // namespace wshub
