// A temporary directory for tests that serve or read files: made empty,
// filled through its helpers (paths relative to it), removed with all it
// holds when the object goes.
#pragma once

#include <stdlib.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

struct TempDir {
    std::string path;  // absolute, without a trailing '/'

    TempDir() {
        char name[] = "/tmp/wshub_test_dir_XXXXXX";
        path = mkdtemp(name) ? name : "";
    }
    ~TempDir() {
        std::error_code ignored;
        if (!path.empty()) std::filesystem::remove_all(path, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string at(const std::string& relative) const { return path + "/" + relative; }

    // Writes (or rewrites) a file, making its parent directories.
    void write(const std::string& relative, const std::string& text) const {
        const std::filesystem::path file = at(relative);
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
    }
    void make_dir(const std::string& relative) const { std::filesystem::create_directories(at(relative)); }
    // Sets a file's modification time (and its access time to the same).
    bool set_modified(const std::string& relative, time_t seconds, long nanoseconds) const {
        const timespec times[2] = {{seconds, nanoseconds}, {seconds, nanoseconds}};
        return utimensat(AT_FDCWD, at(relative).c_str(), times, 0) == 0;
    }
    // A symlink at `relative` holding `target` as given (relative or absolute).
    bool link(const std::string& target, const std::string& relative) const {
        return symlink(target.c_str(), at(relative).c_str()) == 0;
    }
};
