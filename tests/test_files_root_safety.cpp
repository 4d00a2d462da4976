// files::Root keeps every request inside the root: each traversal spelling,
// NUL, symlinks out (file and directory, absolute and relative), hidden
// files, and what is not a regular file are one and the same 404; symlinks
// inside the root are followed.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "check.h"
#include "files/file_answer.h"
#include "static_root_fixture.h"

using namespace wshub::files;
using namespace static_root;

namespace {

// The answer must be the plain 404 (same head, same body: nothing tells
// refused, outside and missing apart), with no descriptor left open.
void check_plain_404(const Root& root, std::string_view path) {
    const Answer reference = get(root, "/no-such-file");
    const Answer a = get(root, path);
    if (a.status != 404) CHECK_EQ(std::string(path), "404");
    CHECK_EQ(a.head, reference.head);
    CHECK_EQ(a.body, reference.body);
    CHECK_EQ(a.fd, -1);
    if (a.fd >= 0) close(a.fd);
}

}  // namespace

TEST(static_safety_traversal_is_404) {
    Site s;
    s.dir.write(s.site("a/b"), "b");
    Root root(s.root_path);
    for (const char* path :
         {"/../secret.txt", "/a/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E/secret.txt", "/.%2e/secret.txt",
          "/a/%2E%2e/b", "/a/%2e%2e/%2e%2e/secret.txt", "/..%2fsecret.txt", "/..%2F", "/%2e%2e%2fsecret.txt",
          "/..\\secret.txt", "/..%5csecret.txt", "/../site/notes.txt"}) {
        check_plain_404(root, path);
    }
    // Refused even where the path would land inside the root again.
    check_plain_404(root, "/a/../notes.txt");
}

TEST(static_safety_nul_is_404) {
    using namespace std::string_literals;
    Site s;
    Root root(s.root_path);
    check_plain_404(root, "/notes.txt%00");
    check_plain_404(root, "/notes.txt%00.png");
    check_plain_404(root, "/%00");
    check_plain_404(root, "/notes.txt\0"s);
}

TEST(static_safety_bad_escapes_are_404) {
    Site s;
    Root root(s.root_path);
    check_plain_404(root, "/notes.txt%");
    check_plain_404(root, "/%zznotes.txt");
}

TEST(static_safety_hidden_files_are_404) {
    Site s;
    s.dir.write(s.site(".env"), "SECRET=1\n");
    s.dir.write(s.site(".git/config"), "[core]\n");
    s.dir.write(s.site("a/.htpasswd"), "u:p\n");
    Root root(s.root_path);
    check_plain_404(root, "/.env");
    check_plain_404(root, "/.git/config");
    check_plain_404(root, "/.git/");
    check_plain_404(root, "/%2egit/config");
    check_plain_404(root, "/a/.htpasswd");
}

TEST(static_safety_symlinks_out_are_404) {
    Site s;
    CHECK(s.dir.link(s.dir.at("secret.txt"), s.site("abs-out.txt")));  // absolute, to a file
    CHECK(s.dir.link("../secret.txt", s.site("rel-out.txt")));         // relative, to a file
    CHECK(s.dir.link("..", s.site("up")));                             // to the root's parent
    CHECK(s.dir.link("/etc", s.site("etc")));                          // a directory outside
    CHECK(s.dir.link("/", s.site("slash")));
    s.dir.make_dir("outside-dir");
    s.dir.write("outside-dir/index.html", "outside index\n");
    CHECK(s.dir.link("../outside-dir", s.site("outdir")));
    CHECK(s.dir.link("../secret.txt", s.site("docs/index.html.tmp")));
    Root root(s.root_path);
    check_plain_404(root, "/abs-out.txt");
    check_plain_404(root, "/rel-out.txt");
    check_plain_404(root, "/up/secret.txt");
    check_plain_404(root, "/up/");
    check_plain_404(root, "/etc/passwd");
    check_plain_404(root, "/etc/");
    check_plain_404(root, "/slash/etc/passwd");
    check_plain_404(root, "/outdir/");
    check_plain_404(root, "/outdir/index.html");
    check_plain_404(root, "/docs/index.html.tmp");
    // Nor a redirect that would tell the directory exists.
    check_plain_404(root, "/outdir");
    check_plain_404(root, "/etc");
}

TEST(static_safety_index_html_symlinked_out_is_404) {
    Site s;
    s.dir.make_dir(s.site("trap"));
    CHECK(s.dir.link("../../secret.txt", s.site("trap/index.html")));
    Root root(s.root_path);
    check_plain_404(root, "/trap/");
}

TEST(static_safety_symlinks_inside_are_followed) {
    Site s;
    CHECK(s.dir.link("notes.txt", s.site("latest.txt")));
    CHECK(s.dir.link("docs", s.site("manual")));
    CHECK(s.dir.link("../notes.txt", s.site("docs/notes-link.txt")));
    Root root(s.root_path);
    Answer a = get(root, "/latest.txt");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(body_of(std::move(a)), kNotes);
    a = get(root, "/manual/");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(body_of(std::move(a)), kDocsIndex);
    CHECK_EQ(get(root, "/manual").status, 301);
    a = get(root, "/manual/notes-link.txt");
    CHECK_EQ(a.status, 200);
    CHECK_EQ(body_of(std::move(a)), kNotes);
}

// A root reached through a symlink serves its files; a link inside it to
// the link's own path (outside the canonical root) does not.
TEST(static_safety_root_given_through_a_symlink) {
    Site s;
    CHECK(s.dir.link("site", "site-link"));
    CHECK(s.dir.link(s.dir.at("site-link/notes.txt"), s.site("via-link.txt")));
    Root root(s.dir.at("site-link"));
    Answer a = get(root, "/notes.txt");
    CHECK_EQ(body_of(std::move(a)), kNotes);
    a = get(root, "/via-link.txt");  // resolves to site/notes.txt: inside
    CHECK_EQ(body_of(std::move(a)), kNotes);
}

TEST(static_safety_only_regular_files) {
    Site s;
    CHECK_EQ(mkfifo(s.dir.at(s.site("pipe")).c_str(), 0600), 0);  // an open O_RDONLY would block
    s.dir.make_dir(s.site("fifo-dir"));
    CHECK_EQ(mkfifo(s.dir.at(s.site("fifo-dir/index.html")).c_str(), 0600), 0);
    const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sock_path = s.dir.at(s.site("sock"));
    CHECK(sock_path.size() < sizeof addr.sun_path);
    sock_path.copy(addr.sun_path, sizeof addr.sun_path - 1);
    CHECK_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    Root root(s.root_path);
    check_plain_404(root, "/pipe");
    check_plain_404(root, "/fifo-dir/");
    check_plain_404(root, "/sock");
    close(sock);
}

// The superuser opens any file: checked only when the tests run as another user.
TEST(static_safety_unreadable_is_404) {
    Site s;
    s.dir.write(s.site("locked.txt"), "locked\n");
    CHECK_EQ(chmod(s.dir.at(s.site("locked.txt")).c_str(), 0), 0);
    Root root(s.root_path);
    if (geteuid() != 0) check_plain_404(root, "/locked.txt");
}
