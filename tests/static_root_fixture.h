// A static root to serve from in tests: TempDir holding "site/" (the root,
// with index.html, notes.txt, app.js and docs/index.html) and, beside it,
// "secret.txt", which no request may reach. Helpers read an answer's
// headers and its file.
#pragma once

#include <unistd.h>

#include <optional>
#include <string>
#include <string_view>

#include "files/file_answer.h"
#include "temp_dir.h"

namespace static_root {

constexpr int64_t kNow = 1704067200;       // Mon, 01 Jan 2024 00:00:00 GMT
constexpr int64_t kModified = 1700000000;  // Tue, 14 Nov 2023 22:13:20 GMT, every file's
constexpr std::string_view kModifiedDate = "Tue, 14 Nov 2023 22:13:20 GMT";
constexpr std::string_view kIndex = "<!doctype html><title>home</title>\n";
constexpr std::string_view kNotes = "notes, twenty-six bytes.\n";
constexpr std::string_view kDocsIndex = "<!doctype html><title>docs</title>\n";
constexpr std::string_view kSecret = "outside the root\n";

struct Site {
    TempDir dir;
    std::string root_path = dir.at("site");
    Site() {
        dir.write("site/index.html", std::string(kIndex));
        dir.write("site/notes.txt", std::string(kNotes));
        dir.write("site/app.js", "export const x = 1;\n");
        dir.write("site/docs/index.html", std::string(kDocsIndex));
        dir.write("secret.txt", std::string(kSecret));
        for (const char* f : {"index.html", "notes.txt", "app.js", "docs/index.html"})
            dir.set_modified(site(f), kModified, 250'000'000);
    }
    std::string site(const std::string& relative) const { return "site/" + relative; }
};

// The value of the first header line `name` (exact case) in a head, or
// "<absent>".
inline std::string header(const std::string& head, std::string_view name) {
    const std::string key = "\r\n" + std::string(name) + ": ";
    const size_t at = head.find(key);
    if (at == std::string::npos) return "<absent>";
    const size_t start = at + key.size();
    return head.substr(start, head.find("\r\n", start) - start);
}

// All of fd from where it is, then closes it; "<no fd>" for -1.
inline std::string read_and_close(int fd) {
    if (fd < 0) return "<no fd>";
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, size_t(n));
    close(fd);
    return out;
}

inline wshub::files::Answer get(const wshub::files::Root& root, std::string_view path,
                                std::optional<std::string_view> inm = std::nullopt,
                                std::optional<std::string_view> ims = std::nullopt) {
    return root.answer("GET", path, inm, ims, kNow);
}

// The body a GET gets: the file read through fd, or the text body.
inline std::string body_of(wshub::files::Answer a) { return a.fd >= 0 ? read_and_close(a.fd) : a.body; }

}  // namespace static_root
