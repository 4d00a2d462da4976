// Inside the redis module: a hash for channel-keyed tables that finds a
// std::string key by a std::string_view (a push's channel), so no string is
// made per message.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>

namespace wshub::redis::detail {

struct ChannelHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

}  // namespace wshub::redis::detail
