#include "http/host.h"

namespace wshub::http {

std::string_view host_name(const Request& req) noexcept {
    std::string_view host = req.header("host").value_or(std::string_view{});
    // An IPv6 literal holds colons of its own: its port follows the ']'.
    const size_t close = host.starts_with('[') ? host.find(']') : std::string_view::npos;
    const size_t colon = host.find(':', close == std::string_view::npos ? 0 : close);
    host = host.substr(0, colon);
    if (host.ends_with('.')) host.remove_suffix(1);
    return host;
}

}  // namespace wshub::http
