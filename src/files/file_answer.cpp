#include "files/file_answer.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <ctime>

#include "files/http_date.h"
#include "files/mime.h"
#include "files/request_path.h"
#include "files/resolve.h"
#include "files/validators.h"
#include "http/upgrade.h"

namespace wshub::files {
namespace {

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";

void add_header(std::string& head, std::string_view name, std::string_view value) {
    head += name;
    head += ": ";
    head += value;
    head += "\r\n";
}

// The status line and the headers every answer has (file_answer.h).
std::string start_head(int status, int64_t now) {
    std::string head;
    head.reserve(320);
    head += "HTTP/1.1 ";
    head += std::to_string(status);
    head += ' ';
    head += http::reason_phrase(status);
    head += "\r\n";
    add_header(head, "Date", format_http_date(now));
    add_header(head, "Cache-Control", "no-cache");
    add_header(head, "X-Content-Type-Options", "nosniff");
    return head;
}

// A short text answer (404, 405, 301): its reason phrase as the body, as
// http::simple_response writes it, which a HEAD gets the length of only.
Answer text_answer(int status, std::string_view method, int64_t now, std::string_view extra_name = {},
                   std::string_view extra_value = {}) {
    Answer a;
    a.status = status;
    a.head = start_head(status, now);
    std::string body(http::reason_phrase(status));
    body += '\n';
    add_header(a.head, "Content-Type", kTextPlain);
    add_header(a.head, "Content-Length", std::to_string(body.size()));
    if (!extra_name.empty()) add_header(a.head, extra_name, extra_value);
    if (method != "HEAD") a.body = std::move(body);
    return a;
}

// 200 or 304 for the open file `r`, whose descriptor moves into a GET's
// answer and is closed otherwise.
Answer file_answer(Resolved& r, std::string_view method, std::string_view name,
                   std::optional<std::string_view> if_none_match,
                   std::optional<std::string_view> if_modified_since, int64_t now) {
    const FileStamp stamp = stamp_of(r.stat);
    const std::string etag = make_etag(stamp);
    // RFC 9110 section 8.8.2.1: never a modification later than the Date.
    const int64_t last_modified = stamp.modified_seconds < now ? stamp.modified_seconds : now;
    const bool not_modified = is_not_modified(if_none_match, if_modified_since, etag, last_modified, now);

    Answer a;
    a.status = not_modified ? 304 : 200;
    a.head = start_head(a.status, now);
    if (!not_modified) {
        add_header(a.head, "Content-Type", content_type_for(name));
        add_header(a.head, "Content-Length", std::to_string(stamp.size));
        a.size = stamp.size;
    }
    add_header(a.head, "Last-Modified", format_http_date(last_modified));
    add_header(a.head, "ETag", etag);
    if (!not_modified && method == "GET") {
        a.fd = r.fd;
    } else {
        ::close(r.fd);
    }
    r.fd = -1;
    return a;
}

}  // namespace

Root::Root(std::string_view dir) {
    const std::string given(dir);
    char* resolved = given.empty() ? nullptr : ::realpath(given.c_str(), nullptr);
    if (resolved == nullptr) {
        error_ = given + ": " + (given.empty() ? "no directory given" : std::strerror(errno));
        return;
    }
    std::string real(resolved);
    std::free(resolved);
    struct stat st {};
    if (::stat(real.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        error_ = given + ": not a directory";
        return;
    }
    // Readable (its index.html may be looked for) and searchable (its files opened).
    const int fd = ::open(real.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || ::access(real.c_str(), X_OK) != 0) {
        error_ = given + ": " + std::strerror(errno);
        if (fd >= 0) ::close(fd);
        return;
    }
    ::close(fd);
    real_dir_ = std::move(real);
}

Answer Root::answer(std::string_view method, std::string_view path,
                    std::optional<std::string_view> if_none_match,
                    std::optional<std::string_view> if_modified_since, int64_t now) const {
    if (method != "GET" && method != "HEAD") return text_answer(405, method, now, "Allow", "GET, HEAD");
    const auto decoded = decode_request_path(path);
    if (!decoded || !error_.empty()) return text_answer(404, method, now);
    Resolved r = open_under(real_dir_, *decoded);
    switch (r.lookup) {
        case Lookup::directory:
            return text_answer(301, method, now, "Location", encode_request_path(decoded->relative) + "/");
        case Lookup::file: {
            // A directory asked for with its '/' is only ever its index.html.
            const std::string_view name = decoded->directory ? std::string_view("index.html") : decoded->relative;
            return file_answer(r, method, name, if_none_match, if_modified_since, now);
        }
        case Lookup::missing: break;
    }
    return text_answer(404, method, now);
}

Answer Root::answer(std::string_view method, std::string_view path,
                    std::optional<std::string_view> if_none_match,
                    std::optional<std::string_view> if_modified_since) const {
    return answer(method, path, if_none_match, if_modified_since, static_cast<int64_t>(std::time(nullptr)));
}

}  // namespace wshub::files
