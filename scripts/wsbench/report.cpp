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

// Every scenario writes these columns, in this order, empty where it has no
// such figure: rows of different scenarios can share one file.
static const char* const kCsvColumns[] = {
    "scenario", "server", "url", "connections", "opened", "subscribers", "subscribers_opened", "publishers",
    "publishers_opened", "concurrency", "size", "inflight", "rate", "type", "payload", "deflate", "duration_s",
    "messages_per_s", "messages", "deliveries_per_s", "deliveries", "reads_per_s", "wire_bytes_per_delivery",
    "compressed_pct", "publish_per_s", "published", "upgrades_per_s", "upgrades", "closed_ok", "p50_us", "p99_us", "p999_us", "max_us", "loss", "out_of_order", "rss_before_bytes",
    "rss_after_bytes", "rss_per_conn_bytes", "kernel_per_conn_bytes", "slab_per_conn_bytes",
    "sockbuf_per_conn_bytes", "errors", "connect_errors", "handshake_errors", "protocol_errors", "closed_errors",
    "close_errors", "cpu_user_s", "cpu_sys_s", "cpu_window_user_s", "cpu_window_sys_s", "cpu_measuring_pct",
    "server_user_s", "server_sys_s", "server_cpu_pct", "steal_pct",
};

bool append_csv(const std::string& path, const std::vector<Field>& fields, std::string& error) {
    std::string header, line;
    for (const char* col : kCsvColumns) {
        const Field* found = nullptr;
        for (const auto& f : fields)
            if (f.csv_name == col) found = &f;
        header += (header.empty() ? "" : ",") + std::string(col);
        line += (line.empty() ? "" : ",") + (found ? csv_cell(found->value) : std::string());
    }
    for (const auto& f : fields) {
        bool known = f.csv_name.empty();
        for (const char* col : kCsvColumns) known = known || f.csv_name == col;
        if (!known) std::fprintf(stderr, "wsbench: internal: CSV column %s is not in the schema\n", f.csv_name.c_str());
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
