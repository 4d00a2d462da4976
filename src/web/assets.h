// The built-in pages (the chat demo, the dashboard) and the wshub.js client:
// files kept under src/web/, listed in src/web/manifest and compiled into the
// binary by a source that src/web/embed.cpp generates at build time. Nothing
// is read from disk at run time. Which listener serves which asset is the
// caller's policy (app/pages.cpp); this module only knows the bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace wshub::web {

// Where an asset belongs, as bits of Asset::places: a file both pages use
// (style.css) belongs to both.
enum Place : uint8_t {
    kDemo = 1,       // the chat demo at / (--demo)
    kClient = 2,     // /wshub.js, useful to any page
    kDashboard = 4,  // /dashboard, beside /metrics
};

struct Asset {
    std::string_view path;          // the URL path it answers, e.g. "/wshub.js"
    std::string_view content_type;  // e.g. "text/javascript; charset=utf-8"
    std::string_view body;
    std::string_view etag;          // strong, quoted: "\"4f1c0a...\""
    uint8_t places = 0;             // Place bits
};

// Every asset, in manifest order (generated).
std::span<const Asset> assets() noexcept;

// The asset answering `url_path` exactly (no query, no decoding), or null.
const Asset* find_asset(std::string_view url_path) noexcept;

}  // namespace wshub::web
