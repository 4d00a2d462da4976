#include "web/assets.h"

namespace wshub::web {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t'; }

std::string_view without_weak(std::string_view tag) noexcept {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
}

}  // namespace

// A handful of assets: a linear walk is as fast as anything else here.
const Asset* find_asset(std::string_view url_path) noexcept {
    for (const Asset& a : assets())
        if (a.path == url_path) return &a;
    return nullptr;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) noexcept {
    const std::string_view wanted = without_weak(etag);
    size_t at = 0;
    while (at < if_none_match.size()) {
        while (at < if_none_match.size() && (is_space(if_none_match[at]) || if_none_match[at] == ',')) ++at;
        if (at == if_none_match.size()) break;
        if (if_none_match[at] == '*') return true;
        size_t start = at;
        if (if_none_match.substr(at).starts_with("W/")) at += 2;
        if (at >= if_none_match.size() || if_none_match[at] != '"') return false;
        const size_t close = if_none_match.find('"', at + 1);
        if (close == std::string_view::npos) return false;
        if (without_weak(if_none_match.substr(start, close + 1 - start)) == wanted) return true;
        at = close + 1;
    }
    return false;
}

}  // namespace wshub::web
