// The file-system half of serving under a root: a decoded request path
// (request_path.h) followed to an open regular file that is inside the
// root once every symlink is resolved. realpath, stat and open are blocking
// calls; on a local disk they take microseconds, which is what serving
// static files from a worker accepts. A root on a network file system would
// stall the worker for as long as the server takes to answer.
#pragma once

#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

#include "files/request_path.h"
#include "files/validators.h"

namespace wshub::files {

// The canonical absolute path of `path` (realpath: symlinks, "." and ".."
// resolved), if it exists and is `real_root` or inside it; nullopt
// otherwise. `real_root` must itself be canonical.
std::optional<std::string> real_path_under(const std::string& real_root, const std::string& path);

enum class Lookup : uint8_t {
    file,       // `fd` and `stat` are set
    directory,  // a directory asked for without the trailing '/': redirect to it
    missing,    // nothing servable: absent, outside the root, not a regular file, unreadable
};

struct Resolved {
    Lookup lookup = Lookup::missing;
    int fd = -1;  // file: O_RDONLY | O_CLOEXEC, blocking, at offset 0; the caller closes it
    struct stat stat {};
};

// Follows `path` under `real_root` (canonical): a directory's index.html
// when the path names a directory and ends in '/' (never a listing); a
// path ending in '/' that names a file is missing. Symlinks may point
// anywhere inside the root; the file's final location is checked, then it
// is opened with O_NOFOLLOW (and O_NONBLOCK, so a FIFO cannot block the
// open) and kept only if fstat shows the same regular file. A symlink in a
// directory component swapped between realpath and open is not caught: that
// needs someone who can write under the root.
Resolved open_under(const std::string& real_root, const RequestPath& path);

// The validators' view of a stat.
FileStamp stamp_of(const struct stat& st) noexcept;

}  // namespace wshub::files
