#include "app/upstream_names.h"

#include <vector>

#include "app/log.h"
#include "net/resolve.h"

namespace wshub::app {

std::string resolve_upstream_names(config::Config& cfg) {
    bool read = false;
    net::ResolverConfig rc;
    for (config::Route& route : cfg.routes) {
        for (config::UpstreamUrl& up : route.upstreams) {
            if (up.name.empty()) continue;
            if (!read) rc = net::read_resolv_conf();
            read = true;
            std::vector<net::Address> found;
            std::string why;
            if (!net::resolve(rc, up.name, up.port, found, why))
                return "--route " + route.target() + ": upstream=" + up.url + ": " + why;
            up.address = found.front();
            if (log_enabled(LogLevel::info))
                Log(LogLevel::info, "upstream_resolved")
                    .str("upstream", up.url)
                    .str("address", up.address.to_string())
                    .emit();
        }
    }
    return {};
}

}  // namespace wshub::app
