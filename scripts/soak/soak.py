"""The soak test's body (run it through scripts/soak.sh): starts a wshub,
puts mixed load on it from two processes (fanout.py, traffic.py), samples
the server every second, writes soak.csv and soak.svg, and judges the run
(trend.py). Exit status 0: ok; 1: failed (the last line says why); 2: usage."""

import argparse
import csv
import multiprocessing
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "integration"))

from wshub_test.metrics import fetch, parse  # noqa: E402
from wshub_test.proc import cpu_seconds, fd_count, rss_kib  # noqa: E402

import counters as counting  # noqa: E402
import fanout  # noqa: E402
import plot  # noqa: E402
import probe as probing  # noqa: E402
import server as serving  # noqa: E402
import traffic  # noqa: E402
import trend  # noqa: E402

COLUMNS = ("t_s", "rss_kib", "fds", "latency_ms", "delivered_per_s", "probes_received", "server_cpu_pct",
           *(f"{n}_per_s" for n in counting.NAMES if n != "delivered"))
# Server metrics worth a line in the summary.
SUMMARY_METRICS = ("wshub_connections_upgraded_total", "wshub_messages_sent_total", "wshub_slow_consumer_closes_total",
                   "wshub_messages_dropped_total", "wshub_publish_requests_total")


def parse_args(argv):
    p = argparse.ArgumentParser(prog="scripts/soak.sh", description=__doc__)
    p.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", "600")),
                   help="how long the load runs (default $SOAK_SECONDS or 600)")
    p.add_argument("--out", default=os.environ.get("SOAK_OUT", os.path.join(REPO, "build", "soak")),
                   help="where soak.csv, soak.svg and wshub.log go (default build/soak)")
    p.add_argument("--bin", default=os.environ.get("WSHUB_BIN", "build/release/wshub"),
                   help="the wshub binary (default $WSHUB_BIN or build/release/wshub)")
    p.add_argument("--overflow", choices=("close", "drop", "block"), default=os.environ.get("SOAK_OVERFLOW", "close"),
                   help="the server's --overflow policy (default close)")
    p.add_argument("--warmup", type=int, default=trend.WARMUP_S, help="seconds not judged (default 60)")
    p.add_argument("--log-level", default="info", help="the server's --log-level (default info)")
    args = p.parse_args(argv)
    if args.seconds < args.warmup + trend.MIN_JUDGED:
        p.error(f"--seconds must be at least the warm-up ({args.warmup}) plus {trend.MIN_JUDGED}")
    args.bin = os.path.join(REPO, args.bin) if not os.path.isabs(args.bin) else args.bin
    return args


def ended(status):
    return f"was killed by signal {-status}" if status < 0 else f"exited with status {status}"


def sample_once(srv, probe, counters, tick, start, prev):
    """One row: the server's /proc readings, the probe, the counters' deltas."""
    pid = srv.pid
    row = {"t_s": tick, "rss_kib": rss_kib(pid), "fds": fd_count(pid)}
    cpu = cpu_seconds(pid)
    counts = counters.snapshot()
    row["latency_ms"], row["probes_received"] = probe.measure(start + tick + 0.9 - time.monotonic())
    row["server_cpu_pct"] = round(100 * (cpu - prev["cpu"]), 1)
    for name in counting.NAMES:
        row[f"{name}_per_s"] = counts[name] - prev["counts"][name]
    prev.update(cpu=cpu, counts=counts)
    return row


def sample(srv, probe, counters, procs, seconds):
    """Samples every second for `seconds`; returns (rows, None or why the
    run stopped early: (name, line))."""
    rows = []
    start = time.monotonic()
    prev = {"cpu": cpu_seconds(srv.pid), "counts": counters.snapshot()}
    for tick in range(1, seconds + 1):
        time.sleep(max(0.0, start + tick - time.monotonic()))
        status = srv.exit_status()
        if status is not None:
            return rows, ("server died", f"the server {ended(status)} during the run (t={tick} s)")
        for p in procs:
            if not p.is_alive():
                return rows, ("load died", f"load generator {p.name} died (exit {p.exitcode}) at t={tick} s")
        try:
            row = sample_once(srv, probe, counters, tick, start, prev)
        except (OSError, AssertionError) as e:
            return rows, ("server gone", f"the server could not be sampled at t={tick} s ({e})")
        rows.append(row)
        if tick % 10 == 0:
            lat = "-" if row["latency_ms"] is None else f"{row['latency_ms']:.2f} ms"
            print(f"soak: t={tick} s  rss {row['rss_kib'] / 1024:.1f} MiB  fds {row['fds']}  latency {lat}  "
                  f"delivered {row['delivered_per_s']}/s  churn {row['churn_cycles_per_s']}/s  "
                  f"server cpu {row['server_cpu_pct']}%  errors {counters.snapshot()['errors']}", flush=True)
    return rows, None


def stop_load(procs, end_at, at_once):
    """Waits for the load processes to finish by themselves (or, at_once,
    stops them): [(name, line)] for those that did not."""
    problems = []
    for p in procs:
        if at_once:
            p.terminate()
        p.join(max(1.0, end_at - time.monotonic() + 15))
        if p.is_alive():
            p.terminate()
            p.join(5)
            problems.append(("load stuck", f"load generator {p.name} did not stop by itself"))
        elif p.exitcode != 0 and not at_once:
            problems.append(("load died", f"load generator {p.name} exited with {p.exitcode}"))
    return problems


def server_summary(srv):
    try:
        samples = parse(fetch(srv.host, srv.port))
    except Exception as e:  # the summary is informative only
        return f"(metrics unavailable: {e})"
    parts = [f"{k}={v:g}" for k, v in samples.items()
             if k.split("{")[0] in SUMMARY_METRICS and (v or "{" not in k)]  # labelled zeros left out
    return " ".join(parts)


def write_csv(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r[k] is None else (round(r[k], 3) if isinstance(r[k], float) else r[k]))
                        for k in COLUMNS})


def run(args):
    """The whole run; returns [(ok, name, line)] of every check."""
    os.makedirs(args.out, exist_ok=True)
    srv = serving.SoakServer(args.bin, args.out, args.overflow, args.log_level)
    procs = []
    try:
        srv.wait_ready()
        counters = counting.Counters()
        end_at = time.monotonic() + args.seconds + 2
        ctx = multiprocessing.get_context("fork")
        procs = [ctx.Process(target=body, args=(srv, counters, end_at), name=name, daemon=True)
                 for name, body in (("fanout", fanout.run), ("traffic", traffic.run))]
        for p in procs:
            p.start()
        probe = probing.LatencyProbe(srv)
        print(f"soak: wshub pid {srv.pid} on {srv.host}:{srv.port}, --overflow {args.overflow}, "
              f"{args.seconds} s, warm-up {args.warmup} s, output in {args.out}", flush=True)
        rows, early = sample(srv, probe, counters, procs, args.seconds)
        problems = ([early] if early else []) + stop_load(procs, end_at, early is not None)
        server_died = early is not None and early[0].startswith("server")
        probe.close()
        load_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
        print(f"soak: load generators used {load_cpu.ru_utime + load_cpu.ru_stime:.1f} s of CPU, "
              f"{counters.snapshot()['errors']} unexpected errors; server: {server_summary(srv)}", flush=True)
        status = srv.stop()
        if status != 0 and not server_died:
            problems.append(("server exit", "the server did not exit within 30 s of SIGTERM" if status is None
                             else f"the server {ended(status)} after SIGTERM"))
    finally:
        for p in procs:
            if p.is_alive():
                p.terminate()
        if srv.exit_status() is None:
            srv.process.kill()
    return report(args, rows, problems)


def report(args, rows, problems):
    write_csv(os.path.join(args.out, "soak.csv"), rows)
    checks, trends = trend.judge(rows, args.warmup)
    first = {}  # one line per kind of problem: a load process that died is seen twice
    for name, line in problems:
        first.setdefault(name, line)
    checks = [(False, name, line) for name, line in first.items()] + checks
    failed = [name for ok, name, _ in checks if not ok]
    headline = f"wshub soak: {'FAIL (' + ', '.join(failed) + ')' if failed else 'ok'}"
    subtitle = (f"{len(rows)} s of mixed load, --overflow {args.overflow}, warm-up {args.warmup} s not judged; "
                f"{os.path.basename(args.bin)}")
    if rows:
        plot.write_svg(os.path.join(args.out, "soak.svg"), rows, trends, args.warmup, headline, subtitle)
    return checks


def main(argv):
    args = parse_args(argv)
    checks = run(args)
    for ok, _, line in checks:
        print(f"soak: {'ok  ' if ok else 'FAIL'} {line}")
    print(f"soak: wrote {os.path.join(args.out, 'soak.csv')} and soak.svg")
    failed = [line for ok, _, line in checks if not ok]
    print(f"soak: FAIL: {failed[0]}" if failed else "soak: ok: no upward trend, server up and answering throughout")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
