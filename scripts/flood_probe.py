#!/usr/bin/python3
"""Measures a flood across workers (issue 13; integration/test_overflow_workers.py
asserts bounds on the same set-up, integration/wshub_test/fanout_flood.py):
a publisher on worker 0 floods a room whose members, all on the last worker,
read nothing. For each binary, policy and worker count it reports the
server's peak RSS during the flood, the time a fresh client landing on the
members' worker waits for its 101 during the flood, and the RSS 5 s and 15 s
after the flood (the members read again, then every connection closed).
Nothing is asserted.

usage: scripts/flood_probe.py [--bin PATH]... [--workers 2,4] [--policy close,drop,block]
                              [--members 200] [--seconds 3] [--queue-bytes 256KiB]
                              [--fresh-at 1] [--fresh-timeout 30] [--rss-cap-mib N]
prints one JSON line per run, then a Markdown table of them all.
"""
import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "integration"))

from wshub_test.binary import clean_env, free_port  # noqa: E402
from wshub_test.fanout_flood import FanoutFlood, placement  # noqa: E402
from wshub_test.metrics import scrape  # noqa: E402

AFTER_S = (5, 15)
READ_UNTIL_S = 4.5  # the members are read again till then at most, so that the 5 s reading is on time


class Server:
    """A wshub process on a free loopback port: host, port, pid."""

    def __init__(self, binary, flags):
        self.host = "127.0.0.1"
        self.port = free_port()
        self.process = subprocess.Popen([binary, "--listen", f"{self.host}:{self.port}", *flags],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, env=clean_env())
        self.pid = self.process.pid
        deadline = time.monotonic() + 5
        while True:
            try:
                socket.create_connection((self.host, self.port), timeout=0.5).close()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{binary} not accepting on {self.port}")
                time.sleep(0.02)

    def stop(self, timeout=20):
        """SIGTERM; the exit status, or 'killed' if it did not exit within `timeout` s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                return "killed"
        return self.process.returncode


def mib(kib):
    return round(kib / 1024, 1)


def after_flood(scene, server, row):
    """The members read again (till READ_UNTIL_S at most), every connection
    closed, then the RSS at each of AFTER_S after the flood (and when it was
    read, should that be late)."""
    row["members_all_closed"] = scene.read_members(until=scene.stopped_at + READ_UNTIL_S)
    row["member_msgs"] = sum(len(r.seqs) for r in scene.readers)
    scene.close()
    for s in AFTER_S:
        kib, at = scene.rss_after(s)
        row[f"rss_after_{s}s_mib"] = mib(kib) if at < s + 0.5 else f"{mib(kib)} (at {at:.1f}s)"
    try:
        row["slow_consumer_closes"] = scrape(server).get("wshub_slow_consumer_closes_total")
    except OSError as e:
        row["slow_consumer_closes"] = f"no scrape: {e}"


def probe(binary, workers, policy, args):
    server = Server(binary, ["--workers", str(workers), "--overflow", policy, "--queue-bytes", args.queue_bytes])
    row = {"bin": binary, "workers": workers, "policy": policy}
    scene = None
    try:
        scene = FanoutFlood(server, placement(args.members, workers))
        cap = args.rss_cap_mib << 10 if args.rss_cap_mib else None
        # The fresh client may wait long on a server that lags: the readings
        # after the flood are taken meanwhile, on time.
        scene.run(args.seconds, fresh_at=args.fresh_at, fresh_timeout=args.fresh_timeout, rss_cap_kib=cap,
                  join_fresh=False)
        row.update(published=scene.published(), flood_s=round(scene.flood_seconds, 2),
                   rss_before_mib=mib(scene.rss_before_kib), rss_peak_mib=mib(scene.rss_peak_kib),
                   rss_samples=scene.rss.count)
        after_flood(scene, server, row)
        scene.fresh.join()
        row.update(fresh_101_s=round(scene.fresh.seconds, 4) if scene.fresh.seconds is not None else None,
                   fresh=scene.fresh.describe())
    finally:
        if scene:
            scene.close()
        row["exit"] = server.stop()
    return row


def table(rows):
    cols = ["bin", "workers", "policy", "rss_peak_mib", "fresh", "rss_after_5s_mib", "rss_after_15s_mib", "exit"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", action="append", help="wshub binary (repeatable; default build/release/wshub)")
    ap.add_argument("--workers", default="2,4")
    ap.add_argument("--policy", default="close,drop,block")
    ap.add_argument("--members", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--queue-bytes", default="256KiB")
    ap.add_argument("--fresh-at", type=float, default=1.0, help="seconds into the flood")
    ap.add_argument("--fresh-timeout", type=float, default=30.0)
    ap.add_argument("--rss-cap-mib", type=int, default=0, help="stop a flood early past this RSS (0: never)")
    args = ap.parse_args()
    rows = []
    for binary in args.bin or [os.path.join(REPO, "build/release/wshub")]:
        for workers in [int(w) for w in args.workers.split(",")]:
            for policy in args.policy.split(","):
                rows.append(probe(os.path.abspath(binary), workers, policy, args))
                print(json.dumps(rows[-1]), flush=True)
    print(table(rows))


if __name__ == "__main__":
    main()
