#include "files/mime.h"

#include <array>

#include "http/request.h"

namespace wshub::files {
namespace {

struct MediaType {
    std::string_view extension;  // lower case, without the dot
    std::string_view content_type;
};

constexpr std::string_view kDefault = "application/octet-stream";

// The types a site or an app's assets commonly need. JavaScript is
// text/javascript (RFC 9239); .map is a source map, which is JSON.
constexpr std::array kTypes = {
    MediaType{"html", "text/html; charset=utf-8"},
    MediaType{"htm", "text/html; charset=utf-8"},
    MediaType{"css", "text/css; charset=utf-8"},
    MediaType{"js", "text/javascript; charset=utf-8"},
    MediaType{"mjs", "text/javascript; charset=utf-8"},
    MediaType{"cjs", "text/javascript; charset=utf-8"},
    MediaType{"json", "application/json; charset=utf-8"},
    MediaType{"map", "application/json; charset=utf-8"},
    MediaType{"webmanifest", "application/manifest+json; charset=utf-8"},
    MediaType{"txt", "text/plain; charset=utf-8"},
    MediaType{"md", "text/markdown; charset=utf-8"},
    MediaType{"csv", "text/csv; charset=utf-8"},
    MediaType{"xml", "application/xml"},
    MediaType{"svg", "image/svg+xml"},
    MediaType{"png", "image/png"},
    MediaType{"jpg", "image/jpeg"},
    MediaType{"jpeg", "image/jpeg"},
    MediaType{"gif", "image/gif"},
    MediaType{"webp", "image/webp"},
    MediaType{"avif", "image/avif"},
    MediaType{"ico", "image/vnd.microsoft.icon"},
    MediaType{"wasm", "application/wasm"},
    MediaType{"woff", "font/woff"},
    MediaType{"woff2", "font/woff2"},
    MediaType{"ttf", "font/ttf"},
    MediaType{"otf", "font/otf"},
    MediaType{"pdf", "application/pdf"},
    MediaType{"zip", "application/zip"},
    MediaType{"gz", "application/gzip"},
    MediaType{"mp4", "video/mp4"},
    MediaType{"webm", "video/webm"},
    MediaType{"mp3", "audio/mpeg"},
    MediaType{"ogg", "audio/ogg"},
    MediaType{"wav", "audio/wav"},
};

}  // namespace

std::string_view content_type_for(std::string_view name) noexcept {
    const size_t slash = name.rfind('/');
    if (slash != std::string_view::npos) name.remove_prefix(slash + 1);
    const size_t dot = name.rfind('.');
    // No dot, or only the leading one of a dot file: no extension.
    if (dot == std::string_view::npos || dot == 0) return kDefault;
    const std::string_view extension = name.substr(dot + 1);
    for (const MediaType& t : kTypes)
        if (http::iequals(t.extension, extension)) return t.content_type;
    return kDefault;
}

}  // namespace wshub::files
