"""The verdict on a soak's samples: least-squares trends of the server's
RSS and open fds after the warm-up, and gaps in the latency probe. The
limits are explained at the top of scripts/soak.sh."""

import statistics

WARMUP_S = 60               # samples before this are not judged: buffers, caches and arenas fill
MIN_JUDGED = 30             # fewest samples after the warm-up for a trend to mean anything
RSS_MIB_PER_10MIN = 12.0    # RSS fails when its fitted growth is faster than this ...
RSS_SHARE_OF_MEDIAN = 0.10  # ... and, over the judged span, larger than this share of its median
FDS_OVER_SPAN = 20          # fds fail when their fitted growth over the judged span is larger
PROBE_GAP_S = 5             # the probe fails when no probe message arrives for longer


def fit_line(xs, ys):
    """Least-squares (slope, intercept) of ys over xs."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx if sxx else 0.0
    return slope, my - slope * mx


class Trend:
    """The fitted line of one column over the judged samples."""

    def __init__(self, rows, column, warmup):
        judged = [r for r in rows if r["t_s"] > warmup and r[column] is not None]
        self.xs = [r["t_s"] for r in judged]
        ys = [r[column] for r in judged]
        self.enough = len(judged) >= MIN_JUDGED
        self.slope, self.intercept = fit_line(self.xs, ys) if self.enough else (0.0, 0.0)
        self.span = self.xs[-1] - self.xs[0] if self.enough else 0
        self.growth = self.slope * self.span
        self.median = statistics.median(ys) if ys else 0

    def at(self, x):
        return self.slope * x + self.intercept


def rss_check(trend):
    """(ok, name, line) for the RSS trend (KiB samples)."""
    per_10min = trend.slope * 600 / 1024
    share = trend.growth / trend.median if trend.median else 0.0
    ok = not (per_10min > RSS_MIB_PER_10MIN and share > RSS_SHARE_OF_MEDIAN)
    return ok, "rss trend", (f"rss: {trend.slope:+.2f} KiB/s ({per_10min:+.2f} MiB per 10 min), "
                f"{trend.growth / 1024:+.2f} MiB over {trend.span} s = {share:+.1%} of the median "
                f"{trend.median / 1024:.1f} MiB (fails above {RSS_MIB_PER_10MIN:g} MiB per 10 min "
                f"and {RSS_SHARE_OF_MEDIAN:.0%} of the median)")


def fds_check(trend):
    ok = trend.growth <= FDS_OVER_SPAN
    return ok, "fd trend", (f"fds: {trend.slope * 60:+.3f} per min, {trend.growth:+.1f} over {trend.span} s "
                f"(median {trend.median:g}; fails above +{FDS_OVER_SPAN})")


def longest_probe_gap(rows):
    """The longest run of seconds in which no probe message arrived, the
    start and the end of the run included."""
    longest = run = 0
    for r in rows:
        run = 0 if r["probes_received"] else run + 1
        longest = max(longest, run)
    return longest


def judge(rows, warmup):
    """([(ok, name, line)] for every check on the samples, {column: Trend})."""
    checks = []
    rss, fds = Trend(rows, "rss_kib", warmup), Trend(rows, "fds", warmup)
    if not (rss.enough and fds.enough):
        checks.append((False, "too short", f"too few samples after the {warmup} s warm-up to judge a trend "
                              f"(need {MIN_JUDGED})"))
    else:
        checks += [rss_check(rss), fds_check(fds)]
    gap = longest_probe_gap(rows)
    checks.append((gap <= PROBE_GAP_S, "probe gap",
                   f"latency probe: longest gap {gap} s (fails above {PROBE_GAP_S} s)"))
    return checks, {"rss_kib": rss, "fds": fds}
