// A temporary file for tests that read files: made with `text` (and, if
// given, a mode), removed when the object goes.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

struct TempFile {
    std::string path;
    explicit TempFile(const std::string& text, mode_t mode = 0600) {
        char name[] = "/tmp/wshub_test_XXXXXX";
        const int fd = mkstemp(name);
        path = name;
        if (fd >= 0) {
            (void)!write(fd, text.data(), text.size());
            (void)!fchmod(fd, mode);
            close(fd);
        }
    }
    ~TempFile() { unlink(path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};
