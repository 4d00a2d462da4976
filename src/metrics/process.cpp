#include "metrics/process.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace wshub::metrics {
namespace {

bool read_file(const char* path, char* buf, size_t cap, size_t& len) {
    FILE* f = std::fopen(path, "re");
    if (!f) return false;
    len = std::fread(buf, 1, cap - 1, f);
    std::fclose(f);
    buf[len] = '\0';
    return len > 0;
}

void family(std::string& out, const char* name, const char* type, const char* help, double value) {
    char line[256];
    std::snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, value);
    out += line;
}

// Seconds since the epoch at which the system booted (btime in /proc/stat).
bool boot_time(double& seconds) {
    char buf[8192];
    size_t len;
    if (!read_file("/proc/stat", buf, sizeof buf, len)) return false;
    const char* p = std::strstr(buf, "\nbtime ");
    if (!p) return false;
    seconds = std::strtod(p + 7, nullptr);
    return true;
}

int count_open_fds() {
    DIR* d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
    closedir(d);
    return n - 1;  // the directory stream's own descriptor
}

}  // namespace

void append_process_metrics(std::string& out) {
    char buf[1024];
    size_t len;
    if (!read_file("/proc/self/stat", buf, sizeof buf, len)) return;
    // The command name (field 2) is in parentheses and may hold spaces:
    // parse from the last ')'. Then field 3 (state), then numbers.
    const char* q = std::strrchr(buf, ')');
    if (!q) return;
    q += 2;
    while (*q && *q != ' ') ++q;
    unsigned long long field[24] = {};  // field[n] is stat field n (1-based, as in proc(5))
    for (int n = 4; n <= 23 && *q; ++n) {
        char* end;
        field[n] = std::strtoull(q, &end, 10);
        q = end;
    }
    const double ticks = double(sysconf(_SC_CLK_TCK));
    const double page = double(sysconf(_SC_PAGESIZE));
    const double utime = double(field[14]), stime = double(field[15]);
    const double start_ticks = double(field[22]), vsize = double(field[23]);
    family(out, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.",
           (utime + stime) / ticks);
    family(out, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.", vsize);
    size_t statm_len;
    char statm[256];
    if (read_file("/proc/self/statm", statm, sizeof statm, statm_len)) {
        unsigned long long size = 0, resident = 0;
        if (std::sscanf(statm, "%llu %llu", &size, &resident) == 2)
            family(out, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
                   double(resident) * page);
    }
    if (const int fds = count_open_fds(); fds >= 0)
        family(out, "process_open_fds", "gauge", "Number of open file descriptors.", fds);
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        family(out, "process_max_fds", "gauge", "Maximum number of open file descriptors.", double(rl.rlim_cur));
    double boot;
    if (boot_time(boot))
        family(out, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.",
               boot + start_ticks / ticks);
}

}  // namespace wshub::metrics
