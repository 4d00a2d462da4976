// CPU time over the measured window, taken at the end of warm-up and at the
// end of the run: the generator's own (getrusage) and, given --server-pid,
// the server's (/proc/PID/stat, all its threads; summed over every process
// given), each as a share of one core;
// and the machine's stolen time (/proc/stat), as a share of all cores' time.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

#include "clock.h"
#include "proc.h"

namespace wsbench {

class CpuWindow {
public:
    // The server's processes to sample too; none: no server figures.
    void set_servers(const std::vector<pid_t>& pids) { server_pids_ = pids; }

    // At the end of warm-up (once: later calls do nothing).
    void take_start(int64_t now, int64_t warm_end) noexcept {
        if (start_taken_ || now < warm_end) return;
        at_start_ = cpu_now();
        server_ok_ = servers_cpu(server_start_);
        machine_ok_ = machine_ticks(machine_start_);
        start_taken_ = true;
    }
    // At the end of the measured time.
    void take_end(int64_t now) noexcept {
        at_end_ = cpu_now();
        server_ok_ = server_ok_ && servers_cpu(server_end_);
        machine_ok_ = machine_ok_ && machine_ticks(machine_end_);
        end_taken_ = true;
        end_ns_ = now;
    }
    bool end_taken() const noexcept { return end_taken_; }

    // Seconds from warm_end to the end; 0 without both samples.
    double seconds(int64_t warm_end) const noexcept {
        return start_taken_ && end_taken_ && end_ns_ > warm_end ? double(end_ns_ - warm_end) / 1e9 : 0;
    }
    // The generator's CPU time in the window.
    CpuTimes used() const noexcept { return start_taken_ && end_taken_ ? at_end_ - at_start_ : CpuTimes{}; }
    // Percent of a core the generator used from warm_end to the end; 0 without both samples.
    double percent(int64_t warm_end) const noexcept { return share(used(), warm_end); }

    // Whether the server was sampled at both ends, its CPU time in the window,
    // and that as a percent of one core (over 100 with several workers).
    bool server_known() const noexcept { return server_ok_ && start_taken_ && end_taken_; }
    CpuTimes server_used() const noexcept { return server_known() ? server_end_ - server_start_ : CpuTimes{}; }
    double server_percent(int64_t warm_end) const noexcept { return share(server_used(), warm_end); }

    // Percent of all cores' time in the window that the hypervisor took; -1
    // if unknown (no /proc/stat, or no time passed).
    double steal_percent() const noexcept {
        if (!machine_ok_ || !start_taken_ || !end_taken_) return -1;
        const uint64_t total = machine_end_.total - machine_start_.total;
        return total ? double(machine_end_.steal - machine_start_.steal) / double(total) * 100 : -1;
    }

private:
    // The sum over the server's processes; false if there is none or any is gone.
    bool servers_cpu(CpuTimes& sum) const noexcept {
        sum = CpuTimes{};
        for (pid_t pid : server_pids_) {
            CpuTimes one;
            if (!proc_cpu(pid, one)) return false;
            sum.user += one.user;
            sum.sys += one.sys;
        }
        return !server_pids_.empty();
    }

    double share(const CpuTimes& t, int64_t warm_end) const noexcept {
        double s = seconds(warm_end);
        return s > 0 ? (t.user + t.sys) / s * 100 : 0;
    }

    std::vector<pid_t> server_pids_;
    CpuTimes at_start_, at_end_, server_start_, server_end_;
    MachineTicks machine_start_, machine_end_;
    bool start_taken_ = false, end_taken_ = false, server_ok_ = false, machine_ok_ = false;
    int64_t end_ns_ = 0;
};

}  // namespace wsbench
