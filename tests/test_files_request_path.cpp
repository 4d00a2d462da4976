// files/request_path.h: a request path decoded to a path under the static
// root, or refused; every traversal spelling the issue lists, one per line.
#include <string>

#include "check.h"
#include "files/request_path.h"

using namespace wshub::files;

namespace {

// "relative" or "relative/" for a directory request; "refused" for nullopt.
std::string decoded(std::string_view path) {
    const auto r = decode_request_path(path);
    if (!r) return "refused";
    return r->relative + (r->directory ? "/" : "");
}

}  // namespace

TEST(request_path_plain_paths) {
    CHECK_EQ(decoded("/"), "/");
    CHECK_EQ(decoded("/index.html"), "index.html");
    CHECK_EQ(decoded("/a/b/c.js"), "a/b/c.js");
    CHECK_EQ(decoded("/docs/"), "docs/");
    CHECK_EQ(decoded("/a+b.txt"), "a+b.txt");  // '+' is not a space in a path
    CHECK_EQ(decoded("/v1.2/app.min.js"), "v1.2/app.min.js");
    CHECK_EQ(decoded("/a..b"), "a..b");       // dots inside a name are fine
    CHECK_EQ(decoded("/a./b"), "a./b");
}

TEST(request_path_empty_segments_collapse) {
    CHECK_EQ(decoded("//"), "/");
    CHECK_EQ(decoded("//a///b//"), "a/b/");
    CHECK_EQ(decoded("/a//b"), "a/b");
}

TEST(request_path_percent_decoding) {
    CHECK_EQ(decoded("/hello%20world.txt"), "hello world.txt");
    CHECK_EQ(decoded("/%41%62%63"), "Abc");
    CHECK_EQ(decoded("/caf%C3%A9"), "caf\xc3\xa9");
    CHECK_EQ(decoded("/a%2Fb"), "a/b");     // an encoded '/' separates, as '/' does
    CHECK_EQ(decoded("/a%2fb%2f"), "a/b/");
    CHECK_EQ(decoded("/%252e%252e"), "%2e%2e");  // decoded once: a name, not ".."
}

TEST(request_path_bad_escapes_refused) {
    CHECK_EQ(decoded("/%"), "refused");
    CHECK_EQ(decoded("/%2"), "refused");
    CHECK_EQ(decoded("/%zz"), "refused");
    CHECK_EQ(decoded("/a%2g"), "refused");
    CHECK_EQ(decoded("/%%41"), "refused");
}

TEST(request_path_traversal_refused) {
    CHECK_EQ(decoded("/../etc/passwd"), "refused");
    CHECK_EQ(decoded("/.."), "refused");
    CHECK_EQ(decoded("/a/../../etc/passwd"), "refused");
    CHECK_EQ(decoded("/a/.."), "refused");
    CHECK_EQ(decoded("/%2e%2e/"), "refused");
    CHECK_EQ(decoded("/%2E%2E/etc/passwd"), "refused");
    CHECK_EQ(decoded("/a/%2E%2e/b"), "refused");
    CHECK_EQ(decoded("/.%2E/x"), "refused");
    CHECK_EQ(decoded("/%2e./x"), "refused");
    CHECK_EQ(decoded("/..%2f"), "refused");
    CHECK_EQ(decoded("/..%2Fetc%2Fpasswd"), "refused");
    CHECK_EQ(decoded("/a%2f..%2f..%2fetc"), "refused");
    CHECK_EQ(decoded("/./a"), "refused");
    CHECK_EQ(decoded("/a/."), "refused");
}

TEST(request_path_nul_and_backslash_refused) {
    using namespace std::string_literals;
    CHECK_EQ(decoded("/a%00.html"), "refused");
    CHECK_EQ(decoded("/index.html%00.png"), "refused");
    CHECK_EQ(decoded("/a\0b"s), "refused");
    CHECK_EQ(decoded("/..\\etc"), "refused");
    CHECK_EQ(decoded("/a\\b"), "refused");
    CHECK_EQ(decoded("/a%5cb"), "refused");
    CHECK_EQ(decoded("/%5C..%5C"), "refused");
}

TEST(request_path_hidden_files_refused) {
    CHECK_EQ(decoded("/.git/config"), "refused");
    CHECK_EQ(decoded("/.env"), "refused");
    CHECK_EQ(decoded("/a/.htpasswd"), "refused");
    CHECK_EQ(decoded("/%2egit/HEAD"), "refused");
    CHECK_EQ(decoded("/.well-known/x"), "refused");
}

TEST(request_path_needs_a_leading_slash) {
    CHECK_EQ(decoded(""), "refused");
    CHECK_EQ(decoded("index.html"), "refused");
    CHECK_EQ(decoded("%2findex.html"), "refused");
    CHECK_EQ(decoded("*"), "refused");
}

TEST(request_path_encoded_for_location) {
    CHECK_EQ(encode_request_path(""), "/");
    CHECK_EQ(encode_request_path("docs"), "/docs");
    CHECK_EQ(encode_request_path("a b/c%d"), "/a%20b/c%25d");
    CHECK_EQ(encode_request_path("caf\xc3\xa9/x?y#z"), "/caf%C3%A9/x%3Fy%23z");
    CHECK_EQ(encode_request_path("a:b@c!$&'()*+,;=-._~"), "/a:b@c!$&'()*+,;=-._~");
    // Decoding the encoding gives the path back.
    const std::string odd = "sp ace/\x7f\x01\xff/100%/q?#[]";
    const auto back = decode_request_path(encode_request_path(odd));
    CHECK(back.has_value());
    if (back) CHECK_EQ(back->relative, odd);
}
