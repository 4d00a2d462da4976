// The embedded pages (web/assets.h): what the generator compiled in from
// src/web/manifest.
#include <set>
#include <string>

#include "check.h"
#include "web/assets.h"

using wshub::web::Asset;
using wshub::web::assets;
using wshub::web::find_asset;

TEST(web_assets_every_one_is_found_by_its_path) {
    CHECK(assets().size() >= 6u);
    std::set<std::string_view> etags;
    for (const Asset& a : assets()) {
        CHECK_EQ(find_asset(a.path), &a);
        CHECK(!a.body.empty());
        CHECK(a.places != 0);
        CHECK(a.etag.size() > 2 && a.etag.front() == '"' && a.etag.back() == '"');
        CHECK(!a.etag.starts_with("W/"));  // strong
        CHECK(a.content_type.ends_with("; charset=utf-8"));
        etags.insert(a.etag);
    }
    CHECK_EQ(etags.size(), assets().size());  // the files differ, and so do their tags
}

TEST(web_assets_the_pages_and_their_types) {
    struct Row {
        const char* path;
        const char* type;
        uint8_t place;
        const char* starts;
    };
    const Row rows[] = {
        {"/", "text/html; charset=utf-8", wshub::web::kDemo, "<!doctype html>"},
        {"/demo.js", "text/javascript; charset=utf-8", wshub::web::kDemo, "//"},
        {"/wshub.js", "text/javascript; charset=utf-8", wshub::web::kClient, "// wshub.js"},
        {"/style.css", "text/css; charset=utf-8", wshub::web::kDemo | wshub::web::kDashboard, "/*"},
        {"/dashboard", "text/html; charset=utf-8", wshub::web::kDashboard, "<!doctype html>"},
        {"/dashboard.js", "text/javascript; charset=utf-8", wshub::web::kDashboard, "//"},
    };
    for (const Row& r : rows) {
        const Asset* a = find_asset(r.path);
        CHECK(a != nullptr);
        if (!a) continue;
        CHECK_EQ(a->content_type, std::string_view(r.type));
        CHECK_EQ(int(a->places), int(r.place));
        CHECK_EQ(a->body.substr(0, std::string_view(r.starts).size()), std::string_view(r.starts));
    }
    // Bytes outside ASCII survive the generator's escapes ("…" in demo.html).
    CHECK(find_asset("/")->body.find("connecting\xe2\x80\xa6") != std::string_view::npos);
    CHECK(find_asset("/wshub.js")->body.find("export function connect") != std::string_view::npos);
}

TEST(web_assets_unknown_paths) {
    for (const char* path : {"", "/nope", "/wshub.js?v=1", "/WSHUB.JS", "/dashboard/", "//", "/index.html"})
        CHECK_EQ(find_asset(path), static_cast<const Asset*>(nullptr));
}
