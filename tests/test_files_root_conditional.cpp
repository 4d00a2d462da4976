// files::Root's conditional answers: 304 with the validators and no body,
// If-None-Match over If-Modified-Since, and validators that follow the file.
#include <unistd.h>

#include <string>

#include "check.h"
#include "files/file_answer.h"
#include "files/http_date.h"
#include "static_root_fixture.h"

using namespace wshub::files;
using namespace static_root;

namespace {

// The ETag a GET of `path` gets now (its descriptor closed).
std::string etag_of(const Root& root, std::string_view path) {
    const Answer a = get(root, path);
    read_and_close(a.fd);
    return header(a.head, "ETag");
}

// The status of a GET of /notes.txt with these preconditions, checking
// that a 304 has no descriptor and a 200 one.
int status_with(const Root& root, std::optional<std::string_view> inm, std::optional<std::string_view> ims) {
    const Answer a = get(root, "/notes.txt", inm, ims);
    CHECK_EQ(a.fd >= 0, a.status == 200);
    read_and_close(a.fd);
    return a.status;
}

}  // namespace

TEST(static_conditional_304_exactly) {
    Site s;
    Root root(s.root_path);
    const std::string etag = etag_of(root, "/notes.txt");
    const Answer a = get(root, "/notes.txt", etag, std::nullopt);
    CHECK_EQ(a.status, 304);
    CHECK_EQ(a.fd, -1);
    CHECK_EQ(a.size, uint64_t(0));
    CHECK_EQ(a.body, "");
    CHECK_EQ(a.head, "HTTP/1.1 304 Not Modified\r\n"
                     "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
                     "Cache-Control: no-cache\r\n"
                     "X-Content-Type-Options: nosniff\r\n"
                     "Last-Modified: " + std::string(kModifiedDate) + "\r\n"
                     "ETag: " + etag + "\r\n");
    // HEAD: the same.
    const Answer h = root.answer("HEAD", "/notes.txt", etag, std::nullopt, kNow);
    CHECK_EQ(h.status, 304);
    CHECK_EQ(h.head, a.head);
}

TEST(static_conditional_if_none_match) {
    Site s;
    Root root(s.root_path);
    const std::string etag = etag_of(root, "/notes.txt");
    CHECK_EQ(status_with(root, etag, std::nullopt), 304);
    CHECK_EQ(status_with(root, "*", std::nullopt), 304);
    CHECK_EQ(status_with(root, "W/" + etag, std::nullopt), 304);             // weak comparison
    CHECK_EQ(status_with(root, "\"old\", " + etag, std::nullopt), 304);      // a list
    CHECK_EQ(status_with(root, "\"old\"", std::nullopt), 200);
    CHECK_EQ(status_with(root, etag_of(root, "/app.js"), std::nullopt), 200);  // another file's
    CHECK_EQ(status_with(root, "garbage", std::nullopt), 200);
    // "*" on a missing file is still 404.
    CHECK_EQ(get(root, "/nope", "*", std::nullopt).status, 404);
}

TEST(static_conditional_if_modified_since) {
    Site s;
    Root root(s.root_path);
    CHECK_EQ(status_with(root, std::nullopt, format_http_date(kModified - 1)), 200);  // older
    CHECK_EQ(status_with(root, std::nullopt, kModifiedDate), 304);                   // equal
    CHECK_EQ(status_with(root, std::nullopt, format_http_date(kModified + 1)), 304); // newer
    CHECK_EQ(status_with(root, std::nullopt, "Tuesday, 14-Nov-23 22:13:20 GMT"), 304);
    CHECK_EQ(status_with(root, std::nullopt, "Tue Nov 14 22:13:20 2023"), 304);
    CHECK_EQ(status_with(root, std::nullopt, "Tue Nov 14 22:13:19 2023"), 200);
}

TEST(static_conditional_garbage_date_ignored) {
    Site s;
    Root root(s.root_path);
    for (const char* date : {"", "now", "Tue, 14 Nov 2023 22:13:20", "tue, 14 Nov 2023 22:13:20 GMT",
                             "Wed, 14 Nov 2023 22:13:20 GMT", "Tue, 14 Nov 2023 22:13:20 GMT, x"})
        CHECK_EQ(status_with(root, std::nullopt, date), 200);
}

TEST(static_conditional_if_none_match_wins) {
    Site s;
    Root root(s.root_path);
    const std::string etag = etag_of(root, "/notes.txt");
    CHECK_EQ(status_with(root, "\"old\"", kModifiedDate), 200);  // the date alone: 304
    CHECK_EQ(status_with(root, etag, format_http_date(kModified - 3600)), 304);  // the date alone: 200
}

TEST(static_conditional_etag_follows_the_file) {
    Site s;
    Root root(s.root_path);
    const std::string first = etag_of(root, "/notes.txt");
    CHECK_EQ(etag_of(root, "/notes.txt"), first);  // stable while the file is
    // Same size, same second, another nanosecond: a new tag, and the old one is 200.
    s.dir.write(s.site("notes.txt"), std::string(kNotes.size(), 'x'));
    CHECK(s.dir.set_modified(s.site("notes.txt"), kModified, 250'000'001));
    const std::string second = etag_of(root, "/notes.txt");
    CHECK_NE(second, first);
    CHECK_EQ(status_with(root, first, std::nullopt), 200);
    CHECK_EQ(status_with(root, second, std::nullopt), 304);
    // Another size.
    s.dir.write(s.site("notes.txt"), "longer than it was before the edit\n");
    CHECK(s.dir.set_modified(s.site("notes.txt"), kModified, 250'000'001));
    CHECK_NE(etag_of(root, "/notes.txt"), second);
    // Replaced by rename with identical bytes and times: a new inode, a new tag.
    const std::string third = etag_of(root, "/notes.txt");
    s.dir.write(s.site("notes.new"), "longer than it was before the edit\n");
    CHECK(s.dir.set_modified(s.site("notes.new"), kModified, 250'000'001));
    CHECK_EQ(rename(s.dir.at(s.site("notes.new")).c_str(), s.dir.at(s.site("notes.txt")).c_str()), 0);
    CHECK_NE(etag_of(root, "/notes.txt"), third);
}

// A modification time after now is sent (and compared) as now.
TEST(static_conditional_future_mtime_is_now) {
    Site s;
    CHECK(s.dir.set_modified(s.site("notes.txt"), kNow + 86400, 0));
    Root root(s.root_path);
    const Answer a = get(root, "/notes.txt");
    read_and_close(a.fd);
    CHECK_EQ(header(a.head, "Last-Modified"), format_http_date(kNow));
    CHECK_EQ(status_with(root, std::nullopt, format_http_date(kNow)), 304);
}
