// Validators for a static file (RFC 9110 section 8.8) and the conditional
// GET/HEAD they answer (section 13.2.2): an ETag made from what changes
// when the file does, and the If-None-Match / If-Modified-Since decision.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::files {

// What identifies one version of a file, from its stat.
struct FileStamp {
    uint64_t size = 0;
    int64_t modified_seconds = 0;      // st_mtime
    int64_t modified_nanoseconds = 0;  // 0..999999999
    uint64_t inode = 0;                // a file replaced by rename has a new one
};

// A strong entity-tag, quoted: "\"SIZE-SECONDS.NANOSECONDS-INODE\"", each in
// lower-case hex. Any change of size, modification time (to the
// nanosecond) or inode changes it. Strong, since two files with the same
// tag are taken to have the same bytes, a stretch only as far as a writer
// that restores the modification time after changing a file of the same
// size in place.
std::string make_etag(const FileStamp& stamp);

// If-None-Match's value (RFC 9110 section 13.1.2) against our `etag`
// (quoted, as make_etag gives it): true if it is "*" or lists a tag equal
// to ours under the weak comparison (W/ ignored on either side). A value
// that is not a well-formed list of entity-tags matches nothing, so the
// client gets the whole file rather than a wrong 304.
bool if_none_match_matches(std::string_view if_none_match, std::string_view etag) noexcept;

// RFC 9110 section 13.2.2 for a GET or HEAD of an existing file: true when
// the answer is 304 Not Modified. If-None-Match, when present, decides
// alone (and If-Modified-Since is ignored, section 13.1.3); otherwise
// If-Modified-Since holding a readable HTTP-date (parse_http_date with
// `now`) at or after `last_modified` (unix seconds, the Last-Modified
// sent: HTTP dates have one-second resolution) is not modified; an
// unreadable date is ignored. If-Match and If-Unmodified-Since are not
// evaluated.
bool is_not_modified(std::optional<std::string_view> if_none_match,
                     std::optional<std::string_view> if_modified_since, std::string_view etag,
                     int64_t last_modified, int64_t now) noexcept;

}  // namespace wshub::files
