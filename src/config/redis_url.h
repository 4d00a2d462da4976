// --redis URL: where a node's Redis is, as Redis clients write it
// (redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]). The host is numeric or
// localhost, as for --listen: no name resolution.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "net/address.h"

namespace wshub::config {

struct RedisTarget {
    net::Address address;  // port 6379 unless given
    std::string user;      // "" : the default user
    std::string password;  // "" : none (percent-decoded from the URL)
    uint32_t db = 0;       // SELECT, 0 to 1,000,000
};

// Reads `url` into `out`, or says why not in `why` (never quoting the
// password). "rediss://" (TLS) is refused: wshub speaks to Redis in plain TCP.
bool parse_redis_url(std::string_view url, RedisTarget& out, std::string& why);

}  // namespace wshub::config
