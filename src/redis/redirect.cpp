#include "redis/redirect.h"

#include "redis/slot.h"

namespace wshub::redis {
namespace {

// 1 to 5 decimal digits, at most `max`.
bool parse_small(std::string_view digits, uint32_t max, uint32_t& out) noexcept {
    if (digits.empty() || digits.size() > 5) return false;
    uint32_t value = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + static_cast<uint32_t>(c - '0');
    }
    if (value > max) return false;
    out = value;
    return true;
}

}  // namespace

bool parse_redirect(std::string_view text, Redirect& out) noexcept {
    Redirect r;
    if (text.starts_with("MOVED ")) {
        r.kind = Redirect::Kind::moved;
        text.remove_prefix(6);
    } else if (text.starts_with("ASK ")) {
        r.kind = Redirect::Kind::ask;
        text.remove_prefix(4);
    } else {
        return false;
    }
    const size_t space = text.find(' ');
    uint32_t slot = 0;
    if (space == std::string_view::npos || !parse_small(text.substr(0, space), kSlotCount - 1, slot)) return false;
    const std::string_view endpoint = text.substr(space + 1);
    const size_t colon = endpoint.rfind(':');
    uint32_t port = 0;
    if (colon == std::string_view::npos || !parse_small(endpoint.substr(colon + 1), 65535, port) || port == 0)
        return false;
    r.host = endpoint.substr(0, colon);
    if (r.host.find(' ') != std::string_view::npos) return false;
    r.slot = static_cast<uint16_t>(slot);
    r.port = static_cast<uint16_t>(port);
    out = r;
    return true;
}

}  // namespace wshub::redis
