#include "files/validators.h"

#include "files/http_date.h"
#include "http/request.h"

namespace wshub::files {
namespace {

void append_hex(std::string& out, uint64_t v) {
    static constexpr char kHex[] = "0123456789abcdef";
    char buf[16];
    size_t n = 0;
    do {
        buf[n++] = kHex[v & 15];
        v >>= 4;
    } while (v != 0);
    while (n > 0) out += buf[--n];
}

bool is_ows(char ch) noexcept { return ch == ' ' || ch == '\t'; }

// etagc (RFC 9110 section 8.8.3): visible ASCII but '"', and obs-text.
bool is_etagc(unsigned char ch) noexcept { return ch == 0x21 || (ch >= 0x23 && ch != 0x7f); }

// Reads the entity-tag at the start of `list` and removes it; returns its
// opaque-tag (quotes included), or nullopt if there is none.
std::optional<std::string_view> take_entity_tag(std::string_view& list) noexcept {
    std::string_view rest = list;
    if (rest.starts_with("W/")) rest.remove_prefix(2);
    if (rest.empty() || rest.front() != '"') return std::nullopt;
    size_t end = 1;
    while (end < rest.size() && is_etagc(static_cast<unsigned char>(rest[end]))) ++end;
    if (end == rest.size() || rest[end] != '"') return std::nullopt;
    const std::string_view opaque = rest.substr(0, end + 1);
    list = rest.substr(end + 1);
    return opaque;
}

}  // namespace

std::string make_etag(const FileStamp& stamp) {
    std::string out;
    out.reserve(56);
    out += '"';
    append_hex(out, stamp.size);
    out += '-';
    append_hex(out, static_cast<uint64_t>(stamp.modified_seconds));
    out += '.';
    append_hex(out, static_cast<uint64_t>(stamp.modified_nanoseconds));
    out += '-';
    append_hex(out, stamp.inode);
    out += '"';
    return out;
}

bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) noexcept {
    std::string_view list = http::trim_ows(if_none_match);
    if (list == "*") return true;
    // #entity-tag: elements between commas, empty ones allowed (section 5.6.1).
    bool matched = false, any = false;
    while (true) {
        while (!list.empty() && (is_ows(list.front()) || list.front() == ',')) list.remove_prefix(1);
        if (list.empty()) return any && matched;
        const auto tag = take_entity_tag(list);
        if (!tag) return false;
        any = true;
        matched = matched || *tag == etag;
        while (!list.empty() && is_ows(list.front())) list.remove_prefix(1);
        if (!list.empty() && list.front() != ',') return false;
    }
}

bool is_not_modified(std::optional<std::string_view> if_none_match,
                     std::optional<std::string_view> if_modified_since, std::string_view etag,
                     int64_t last_modified, int64_t now) noexcept {
    if (if_none_match) return if_none_match_matches(*if_none_match, etag);
    if (!if_modified_since) return false;
    const auto since = parse_http_date(*if_modified_since, now);
    return since && last_modified <= *since;
}

}  // namespace wshub::files
