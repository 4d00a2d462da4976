// `--static DIR`: the answer to a GET or HEAD that no route claims, from the
// files under DIR. This decides the answer (status, head, which file); the
// connection sends it, reading the file's body in pieces itself.
//
// realpath, stat and open (resolve.h) are blocking calls made here, on the
// worker; on a local disk they are short, which is what serving static
// files without blocking a worker for long accepts. Reading the body is the
// caller's, in pieces under its send budget.
//
// Every answer carries Date, X-Content-Type-Options: nosniff (a browser
// takes the Content-Type given rather than guessing one from the bytes) and
// Cache-Control: no-cache: a cache may keep a file but asks again each time,
// and the ETag makes that a small 304, so an edited file is seen on the next
// load rather than after some heuristic freshness lifetime.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace wshub::files {

struct Answer {
    int status = 0;
    // The status line and header lines, each ending in CRLF, without the
    // Connection header and the blank line: the caller appends
    // "Connection: keep-alive\r\n\r\n" or "Connection: close\r\n\r\n".
    std::string head;
    // Sent after the blank line when fd is -1: the short text of a 301, 404
    // or 405 (its length is the head's Content-Length); empty for a HEAD and
    // for 200 and 304.
    std::string body;
    // 200 to a GET: the file, open O_RDONLY | O_CLOEXEC at offset 0, owned by
    // the caller, who sends `size` bytes from it and closes it. Should it end
    // early (the file shrank while being sent), the Content-Length cannot be
    // kept and the connection must be closed. -1 otherwise.
    int fd = -1;
    // 200: the file's size, which is the head's Content-Length (for a HEAD
    // too, though nothing follows the head then). 0 otherwise.
    uint64_t size = 0;
};

// The static root, made once at start from DIR and shared read-only by the
// workers (answer is const and keeps no state).
class Root {
public:
    // Resolves `dir` to its canonical path; error() says why it cannot be
    // served from when it is not a readable, searchable directory.
    explicit Root(std::string_view dir);

    // "" when the root can be served from, else why not (for the start-up
    // error: "--static DIR: ...").
    const std::string& error() const noexcept { return error_; }
    // DIR's canonical path (realpath); "" when error() is set.
    const std::string& real_dir() const noexcept { return real_dir_; }

    // The answer to `method` on `path` (http::Request::path: the target
    // without its query), given the request's If-None-Match and
    // If-Modified-Since values (nullopt when absent; several If-None-Match
    // lines joined with ", "). `now` is the wall clock in unix seconds, for
    // Date, for a Last-Modified never later than it, and for reading a
    // two-digit year. In this order:
    // - 405 with "Allow: GET, HEAD" for another method (case-sensitive);
    // - 404 for a path decode_request_path refuses (traversal, NUL, hidden
    //   files) or that names nothing servable (absent, outside DIR after
    //   symlinks, not a regular file, unreadable, a directory without
    //   index.html), always the same answer so none can be told apart;
    // - 301 to PATH/ for a directory asked for without its trailing '/', so
    //   that relative links in its index.html resolve inside it (the query
    //   is not carried over);
    // - 304 with ETag and Last-Modified and no body when the preconditions
    //   say not modified (validators.h: is_not_modified);
    // - 200 with Content-Type (mime.h), Content-Length, Last-Modified and
    //   ETag; the file to send for a GET (`fd`), nothing for a HEAD.
    // With error() set, every GET or HEAD is 404.
    Answer answer(std::string_view method, std::string_view path,
                  std::optional<std::string_view> if_none_match,
                  std::optional<std::string_view> if_modified_since, int64_t now) const;

    // The same with `now` read from the wall clock.
    Answer answer(std::string_view method, std::string_view path,
                  std::optional<std::string_view> if_none_match,
                  std::optional<std::string_view> if_modified_since) const;

private:
    std::string real_dir_;
    std::string error_;
};

}  // namespace wshub::files
