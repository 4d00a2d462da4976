#!/usr/bin/python3
"""Summarises the runs scripts/bench.sh wrote: medians per case and server,
ratios of wshub to each peer taken round by round (the machine's speed drifts
between rounds, so only figures from the same round are compared), and the
chart. Runs during which the hypervisor took more than BENCH_MAX_STEAL percent
(default 5) of the machine are left out of the medians, and a round's ratio
is taken only if both of its runs are calm; if no run (or no round) is calm,
all are used.

Compression: wshub-deflate (wshub --compression on) is compared with wshub
(off) like a peer, and a table of its own gives, per case, deliveries/s and
the wire bytes per delivery off and on with their per-round ratios on/off.
Several nodes (bench.sh's nodes case): wshub-redis, wshub-2nodes, socketio and
socketio-2nodes each get the ratio their comparison asks for (NODE_RATIOS), and
a table of their own gives those ratios against the goals of issue 20, with
p99 latency compared too.
Proxies (bench.sh's proxy case): wshub-proxy is compared with nginx-proxy like
wshub with a peer, and a table of its own gives, per case, each proxy's
figures beside those of its upstream measured directly (upstream-direct): the
p50 latency the proxy adds, the round trip's p50 through it less the direct
one's within each round, and the proxy's own CPU time per message.

When RESULTS-deflate.md exists (bench.sh's deflate-zlib case), its tables go
into RESULTS.md after the others.

usage: bench_report.py RESULTS.csv
writes RESULTS-summary.csv, RESULTS.md (the tables as Markdown) and, when
gnuplot is installed, RESULTS.png; prints the tables.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys

# The figure each scenario is judged by, and whether more of it is better.
METRIC = {
    "echo": ("messages_per_s", "msg/s", True),
    "fanout": ("deliveries_per_s", "deliveries/s", True),
    "connect": ("upgrades_per_s", "upgrades/s", True),
    "idle": ("rss_per_conn_bytes", "RSS B/conn", False),
}
MAX_STEAL = float(os.environ.get("BENCH_MAX_STEAL", "5"))
REFERENCE = "wshub"
PEERS = ["beast", "websocketpp"]
SCALED = "wshub-w2"  # wshub --workers 2, compared with wshub --workers 1
BASE = "wshub-base"  # wshub built from an earlier commit (bench.sh's BENCH_BASE), a peer like the others
DEFLATE = "wshub-deflate"  # wshub --compression on, compared with wshub (off)
# The compression goal (issue 15): deliveries/s with compression on at least this share of off.
DEFLATE_GOAL = 0.8
# Servers of several nodes (bench.sh's nodes case): per server, the server it
# is compared with, the ratio's label (this/that, in deliveries/s), and the
# goal of issue 20 (None: figures only). The p99 goal: wshub-2nodes's p99
# below socketio-2nodes's.
NODE_RATIOS = {
    "wshub-redis": ("wshub", "redis/none", 0.9),
    "wshub-2nodes": ("wshub", "2nodes/1node", 0.8),
    "socketio": ("wshub", "socketio/wshub", None),
    "socketio-2nodes": ("wshub-2nodes", "socketio-2nodes/wshub-2nodes", None),
}
NODE_GOALS = [  # (label, numerator server, denominator server, metric key, goal: ratio at least)
    ("wshub-2nodes / socketio-2nodes, deliveries/s", "wshub-2nodes", "socketio-2nodes", "deliveries_per_s", 20),
    ("wshub-2nodes / wshub (1 node), deliveries/s", "wshub-2nodes", "wshub", "deliveries_per_s", 0.8),
    ("wshub-redis / wshub (no Redis), deliveries/s", "wshub-redis", "wshub", "deliveries_per_s", 0.9),
    ("wshub / socketio (1 node each), deliveries/s", "wshub", "socketio", "deliveries_per_s", None),
    ("p99: socketio-2nodes / wshub-2nodes", "socketio-2nodes", "wshub-2nodes", "p99_us", 1),
    ("p99: socketio / wshub", "socketio", "wshub", "p99_us", None),
    ("server CPU per delivery: socketio-2nodes / wshub-2nodes", "socketio-2nodes", "wshub-2nodes", "us_per_op", None),
]
# The proxy case: the upstream echo server measured directly, and the proxies
# in front of it (a proxy's CPU figures are its own, not its upstream's);
# wshub-proxy is the reference, nginx-proxy its peer.
DIRECT = "upstream-direct"
WSHUB_PROXY = "wshub-proxy"
NGINX_PROXY = "nginx-proxy"


def num(row, key):
    try:
        return float(row.get(key, ""))
    except ValueError:
        return None


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, digits=0):
    if v is None:
        return "-"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def per_op_us(row, scenario):
    """Server CPU microseconds per operation (round trip, delivery, upgrade)."""
    user, sys_, dur = num(row, "server_user_s"), num(row, "server_sys_s"), num(row, "duration_s")
    rate = num(row, METRIC[scenario][0])
    if None in (user, sys_, dur, rate) or rate <= 0 or scenario == "idle":
        return None
    return (user + sys_) / (rate * dur) * 1e6


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    cases, runs = [], {}
    for r in rows:
        us = per_op_us(r, r["scenario"])
        r["us_per_op"] = "" if us is None else str(us)
        case = r["case"]
        if case not in cases:
            cases.append(case)
        runs.setdefault((case, r["server"]), {})[r["round"]] = r
    return cases, runs


def calm(row):
    """The hypervisor took at most MAX_STEAL percent during the run (or the
    run predates the steal column)."""
    steal = num(row, "steal_pct")
    return steal is None or steal <= MAX_STEAL


def calm_or_all(rows):
    rows = list(rows)
    quiet = [r for r in rows if calm(r)]
    return quiet or rows


def ratio_stats(a_runs, b_runs, key, invert=False):
    """Median, min and max over rounds of a/b (b/a with invert), same round
    only, and the number of rounds: those where both runs were calm, or every
    round if none was."""
    return paired_stats(a_runs, b_runs, key, (lambda x, y: y / x) if invert else (lambda x, y: x / y))


def paired_stats(a_runs, b_runs, key, combine):
    """As ratio_stats, of combine(a's figure, b's figure) in each round."""
    pairs = []
    for rnd, a in a_runs.items():
        b = b_runs.get(rnd)
        if b is None or a.get("ok") != "1" or b.get("ok") != "1":
            continue
        x, y = num(a, key), num(b, key)
        if x is None or y is None or x <= 0 or y <= 0:
            continue
        pairs.append((calm(a) and calm(b), combine(x, y)))
    ratios = [r for quiet, r in pairs if quiet] or [r for _, r in pairs]
    if not ratios:
        return None
    return statistics.median(ratios), min(ratios), max(ratios), len(ratios)


def summarise(cases, runs):
    out = []
    servers = [REFERENCE] + PEERS + [BASE, SCALED, DEFLATE] + list(NODE_RATIOS) + [DIRECT, WSHUB_PROXY, NGINX_PROXY]
    for case in cases:
        for server in servers:
            rs = runs.get((case, server))
            if not rs:
                continue
            any_row = next(iter(rs.values()))
            scenario = any_row["scenario"]
            key, unit, _ = METRIC[scenario]
            clean = [r for r in rs.values() if r.get("ok") == "1"]
            good = calm_or_all(clean)
            dur = lambda r: num(r, "duration_s") or 1
            s = {
                "case": case, "scenario": scenario, "server": server, "unit": unit,
                "runs": len(rs), "failed_runs": len(rs) - len(clean), "stolen_runs": len(clean) - len(good),
                "value": median(num(r, key) for r in good),
                "p50_us": median(num(r, "p50_us") for r in good),
                "p99_us": median(num(r, "p99_us") for r in good),
                "p999_us": median(num(r, "p999_us") for r in good),
                "server_user_pct": median((num(r, "server_user_s") or 0) / dur(r) * 100 for r in good),
                "server_sys_pct": median((num(r, "server_sys_s") or 0) / dur(r) * 100 for r in good),
                "server_cpu_pct": median(num(r, "server_cpu_pct") for r in good),
                "gen_cpu_pct": median(num(r, "cpu_measuring_pct") for r in good),
                "steal_pct": median(num(r, "steal_pct") for r in good),
                "us_per_op": median(per_op_us(r, scenario) for r in good),
                "kernel_per_conn": median(num(r, "kernel_per_conn_bytes") for r in good),
                "wire_bytes": median(num(r, "wire_bytes_per_delivery") for r in good),
                "compressed_pct": median(num(r, "compressed_pct") for r in good),
                "loss": sum(int(num(r, "loss") or 0) for r in rs.values()),
                "errors": sum(int(num(r, "errors") or 0) for r in rs.values()),
            }
            ref = runs.get((case, REFERENCE), {})
            s["cost_ratio"] = None
            if (server in PEERS or server == BASE) and ref:
                s["ratio"] = ratio_stats(ref, rs, key)  # wshub / peer
                s["ratio_of"] = "wshub/" + server
                if scenario != "idle":
                    s["cost_ratio"] = ratio_stats(rs, ref, "us_per_op")  # peer's CPU per op / wshub's
            elif server == SCALED and ref:
                s["ratio"] = ratio_stats(rs, ref, key)  # w2 / w1
                s["ratio_of"] = "w2/w1"
            elif server == DEFLATE and ref:
                s["ratio"] = ratio_stats(rs, ref, key)  # on / off
                s["ratio_of"] = "on/off"
                s["cost_ratio"] = ratio_stats(rs, ref, "us_per_op")  # on's CPU per op / off's
                s["wire_ratio"] = ratio_stats(rs, ref, "wire_bytes_per_delivery")
            elif server in NODE_RATIOS and runs.get((case, NODE_RATIOS[server][0])):
                other, label, _ = NODE_RATIOS[server]
                s["ratio"] = ratio_stats(rs, runs[(case, other)], key)
                s["ratio_of"] = label
            elif server == NGINX_PROXY and runs.get((case, WSHUB_PROXY)):
                wshub_proxy = runs[(case, WSHUB_PROXY)]
                s["ratio"] = ratio_stats(wshub_proxy, rs, key)  # wshub-proxy / nginx-proxy
                s["ratio_of"] = WSHUB_PROXY + "/" + NGINX_PROXY
                s["cost_ratio"] = ratio_stats(rs, wshub_proxy, "us_per_op")  # nginx's CPU per message / wshub's
            else:
                s["ratio"], s["ratio_of"] = None, ""
            if server in (WSHUB_PROXY, NGINX_PROXY) and runs.get((case, DIRECT)):
                # The round trip's p50 through the proxy less the direct one's, round by round.
                s["added_p50"] = paired_stats(rs, runs[(case, DIRECT)], "p50_us", lambda x, y: x - y)
            out.append(s)
    return out


def ratio_text(r):
    if not r:
        return "-"
    m, lo, hi, n = r
    return f"{m:.2f} ({lo:.2f}-{hi:.2f}, {n})"


HEAD = ["case", "server", "median", "p50 us", "p99 us", "server CPU usr+sys %", "bench CPU %", "steal %",
        "server us/op", "ratio (min-max, rounds)", "us/op peer/wshub"]
IDLE_HEAD = ["case", "server", "RSS B/conn", "kernel B/conn", "ratio (min-max, rounds)"]


def runs_note(s):
    """After a server's name: how many of its runs failed, and how many were
    calm when some were not."""
    note = " (%d failed)" % s["failed_runs"] if s["failed_runs"] else ""
    note += " (%d of %d calm)" % (s["runs"] - s["failed_runs"] - s["stolen_runs"], s["runs"]) if s["stolen_runs"] else ""
    return note


def table_rows(summary):
    rows, idle = [], []
    for s in summary:
        ratio = (s["ratio_of"] + " " + ratio_text(s["ratio"])) if s["ratio"] else "-"
        note = runs_note(s)
        if s["scenario"] == "idle":
            idle.append([s["case"], s["server"] + note, fmt(s["value"]), fmt(s["kernel_per_conn"]), ratio])
            continue
        cpu = "-" if s["server_user_pct"] is None else f"{s['server_user_pct']:.0f}+{s['server_sys_pct']:.0f}"
        rows.append([s["case"], s["server"] + note, fmt(s["value"]) + " " + s["unit"], fmt(s["p50_us"]),
                     fmt(s["p99_us"]), cpu, fmt(s["gen_cpu_pct"]), fmt(s["steal_pct"]), fmt(s["us_per_op"], 2), ratio,
                     ratio_text(s["cost_ratio"])])
    return rows, idle


DEFLATE_HEAD = ["case", "deliveries/s off", "on", f"on/off (min-max, rounds; goal {DEFLATE_GOAL})",
                "wire B/delivery off", "on", "on/off (min-max, rounds)", "compressed %", "server us/op off", "on"]


def deflate_rows(summary):
    """Per case with both wshub and wshub-deflate: the figures off and on."""
    by = {(s["case"], s["server"]): s for s in summary}
    rows = []
    for (case, server), on in by.items():
        off = by.get((case, REFERENCE))
        if server != DEFLATE or not off:
            continue
        rows.append([case, fmt(off["value"]), fmt(on["value"]), ratio_text(on["ratio"]), fmt(off["wire_bytes"], 1),
                     fmt(on["wire_bytes"], 1), ratio_text(on.get("wire_ratio")), fmt(on["compressed_pct"], 1),
                     fmt(off["us_per_op"], 2), fmt(on["us_per_op"], 2)])
    return rows


NODES_HEAD = ["case", "ratio", "median (min-max, rounds)", "goal", "met"]
PROXY_HEAD = ["case", "server", "msg/s", "p50 us", "p99 us", "p50 added us (min-max, rounds)", "server CPU us/msg",
              f"{WSHUB_PROXY}/{NGINX_PROXY} msg/s (min-max, rounds)", "CPU us/msg nginx/wshub (min-max, rounds)"]


def proxy_rows(summary):
    """Per case of the proxy scenario: the upstream alone, then each proxy in
    front of it, with the latency it adds and the ratios wshub-proxy against
    nginx-proxy (on nginx-proxy's line)."""
    rows = []
    for s in summary:
        if s["server"] not in (DIRECT, WSHUB_PROXY, NGINX_PROXY):
            continue
        added = s.get("added_p50")
        added_text = "-" if not added else f"{added[0]:,.0f} ({added[1]:,.0f}-{added[2]:,.0f}, {added[3]})"
        rows.append([s["case"], s["server"] + runs_note(s), fmt(s["value"]), fmt(s["p50_us"]), fmt(s["p99_us"]), added_text,
                     fmt(s["us_per_op"], 2), ratio_text(s["ratio"]) if s["server"] == NGINX_PROXY else "-",
                     ratio_text(s["cost_ratio"]) if s["server"] == NGINX_PROXY else "-"])
    return rows


def nodes_rows(cases, runs):
    """Per case with servers of several nodes: NODE_GOALS's ratios, each the
    median (min-max) of its per-round ratios."""
    rows = []
    for case in cases:
        if not any((case, server) in runs for server in NODE_RATIOS):
            continue
        for label, num_server, den_server, key, goal in NODE_GOALS:
            a, b = runs.get((case, num_server)), runs.get((case, den_server))
            r = ratio_stats(a, b, key) if a and b else None
            if not r:
                continue
            met = "-" if goal is None else ("yes" if r[0] >= goal else "NO")
            rows.append([case, label, ratio_text(r), "-" if goal is None else f">= {goal:g}", met])
    return rows


def text_table(head, rows):
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)] if rows else [len(h) for h in head]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths))
    return "\n".join([line(head)] + [line(r) for r in rows])


def md_table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def triple(r, invert=False):
    """A ratio's median, min and max as chart cells; NaN (no bar) without one."""
    if not r:
        return ["NaN"] * 3
    m, lo, hi, _ = r
    if invert:
        m, lo, hi = 1 / m, 1 / hi, 1 / lo
    return [f"{m:.4f}", f"{lo:.4f}", f"{hi:.4f}"]


def chart(summary, prefix):
    """Two panels of bars per case, whiskers min-max over the rounds. Top: how
    many times better wshub did than each peer (more throughput, or less
    memory), --workers 2 over 1, and compression on over off. Bottom: the
    peer's server CPU time per operation over wshub's, which holds even where
    the generator is the limit."""
    if not shutil.which("gnuplot"):
        print("bench_report: gnuplot not found (apt-get install gnuplot-nox): no chart", file=sys.stderr)
        return None
    by_case = {}
    for s in summary:
        by_case.setdefault(s["case"], {})[s["server"]] = s
    data = prefix + ".chart.dat"
    with open(data, "w") as f:
        f.write("# case, then median min max of: wshub/beast, wshub/websocketpp, w2/w1, "
                "cost beast/wshub, cost websocketpp/wshub, compression on/off, "
                "wshub-proxy/nginx-proxy, cost nginx-proxy/wshub-proxy\n")
        for case, per in by_case.items():
            idle = any(s["scenario"] == "idle" for s in per.values())
            cells = ['"' + case + ("\\n(RSS/conn)" if idle else "") + '"']
            for who in PEERS + [SCALED]:
                s = per.get(who)
                # Less memory is better: show peer/wshub.
                cells += triple(s and s["ratio"], invert=bool(s) and s["scenario"] == "idle")
            for who in PEERS:
                s = per.get(who)
                cells += triple(s and s["cost_ratio"])
            s = per.get(DEFLATE)
            cells += triple(s and s["ratio"])
            s = per.get(NGINX_PROXY)
            cells += triple(s and s["ratio"]) + triple(s and s["cost_ratio"])
            f.write(" ".join(cells) + "\n")
    png = prefix + ".png"
    with open(data) as f:
        rows = [line.split() for line in f if not line.startswith("#")]
    # gnuplot refuses a histogram series without one valid point: plot only
    # the series some case has, and only the panels with any.
    def plotted(series):
        kept = [(col, title, colour) for col, title, colour in series if any(r[col - 1] != "NaN" for r in rows)]
        parts = [f'"{data}" using {col}:{col + 1}:{col + 2}' + (":xtic(1)" if i == 0 else "") +
                 f' title "{title}" lc rgb "{colour}"' for i, (col, title, colour) in enumerate(kept)]
        return "plot " + ", \\\n     ".join(parts) if parts else ""
    top = plotted([(2, "wshub / Beast", "#1f77b4"), (5, "wshub / WebSocket++", "#ff7f0e"),
                   (8, "wshub --workers 2 / --workers 1", "#2ca02c"), (17, "wshub --compression on / off", "#9467bd"),
                   (20, "wshub proxy / nginx proxy", "#8c564b")])
    bottom = plotted([(11, "Beast / wshub", "#1f77b4"), (14, "WebSocket++ / wshub", "#ff7f0e"),
                      (23, "nginx proxy / wshub proxy", "#8c564b")])
    if not top and not bottom:
        print("bench_report: no ratio to chart", file=sys.stderr)
        return None
    script = f"""
set terminal pngcairo size 960,{720 if top and bottom else 400} font "DejaVu Sans,10"
set output "{png}"
set multiplot layout {2 if top and bottom else 1},1
set logscale y 2
set grid ytics
set key top left
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set xtics nomirror
set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb "#444444"
set title "wshub vs peers: throughput (idle: memory per connection), median of per-round ratios, whiskers min-max"
set ylabel "times better for wshub (1 = equal)"
set yrange [0.25:*]
{top}
set title "server CPU time per operation: peer / wshub (above 1: wshub is cheaper)"
set ylabel "peer's CPU per op / wshub's"
set bmargin 4
{bottom}
unset multiplot
"""
    res = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if res.returncode != 0:
        print("bench_report: gnuplot failed:\n" + res.stderr, file=sys.stderr)
        return None
    return png


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = sys.argv[1]
    prefix = path[:-4] if path.endswith(".csv") else path
    cases, runs = load(path)
    summary = summarise(cases, runs)
    rows, idle = table_rows(summary)

    with open(prefix + "-summary.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "scenario", "server", "unit", "runs", "failed_runs", "median", "p50_us", "p99_us",
                    "p999_us", "server_user_pct", "server_sys_pct", "server_cpu_pct", "bench_cpu_pct",
                    "server_us_per_op", "kernel_per_conn_bytes", "loss", "errors", "ratio_of", "ratio_median",
                    "ratio_min", "ratio_max", "ratio_rounds", "cost_ratio_median", "cost_ratio_min",
                    "cost_ratio_max", "cost_ratio_rounds", "steal_pct", "calm_runs", "wire_bytes_per_delivery",
                    "compressed_pct", "wire_ratio_median", "wire_ratio_min", "wire_ratio_max", "wire_ratio_rounds",
                    "added_p50_us_median", "added_p50_us_min", "added_p50_us_max", "added_p50_us_rounds"])
        for s in summary:
            r = s["ratio"] or (None, None, None, 0)
            c = s["cost_ratio"] or (None, None, None, 0)
            wr = s.get("wire_ratio") or (None, None, None, 0)
            ad = s.get("added_p50") or (None, None, None, 0)
            w.writerow([s["case"], s["scenario"], s["server"], s["unit"], s["runs"], s["failed_runs"], s["value"],
                        s["p50_us"], s["p99_us"], s["p999_us"], s["server_user_pct"], s["server_sys_pct"],
                        s["server_cpu_pct"], s["gen_cpu_pct"], s["us_per_op"], s["kernel_per_conn"], s["loss"],
                        s["errors"], s["ratio_of"], *r, *c, s["steal_pct"],
                        s["runs"] - s["failed_runs"] - s["stolen_runs"], s["wire_bytes"], s["compressed_pct"], *wr, *ad])
    compression = deflate_rows(summary)
    nodes = nodes_rows(cases, runs)
    proxies = proxy_rows(summary)
    zlib_tables = None
    if os.path.exists(prefix + "-deflate.md"):
        with open(prefix + "-deflate.md") as f:
            zlib_tables = f.read().rstrip("\n")
    with open(prefix + ".md", "w") as f:
        f.write(md_table(HEAD, rows) + "\n")
        if idle:
            f.write("\n" + md_table(IDLE_HEAD, idle) + "\n")
        if nodes:
            f.write("\nSeveral nodes: wshub over Redis against Socket.IO 4 with @socket.io/redis-adapter\n\n")
            f.write(md_table(NODES_HEAD, nodes) + "\n")
        if proxies:
            f.write("\nProxies: echo through wshub's proxy route and nginx, against the upstream alone\n\n")
            f.write(md_table(PROXY_HEAD, proxies) + "\n")
        if compression:
            f.write("\nCompression (permessage-deflate): wshub --compression on against off\n\n")
            f.write(md_table(DEFLATE_HEAD, compression) + "\n")
        if zlib_tables:
            f.write("\nwshub's deflate against zlib (scripts/deflate-bench.sh)\n\n" + zlib_tables + "\n")
    print(text_table(HEAD, rows))
    if idle:
        print()
        print(text_table(IDLE_HEAD, idle))
    if nodes:
        print("\nseveral nodes: wshub over Redis against Socket.IO 4 with @socket.io/redis-adapter")
        print(text_table(NODES_HEAD, nodes))
    if proxies:
        print("\nproxies: echo through wshub's proxy route and nginx, against the upstream alone")
        print(text_table(PROXY_HEAD, proxies))
    if compression:
        print("\ncompression: wshub --compression on against off")
        print(text_table(DEFLATE_HEAD, compression))
    png = chart(summary, prefix)
    print(f"\nsummary: {prefix}-summary.csv  markdown: {prefix}.md" + (f"  chart: {png}" if png else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
