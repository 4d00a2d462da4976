// libFuzzer target for read_shards: the data is read as a RESP reply (under
// the limits a link holding a CLUSTER SHARDS reply has) and, when complete,
// as a slot map answered by 127.0.0.1:7000 and by [::1]:7000. Besides
// crashes and UB it traps on a broken promise: a map taken names 1 to
// kMaxShards primaries, each once, every slot's owner one of them or
// kNoShard; a map refused gives a reason.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "net/address.h"
#include "redis/cluster_map.h"
#include "redis/resp.h"
#include "require.h"

using namespace wshub::redis;
using fuzz::require;

namespace {

void check_map(const Value& reply, const wshub::net::Address& asked) {
    ShardMap map;
    std::string why;
    if (!read_shards(reply, asked, map, why)) {
        require(!why.empty(), "a refusal without a reason");
        return;
    }
    require(!map.primaries.empty() && map.primaries.size() <= kMaxShards, "primaries out of bounds");
    for (size_t i = 0; i < map.primaries.size(); ++i) {
        require(map.primaries[i].port() != 0, "a primary without a port");
        for (size_t j = 0; j < i; ++j)
            require(map.primaries[i].length != map.primaries[j].length ||
                        std::memcmp(&map.primaries[i].storage, &map.primaries[j].storage, map.primaries[i].length) != 0,
                    "a primary twice");
    }
    for (uint8_t owner : map.owner) require(owner == kNoShard || owner < map.primaries.size(), "an owner out of range");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const wshub::net::Address v4 = *wshub::net::parse_address("127.0.0.1:7000");
    static const wshub::net::Address v6 = *wshub::net::parse_address("[::1]:7000");
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const Reply r = parse_reply(bytes, Limits{kShardsDepth, 1 << 12, kShardsElements, 1 << 20});
    if (r.status != Status::complete) return 0;
    check_map(r.value, v4);
    check_map(r.value, v6);
    return 0;
}
