#include "report.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace wsbench {

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string fmt_us(int64_t ns) { return fmt(double(ns) / 1000.0, 1); }

void print_table(const std::string& title, const std::vector<Field>& fields) {
    size_t width = 0;
    for (const auto& f : fields) width = f.name.size() > width ? f.name.size() : width;
    std::printf("%s\n", title.c_str());
    for (const auto& f : fields) std::printf("  %-*s  %s\n", int(width), f.name.c_str(), f.value.c_str());
    std::fflush(stdout);
}

bool progress_enabled() { return isatty(STDERR_FILENO) == 1; }

void draw_progress(const std::string& line) {
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
}

void finish_progress() {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
}

// Values are numbers or simple words; quote anything that could break a line.
static std::string csv_cell(const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string q = "\"";
    for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
}

bool append_csv(const std::string& path, const std::vector<Field>& fields, std::string& error) {
    std::string header, line;
    for (const auto& f : fields) {
        if (f.csv_name.empty()) continue;
        header += (header.empty() ? "" : ",") + f.csv_name;
        line += (line.empty() ? "" : ",") + csv_cell(f.value);
    }
    std::FILE* in = std::fopen(path.c_str(), "r");
    bool fresh = true;
    if (in) {
        char first[4096];
        if (std::fgets(first, sizeof first, in)) {
            fresh = false;
            std::string existing(first);
            while (!existing.empty() && (existing.back() == '\n' || existing.back() == '\r')) existing.pop_back();
            if (existing != header)
                std::fprintf(stderr, "wsbench: warning: %s has other columns; appending anyway\n", path.c_str());
        }
        std::fclose(in);
    }
    std::FILE* out = std::fopen(path.c_str(), "a");
    if (!out) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    if (fresh) std::fprintf(out, "%s\n", header.c_str());
    std::fprintf(out, "%s\n", line.c_str());
    if (std::fclose(out) != 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

}  // namespace wsbench
