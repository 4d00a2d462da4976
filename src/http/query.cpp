#include "http/query.h"

#include "http/percent.h"

namespace wshub::http {

bool decode_query_component(std::string_view in, std::string& out) { return percent_decode(in, out, Plus::space); }

}  // namespace wshub::http
