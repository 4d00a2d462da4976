#include "proc.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace wsbench {

namespace {

// The whole of a small /proc file; empty if unreadable.
std::string slurp(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "r");
    if (!f) return {};
    std::string s;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    std::fclose(f);
    return s;
}

}  // namespace

bool machine_ticks(MachineTicks& out) {
    std::string s = slurp("/proc/stat");
    if (s.compare(0, 4, "cpu ") != 0) return false;
    // user nice system idle iowait irq softirq steal (guest time is within user)
    unsigned long long v[8] = {};
    if (std::sscanf(s.c_str() + 4, "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4],
                    &v[5], &v[6], &v[7]) != 8)
        return false;
    out = {};
    for (unsigned long long x : v) out.total += x;
    out.steal = v[7];
    return true;
}

bool proc_cpu(pid_t pid, CpuTimes& out) {
    std::string s = slurp("/proc/" + std::to_string(pid) + "/stat");
    // The command name may hold spaces and parentheses: fields follow the last ')'.
    size_t close = s.rfind(')');
    if (close == std::string::npos) return false;
    unsigned long long utime = 0, stime = 0;
    // state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime stime
    if (std::sscanf(s.c_str() + close + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                    &stime) != 2)
        return false;
    const double tck = double(sysconf(_SC_CLK_TCK));
    out = {double(utime) / tck, double(stime) / tck};
    return true;
}

int64_t proc_rss_bytes(pid_t pid) {
    std::string s = slurp("/proc/" + std::to_string(pid) + "/status");
    size_t at = s.find("\nVmRSS:");
    long long kb = 0;
    if (at == std::string::npos || std::sscanf(s.c_str() + at + 7, " %lld", &kb) != 1) return -1;
    return int64_t(kb) * 1024;
}

int64_t sockstat_tcp_bytes() {
    std::string s = slurp("/proc/net/sockstat");
    size_t at = s.find("\nTCP:");
    if (at == std::string::npos) return -1;
    size_t mem = s.find(" mem ", at);
    long long pages = 0;
    if (mem == std::string::npos || std::sscanf(s.c_str() + mem + 5, "%lld", &pages) != 1) return -1;
    return int64_t(pages) * sysconf(_SC_PAGESIZE);
}

int64_t socket_slab_bytes() {
    static const char* const kCaches[] = {"TCP",  "TCPv6",         "sock_inode_cache", "dentry",
                                          "filp", "eventpoll_epi", "eventpoll_pwq"};
    std::string s = slurp("/proc/slabinfo");
    if (s.empty()) return -1;
    int64_t total = 0;
    size_t pos = 0;
    while (pos < s.size()) {
        size_t eol = s.find('\n', pos);
        if (eol == std::string::npos) eol = s.size();
        std::string line = s.substr(pos, eol - pos);
        pos = eol + 1;
        char name[64];
        long long active = 0, objects = 0, objsize = 0;
        if (std::sscanf(line.c_str(), "%63s %lld %lld %lld", name, &active, &objects, &objsize) != 4) continue;
        for (const char* c : kCaches)
            if (std::strcmp(name, c) == 0) total += int64_t(active) * objsize;
    }
    return total;
}

}  // namespace wsbench
