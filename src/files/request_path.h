// A request target's path, as http::Request::path gives it (origin-form,
// the query already cut), turned into a path relative to the static root,
// or refused. Nothing touches the file system here: this is the textual
// half of keeping requests inside the root (file_answer.h does the rest).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace wshub::files {

struct RequestPath {
    // Segments joined by '/', with no leading, trailing or doubled '/';
    // "" for the root itself. Never holds a NUL, a backslash, or a segment
    // that starts with '.' (so never "." or "..").
    std::string relative;
    // The target ended in '/' (or was "/"): the client asks for a directory.
    bool directory = false;
};

// Decodes `path` (RFC 3986 percent-encoding, no '+' for space) and splits it
// into segments. Refused (nullopt):
// - a path that does not start with '/';
// - a bad escape ('%' not followed by two hex digits);
// - a NUL, raw or "%00": the file system would cut the name there;
// - a backslash, raw or "%5C": a separator on some systems, never needed;
// - any segment starting with '.' after decoding: ".." (also "%2e%2e",
//   ".%2E") would climb out of the root, and hidden files such as .git/ or
//   .env are where secrets are kept beside published files.
// Decoding comes before splitting, so "%2F" separates segments like '/'
// does, and "..%2f" is a ".." segment. Empty segments ("//") are dropped.
std::optional<RequestPath> decode_request_path(std::string_view path);

// `relative` (as decode_request_path gives it) as an absolute path for a
// Location header: a leading '/', each byte outside RFC 3986's pchar and '/'
// percent-encoded, so decoding it gives `relative` back. Never starts with
// "//", which a browser would read as another host.
std::string encode_request_path(std::string_view relative);

}  // namespace wshub::files
