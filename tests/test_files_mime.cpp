// files/mime.h: Content-Type by extension.
#include "check.h"
#include "files/mime.h"

using wshub::files::content_type_for;

TEST(mime_common_types) {
    CHECK_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
    CHECK_EQ(content_type_for("old.htm"), "text/html; charset=utf-8");
    CHECK_EQ(content_type_for("site.css"), "text/css; charset=utf-8");
    CHECK_EQ(content_type_for("app.js"), "text/javascript; charset=utf-8");
    CHECK_EQ(content_type_for("wshub.mjs"), "text/javascript; charset=utf-8");
    CHECK_EQ(content_type_for("data.json"), "application/json; charset=utf-8");
    CHECK_EQ(content_type_for("app.js.map"), "application/json; charset=utf-8");
    CHECK_EQ(content_type_for("notes.txt"), "text/plain; charset=utf-8");
    CHECK_EQ(content_type_for("logo.svg"), "image/svg+xml");
    CHECK_EQ(content_type_for("a.png"), "image/png");
    CHECK_EQ(content_type_for("a.jpg"), "image/jpeg");
    CHECK_EQ(content_type_for("a.jpeg"), "image/jpeg");
    CHECK_EQ(content_type_for("a.gif"), "image/gif");
    CHECK_EQ(content_type_for("a.webp"), "image/webp");
    CHECK_EQ(content_type_for("favicon.ico"), "image/vnd.microsoft.icon");
    CHECK_EQ(content_type_for("m.wasm"), "application/wasm");
    CHECK_EQ(content_type_for("f.woff"), "font/woff");
    CHECK_EQ(content_type_for("f.woff2"), "font/woff2");
    CHECK_EQ(content_type_for("doc.pdf"), "application/pdf");
    CHECK_EQ(content_type_for("feed.xml"), "application/xml");
    CHECK_EQ(content_type_for("clip.mp4"), "video/mp4");
    CHECK_EQ(content_type_for("clip.webm"), "video/webm");
}

TEST(mime_extension_case_insensitive) {
    CHECK_EQ(content_type_for("INDEX.HTML"), "text/html; charset=utf-8");
    CHECK_EQ(content_type_for("Photo.JpG"), "image/jpeg");
    CHECK_EQ(content_type_for("x.WOFF2"), "font/woff2");
}

TEST(mime_only_the_last_segment_and_extension_count) {
    CHECK_EQ(content_type_for("dir.html/readme"), "application/octet-stream");
    CHECK_EQ(content_type_for("a/b.css"), "text/css; charset=utf-8");
    CHECK_EQ(content_type_for("archive.html.gz"), "application/gzip");
}

TEST(mime_default_is_octet_stream) {
    CHECK_EQ(content_type_for(""), "application/octet-stream");
    CHECK_EQ(content_type_for("Makefile"), "application/octet-stream");
    CHECK_EQ(content_type_for("a."), "application/octet-stream");
    CHECK_EQ(content_type_for(".html"), "application/octet-stream");  // a dot file, no extension
    CHECK_EQ(content_type_for("x.exe"), "application/octet-stream");
    CHECK_EQ(content_type_for("x.htmlx"), "application/octet-stream");
}
