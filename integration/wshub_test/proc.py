"""The server process seen through /proc: open fds, resident memory, CPU time."""

import os
import threading
import time


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class RssSampler(threading.Thread):
    """Samples the RSS of process `pid` every `interval` s from a thread of
    its own, so that a caller busy flooding does not stretch the interval,
    from start() until stop(): `peak_kib` (the first and last readings
    included), `count` readings, `longest_gap` s between two."""

    def __init__(self, pid, interval=0.05):
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = rss_kib(pid)
        self.count = 1
        self.longest_gap = 0.0
        self._last = time.monotonic()
        self._done = threading.Event()

    def _sample(self):
        self.peak_kib = max(self.peak_kib, rss_kib(self.pid))
        now = time.monotonic()
        self.longest_gap = max(self.longest_gap, now - self._last)
        self._last = now
        self.count += 1

    def run(self):
        while not self._done.wait(self.interval):
            self._sample()

    def stop(self):
        self._done.set()
        self.join()
        self._sample()
        return self.peak_kib


def stable_fd_count(pid, settle=0.3, timeout=3.0):
    """The server's fd count once it has stopped changing for `settle` s."""
    deadline = time.monotonic() + timeout
    last = fd_count(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = fd_count(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
    return last


def wait_fds_at_most(pid, limit, timeout=5.0):
    """Waits until the server has at most `limit` fds; returns its last count."""
    deadline = time.monotonic() + timeout
    while True:
        n = fd_count(pid)
        if n <= limit or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def cpu_seconds(pid):
    """User plus system CPU time the process has used, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name (field 2) may hold spaces: count fields after its ')'.
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
