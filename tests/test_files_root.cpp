// files/file_answer.h: files::Root's answers — the head's exact shape, GET
// and HEAD, directories and their index.html, 405, and Root's own errors.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "check.h"
#include "files/file_answer.h"
#include "files/http_date.h"
#include "static_root_fixture.h"

using namespace wshub::files;
using namespace static_root;

TEST(static_root_made_from_a_directory) {
    Site s;
    Root root(s.root_path);
    CHECK_EQ(root.error(), "");
    char* real = realpath(s.root_path.c_str(), nullptr);
    CHECK_EQ(root.real_dir(), std::string(real ? real : "?"));
    free(real);
    // Through a symlink and with a trailing "/.": the canonical path kept.
    CHECK(s.dir.link("site", "site-link"));
    Root linked(s.dir.at("site-link") + "/.");
    CHECK_EQ(linked.error(), "");
    CHECK_EQ(linked.real_dir(), root.real_dir());
}

TEST(static_root_errors) {
    Site s;
    Root missing(s.dir.at("nope"));
    CHECK_EQ(missing.error(), s.dir.at("nope") + ": No such file or directory");
    CHECK_EQ(missing.real_dir(), "");
    Root file(s.dir.at("secret.txt"));
    CHECK_EQ(file.error(), s.dir.at("secret.txt") + ": not a directory");
    Root empty("");
    CHECK_EQ(empty.error(), ": no directory given");
    // A Root in error answers 404 to everything.
    const Answer a = get(missing, "/");
    CHECK_EQ(a.status, 404);
    CHECK_EQ(a.fd, -1);
}

TEST(static_root_get_head_exactly) {
    Site s;
    Root root(s.root_path);
    const Answer a = get(root, "/notes.txt");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(a.size, uint64_t(kNotes.size()));
    CHECK_EQ(a.body, "");
    const std::string etag = header(a.head, "ETag");
    CHECK_EQ(a.head, "HTTP/1.1 200 OK\r\n"
                     "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                     "Cache-Control: no-cache\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: " + std::to_string(kNotes.size()) + "\r\n"
                     "Last-Modified: " + std::string(kModifiedDate) + "\r\n"
                     "ETag: " + etag + "\r\n");
    // Size 0x19, modified 0x6553f100 seconds and 0xee6b280 nanoseconds, the inode.
    struct stat st {};
    CHECK_EQ(stat(s.dir.at(s.site("notes.txt")).c_str(), &st), 0);
    char inode[32];
    snprintf(inode, sizeof inode, "%llx", static_cast<unsigned long long>(st.st_ino));
    CHECK_EQ(etag, "\"19-6553f100.ee6b280-" + std::string(inode) + "\"");
    // The descriptor: at offset 0, close-on-exec, the whole file.
    CHECK(a.fd >= 0);
    CHECK_EQ(lseek(a.fd, 0, SEEK_CUR), off_t(0));
    CHECK((fcntl(a.fd, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK_EQ(fcntl(a.fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDONLY);
    CHECK_EQ(read_and_close(a.fd), kNotes);
}

TEST(static_root_head_has_no_fd_but_the_same_length) {
    Site s;
    Root root(s.root_path);
    const Answer g = get(root, "/app.js");
    const Answer h = root.answer("HEAD", "/app.js", std::nullopt, std::nullopt, kNow);
    CHECK_EQ(h.status, 200);
    CHECK_EQ(h.fd, -1);
    CHECK_EQ(h.body, "");
    CHECK_EQ(h.size, g.size);
    CHECK_EQ(h.head, g.head);
    CHECK_EQ(header(h.head, "Content-Type"), "text/javascript; charset=utf-8");
    read_and_close(g.fd);
    // A HEAD of a missing file: the 404's head, no body.
    const Answer missing = root.answer("HEAD", "/nope", std::nullopt, std::nullopt, kNow);
    CHECK_EQ(missing.status, 404);
    CHECK_EQ(missing.body, "");
    CHECK_EQ(header(missing.head, "Content-Length"), "10");
}

TEST(static_root_directory_gives_index_html) {
    Site s;
    Root root(s.root_path);
    Answer a = get(root, "/");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(header(a.head, "Content-Type"), "text/html; charset=utf-8");
    CHECK_EQ(body_of(std::move(a)), kIndex);
    a = get(root, "/docs/");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(header(a.head, "Content-Type"), "text/html; charset=utf-8");
    CHECK_EQ(body_of(std::move(a)), kDocsIndex);
    a = get(root, "//docs//");
    CHECK_EQ(body_of(std::move(a)), kDocsIndex);
}

TEST(static_root_directory_without_slash_redirects) {
    Site s;
    Root root(s.root_path);
    const Answer a = get(root, "/docs");
    CHECK_EQ(a.status, 301);
    CHECK_EQ(a.fd, -1);
    CHECK_EQ(header(a.head, "Location"), "/docs/");
    CHECK_EQ(a.body, "Moved Permanently\n");
    CHECK_EQ(header(a.head, "Content-Length"), "18");
    // Normalised, and re-encoded: never "//" (another host to a browser).
    s.dir.make_dir(s.site("a b/c"));
    CHECK_EQ(header(get(root, "//a%20b//c").head, "Location"), "/a%20b/c/");
    CHECK_EQ(header(get(root, "/a%20b%2Fc").head, "Location"), "/a%20b/c/");
}

TEST(static_root_directory_without_index_is_404) {
    Site s;
    s.dir.make_dir(s.site("empty"));
    s.dir.make_dir(s.site("odd/index.html"));  // a directory named index.html
    Root root(s.root_path);
    CHECK_EQ(get(root, "/empty/").status, 404);
    CHECK_EQ(get(root, "/odd/").status, 404);
    CHECK_EQ(get(root, "/empty").status, 301);  // then 404 at /empty/
}

TEST(static_root_file_with_trailing_slash_is_404) {
    Site s;
    Root root(s.root_path);
    CHECK_EQ(get(root, "/notes.txt/").status, 404);
}

TEST(static_root_other_methods_are_405) {
    Site s;
    Root root(s.root_path);
    for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS", "get", "head"}) {
        const Answer a = root.answer(method, "/notes.txt", std::nullopt, std::nullopt, kNow);
        CHECK_EQ(a.status, 405);
        CHECK_EQ(a.fd, -1);
        CHECK_EQ(header(a.head, "Allow"), "GET, HEAD");
        CHECK_EQ(a.body, "Method Not Allowed\n");
    }
}

TEST(static_root_not_found_answer) {
    Site s;
    Root root(s.root_path);
    const Answer a = get(root, "/nope.html");
    CHECK_EQ(a.status, 404);
    CHECK_EQ(a.fd, -1);
    CHECK_EQ(a.size, uint64_t(0));
    CHECK_EQ(a.head, "HTTP/1.1 404 Not Found\r\n"
                     "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                     "Cache-Control: no-cache\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: 10\r\n");
    CHECK_EQ(a.body, "Not Found\n");
}

TEST(static_root_types_follow_the_name) {
    Site s;
    s.dir.write(s.site("img/Logo.SVG"), "<svg/>");
    s.dir.write(s.site("blob"), "\x01\x02");
    Root root(s.root_path);
    Answer a = get(root, "/img/Logo.SVG");
    CHECK_EQ(header(a.head, "Content-Type"), "image/svg+xml");
    read_and_close(a.fd);
    a = get(root, "/blob");
    CHECK_EQ(header(a.head, "Content-Type"), "application/octet-stream");
    read_and_close(a.fd);
}

TEST(static_root_empty_file) {
    Site s;
    s.dir.write(s.site("empty.txt"), "");
    Root root(s.root_path);
    const Answer a = get(root, "/empty.txt");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(a.size, uint64_t(0));
    CHECK_EQ(header(a.head, "Content-Length"), "0");
    CHECK_EQ(read_and_close(a.fd), "");
}
