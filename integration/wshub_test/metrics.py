"""GET /metrics: the exposition text, a scrape as {series: value} (a series
being the metric name with its labels exactly as exposed), and histograms as
buckets, sum and count, with the Prometheus invariants checked on the way."""

import math
import time
import urllib.request

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def fetch(host, port, path="/metrics", timeout=3):
    """The exposition text (asserting 200 and its content type)."""
    with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=timeout) as r:
        assert r.status == 200, r.status
        assert r.headers["Content-Type"] == CONTENT_TYPE, r.headers["Content-Type"]
        return r.read().decode()


def parse(text):
    """{series: value} of every sample line; asserts each is "series value"
    and no series is repeated."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, _, value = line.rpartition(" ")
        assert series and series not in samples, f"bad or repeated sample line {line!r}"
        samples[series] = float(value)
    return samples


def scrape(server, port=None):
    """Parsed samples from the server's main port, or from `port`."""
    return parse(fetch(server.host, port or server.port))


class Histogram:
    def __init__(self, samples, name):
        self.name = name
        self.buckets = []  # (le as exposed, cumulative count), in order
        prefix = name + '_bucket{le="'
        for series, v in samples.items():
            if series.startswith(prefix):
                self.buckets.append((series[len(prefix):-2], v))
        assert self.buckets, f"no {name}_bucket series"
        assert self.buckets[-1][0] == "+Inf", f"{name}: last bucket is {self.buckets[-1][0]}, not +Inf"
        bounds = [float(le) for le, _ in self.buckets]
        assert bounds == sorted(bounds) and len(set(bounds)) == len(bounds), f"{name}: bounds not ascending"
        counts = [c for _, c in self.buckets]
        assert counts == sorted(counts), f"{name}: buckets not cumulative: {self.buckets}"
        self.count = samples[name + "_count"]
        self.sum = samples[name + "_sum"]
        assert self.count == counts[-1], f"{name}: _count {self.count} != +Inf bucket {counts[-1]}"
        assert self.sum >= 0 and math.isfinite(self.sum)

    def le(self, bound):
        """The cumulative count at the bucket whose `le` is `bound` (a string as exposed)."""
        for le, c in self.buckets:
            if le == bound:
                return c
        raise AssertionError(f"{self.name}: no bucket le={bound!r} in {[b for b, _ in self.buckets]}")


def wait_for(server, predicate, timeout=5.0, port=None):
    """Scrapes until predicate(samples) is true; returns those samples."""
    deadline = time.monotonic() + timeout
    while True:
        samples = scrape(server, port)
        if predicate(samples):
            return samples
        if time.monotonic() > deadline:
            raise AssertionError(f"metrics did not reach the expected state within {timeout}s")
        time.sleep(0.05)
