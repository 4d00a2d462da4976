// What /proc says about another process (the server under test) and about
// the kernel's socket memory. Linux only; every reader returns -1 (or false)
// when the file is missing or unreadable, so reports can say "-".
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "clock.h"

namespace wsbench {

// utime and stime of every thread of pid so far, from /proc/PID/stat.
bool proc_cpu(pid_t pid, CpuTimes& out);

// The machine's CPU time so far, all cores together, in clock ticks, from
// the "cpu" line of /proc/stat: the total, and the part stolen by the
// hypervisor (time a virtual CPU wanted to run but the host ran something
// else), which is what makes a VM's speed drift between runs.
struct MachineTicks {
    uint64_t total = 0;
    uint64_t steal = 0;
};
bool machine_ticks(MachineTicks& out);

// VmRSS of pid in bytes, from /proc/PID/status.
int64_t proc_rss_bytes(pid_t pid);

// TCP socket buffer memory of the whole system in bytes: the "mem" pages of
// the TCP line of /proc/net/sockstat.
int64_t sockstat_tcp_bytes();

// Bytes of the slab objects each open TCP socket costs the kernel, summed
// over the whole system (active objects times object size of the caches
// TCP, TCPv6, sock_inode_cache, dentry, filp, eventpoll_epi and
// eventpoll_pwq in /proc/slabinfo, which needs root).
int64_t socket_slab_bytes();

}  // namespace wsbench
