// Time and CPU-usage helpers shared by every scenario.
#pragma once

#include <sys/resource.h>
#include <time.h>

#include <cstdint>

namespace wsbench {

// CLOCK_MONOTONIC in nanoseconds (a vDSO call, cheap enough for every message).
inline int64_t now_ns() noexcept {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// This process's user and system CPU time so far, in seconds.
struct CpuTimes {
    double user = 0;
    double sys = 0;
};

inline CpuTimes cpu_now() noexcept {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return {double(ru.ru_utime.tv_sec) + double(ru.ru_utime.tv_usec) / 1e6,
            double(ru.ru_stime.tv_sec) + double(ru.ru_stime.tv_usec) / 1e6};
}

inline CpuTimes operator-(CpuTimes a, CpuTimes b) noexcept { return {a.user - b.user, a.sys - b.sys}; }

}  // namespace wsbench
