#include "files/resolve.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>

namespace wshub::files {
namespace {

// The modification time with nanoseconds: POSIX 2008 names it st_mtim,
// macOS st_mtimespec.
#if defined(__APPLE__)
const timespec& modified_time(const struct stat& st) noexcept { return st.st_mtimespec; }
#else
const timespec& modified_time(const struct stat& st) noexcept { return st.st_mtim; }
#endif

bool is_under(const std::string& real_root, std::string_view path) noexcept {
    if (path == real_root) return true;
    if (real_root == "/") return path.starts_with('/');
    return path.size() > real_root.size() && path.starts_with(real_root) && path[real_root.size()] == '/';
}

int open_retrying(const std::string& path, int flags) noexcept {
    int fd;
    do fd = ::open(path.c_str(), flags);
    while (fd < 0 && errno == EINTR);
    return fd;
}

// Opens the regular file `path`, which stat said is `expected`: refused if
// what is opened is another file or not a regular one.
int open_regular(const std::string& path, const struct stat& expected, struct stat& opened) noexcept {
    const int fd = open_retrying(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -1;
    const bool same_file = ::fstat(fd, &opened) == 0 && S_ISREG(opened.st_mode) &&
                           opened.st_dev == expected.st_dev && opened.st_ino == expected.st_ino;
    // O_NONBLOCK only guarded the open; the caller reads a plain blocking file.
    const int flags = same_file ? ::fcntl(fd, F_GETFL) : -1;
    if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

std::optional<std::string> real_path_under(const std::string& real_root, const std::string& path) {
    char* resolved = ::realpath(path.c_str(), nullptr);
    if (resolved == nullptr) return std::nullopt;
    std::string out(resolved);
    std::free(resolved);
    if (!is_under(real_root, out)) return std::nullopt;
    return out;
}

Resolved open_under(const std::string& real_root, const RequestPath& path) {
    Resolved r;
    std::string candidate = real_root;
    if (!path.relative.empty()) {
        if (candidate.back() != '/') candidate += '/';
        candidate += path.relative;
    }
    auto real = real_path_under(real_root, candidate);
    struct stat st {};
    if (!real || ::stat(real->c_str(), &st) != 0) return r;
    if (S_ISDIR(st.st_mode)) {
        if (!path.directory) {
            r.lookup = Lookup::directory;
            return r;
        }
        real = real_path_under(real_root, (real->back() == '/' ? *real : *real + '/') + "index.html");
        if (!real || ::stat(real->c_str(), &st) != 0) return r;
    } else if (path.directory) {
        return r;  // "/notes.txt/": a file is not a directory
    }
    if (!S_ISREG(st.st_mode)) return r;
    r.fd = open_regular(*real, st, r.stat);
    if (r.fd >= 0) r.lookup = Lookup::file;
    return r;
}

FileStamp stamp_of(const struct stat& st) noexcept {
    FileStamp s;
    s.size = static_cast<uint64_t>(st.st_size);
    s.modified_seconds = static_cast<int64_t>(modified_time(st).tv_sec);
    s.modified_nanoseconds = static_cast<int64_t>(modified_time(st).tv_nsec);
    s.inode = static_cast<uint64_t>(st.st_ino);
    return s;
}

}  // namespace wshub::files
