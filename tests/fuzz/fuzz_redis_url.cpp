// libFuzzer target for config::parse_redis_url: any bytes either parse to a
// target with a port, a db in range and a numeric address, or are refused
// with a reason that never quotes the text after "redis://:" (a password).
#include <cstdint>
#include <string>
#include <string_view>

#include "config/redis_url.h"
#include "require.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view url(reinterpret_cast<const char*>(data), size);
    wshub::config::RedisTarget t;
    std::string why;
    if (wshub::config::parse_redis_url(url, t, why)) {
        fuzz::require(why.empty(), "a reason for a URL taken");
        fuzz::require(t.address.port() != 0, "no port");
        fuzz::require(t.db <= 1'000'000, "db out of range");
        fuzz::require(t.address.family() == AF_INET || t.address.family() == AF_INET6, "not an IP address");
    } else {
        fuzz::require(!why.empty(), "refused without a reason");
        fuzz::require(why.find("redis://:") == std::string::npos || url.find("redis://:") == std::string::npos,
                      "the reason quotes the URL");
        fuzz::require(why.size() < 200, "a reason that long quotes the input");
    }
    return 0;
}
