// files/validators.h: the ETag and the RFC 9110 section 13.2.2 decision
// for a conditional GET or HEAD.
#include <optional>
#include <string>

#include "check.h"
#include "files/validators.h"

using namespace wshub::files;

namespace {

constexpr int64_t kNow = 1704067200;            // Mon, 01 Jan 2024 00:00:00 GMT
constexpr int64_t kModified = 784111777;        // Sun, 06 Nov 1994 08:49:37 GMT
constexpr const char* kAtModified = "Sun, 06 Nov 1994 08:49:37 GMT";
constexpr const char* kSecondBefore = "Sun, 06 Nov 1994 08:49:36 GMT";
constexpr const char* kLater = "Mon, 07 Nov 1994 08:49:37 GMT";
constexpr const char* kOurs = "\"1a-2ebc98a1.0-7\"";

FileStamp stamp() {
    FileStamp s;
    s.size = 26;
    s.modified_seconds = kModified;
    s.modified_nanoseconds = 0;
    s.inode = 7;
    return s;
}

bool not_modified(std::optional<std::string_view> inm, std::optional<std::string_view> ims) {
    return is_not_modified(inm, ims, kOurs, kModified, kNow);
}

}  // namespace

TEST(etag_format) {
    CHECK_EQ(make_etag(stamp()), kOurs);
    FileStamp s = stamp();
    s.size = 0;
    s.modified_nanoseconds = 999999999;
    s.inode = UINT64_MAX;
    CHECK_EQ(make_etag(s), "\"0-2ebc98a1.3b9ac9ff-ffffffffffffffff\"");
}

TEST(etag_changes_with_each_part) {
    const std::string base = make_etag(stamp());
    FileStamp s = stamp();
    s.size += 1;
    CHECK_NE(make_etag(s), base);
    s = stamp();
    s.modified_seconds += 1;
    CHECK_NE(make_etag(s), base);
    s = stamp();
    s.modified_nanoseconds += 1;  // within the same second
    CHECK_NE(make_etag(s), base);
    s = stamp();
    s.inode += 1;
    CHECK_NE(make_etag(s), base);
}

TEST(if_none_match_lists) {
    CHECK(if_none_match_matches(kOurs, kOurs));
    CHECK(if_none_match_matches("*", kOurs));
    CHECK(if_none_match_matches(" * ", kOurs));
    CHECK(if_none_match_matches("W/\"1a-2ebc98a1.0-7\"", kOurs));  // weak comparison
    CHECK(if_none_match_matches("\"x\", \"1a-2ebc98a1.0-7\"", kOurs));
    CHECK(if_none_match_matches("\"x\",W/\"1a-2ebc98a1.0-7\" ,\"y\"", kOurs));
    CHECK(if_none_match_matches(", ,\"1a-2ebc98a1.0-7\",", kOurs));  // empty elements allowed
    CHECK(if_none_match_matches("\t\"1a-2ebc98a1.0-7\"\t", kOurs));
    CHECK(!if_none_match_matches("\"x\"", kOurs));
    CHECK(!if_none_match_matches("\"x\", W/\"y\"", kOurs));
    CHECK(!if_none_match_matches("\"1A-2EBC98A1.0-7\"", kOurs));  // opaque tags compare exactly
    CHECK(!if_none_match_matches("\"1a-2ebc98a1.0-7", kOurs));
}

TEST(if_none_match_malformed_matches_nothing) {
    CHECK(!if_none_match_matches("", kOurs));
    CHECK(!if_none_match_matches(",", kOurs));
    CHECK(!if_none_match_matches("1a-2ebc98a1.0-7", kOurs));          // unquoted
    CHECK(!if_none_match_matches("w/\"1a-2ebc98a1.0-7\"", kOurs));    // W/ is case-sensitive
    CHECK(!if_none_match_matches("\"1a-2ebc98a1.0-7\" junk", kOurs));
    CHECK(!if_none_match_matches("\"1a-2ebc98a1.0-7\", junk", kOurs));
    CHECK(!if_none_match_matches("junk, \"1a-2ebc98a1.0-7\"", kOurs));
    CHECK(!if_none_match_matches("*, \"x\"", kOurs));
    CHECK(!if_none_match_matches("\"a\"b\"", kOurs));
    CHECK(!if_none_match_matches("\"a b\"", kOurs));  // no space inside a tag
}

TEST(conditional_none_is_full) {
    CHECK(!not_modified(std::nullopt, std::nullopt));
}

TEST(conditional_if_none_match) {
    CHECK(not_modified(kOurs, std::nullopt));
    CHECK(not_modified("*", std::nullopt));
    CHECK(not_modified("W/\"1a-2ebc98a1.0-7\"", std::nullopt));
    CHECK(!not_modified("\"other\"", std::nullopt));
}

// If-None-Match decides alone: If-Modified-Since is ignored beside it.
TEST(conditional_if_none_match_wins) {
    CHECK(!not_modified("\"other\"", kAtModified));  // the date alone would be 304
    CHECK(!not_modified("garbage", kLater));
    CHECK(not_modified(kOurs, kSecondBefore));       // the date alone would be 200
}

TEST(conditional_if_modified_since) {
    CHECK(!not_modified(std::nullopt, kSecondBefore));  // changed since
    CHECK(not_modified(std::nullopt, kAtModified));     // equal: not modified
    CHECK(not_modified(std::nullopt, kLater));
    CHECK(not_modified(std::nullopt, "Sunday, 06-Nov-94 08:49:37 GMT"));
    CHECK(not_modified(std::nullopt, "Sun Nov  6 08:49:37 1994"));
}

TEST(conditional_garbage_date_ignored) {
    CHECK(!not_modified(std::nullopt, ""));
    CHECK(!not_modified(std::nullopt, "yesterday"));
    CHECK(!not_modified(std::nullopt, "Mon, 07 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT"));
    CHECK(!not_modified(std::nullopt, "mon, 07 Nov 1994 08:49:37 GMT"));
    CHECK(!not_modified(std::nullopt, "Mon, 07 Nov 1994 08:49:37"));
}
