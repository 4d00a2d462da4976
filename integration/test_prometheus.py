"""Debian's own Prometheus tools against a live wshub: `promtool check
metrics` must find nothing to complain about in a scrape taken after real
traffic, and a real Prometheus server (loopback only, a temporary data
directory, a 1 s scrape interval) must ingest it and answer queries with the
values the test set up."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

from wshub_test.binary import free_port
from wshub_test.client import RawClient
from wshub_test.metrics import fetch

PACKAGE = "prometheus"  # Debian's package: promtool and the prometheus server


def tool(name):
    path = shutil.which(name)
    if path:
        return path
    why = f"{name} is not installed (apt-get install -y --no-install-recommends {PACKAGE})"
    if os.environ.get("CI"):
        pytest.fail(why + "; CI installs it, so its absence there is an error")
    pytest.skip(why)


def traffic(server):
    """Upgrades, echoes, a raw room fan-out and a refusal, so every histogram
    and most counters hold data."""
    with RawClient(server.host, server.port) as c:
        c.handshake("/echo")
        for i in range(3):
            c.echo_roundtrip(f"m{i}")
    members = [RawClient(server.host, server.port) for _ in range(3)]
    try:
        for m in members:
            m.handshake("/raw?room=t")
        members[0].send_text("to the room")
        for m in members[1:]:
            m.expect_message(0x1, b"to the room")
    finally:
        for m in members:
            m.close()
    with RawClient(server.host, server.port) as c:
        c.send(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_http_response().status == 404


def promtool_check(text):
    r = subprocess.run([tool("promtool"), "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0 and r.stdout == "" and r.stderr == "", (
        f"promtool check metrics exited {r.returncode}:\n{r.stdout}{r.stderr}\n--- the scrape:\n{text}")


def test_promtool_finds_a_live_scrape_clean(wshub):
    s = wshub("--workers", "2")
    traffic(s)
    text = fetch(s.host, s.port)
    assert 'wshub_handshake_duration_seconds_bucket{le="+Inf"} 4' in text
    assert "wshub_publish_to_write_seconds_count 5" in text  # 3 echoes, 2 room deliveries
    promtool_check(text)


def test_promtool_finds_the_metrics_listener_clean(wshub):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}")
    traffic(s)
    promtool_check(fetch(s.host, mport))


class PrometheusServer:
    """A Prometheus on 127.0.0.1 scraping one target every second, with its
    data in a temporary directory; stopped (and the directory removed) by
    stop()."""

    def __init__(self, target):
        self.dir = tempfile.mkdtemp(prefix="wshub-prom-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write(
                "global:\n"
                "  scrape_interval: 1s\n"
                "  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: wshub\n"
                "    static_configs:\n"
                f"      - targets: ['{target}']\n")
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w+")
        self.process = subprocess.Popen(
            [tool("prometheus"), f"--config.file={config}", f"--storage.tsdb.path={self.dir}/data",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()[-4000:]

    def get(self, path, **params):
        url = f"http://127.0.0.1:{self.port}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=3) as r:
            return r.read().decode()

    def query(self, expr):
        """The instant vector `expr` evaluates to, as [(labels, value)]."""
        body = json.loads(self.get("/api/v1/query", query=expr))
        assert body["status"] == "success", body
        assert body["data"]["resultType"] == "vector", body
        return [(r["metric"], float(r["value"][1])) for r in body["data"]["result"]]

    def wait(self, what, check, timeout=40.0):
        """Polls check() (a value, or None while not there yet) until it has one."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"prometheus exited with {self.process.returncode}:\n{self.logs()}")
            try:
                last = check()
            except OSError as e:  # not listening yet
                last = e
            else:
                if last is not None:
                    return last
            time.sleep(0.25)
        pytest.fail(f"prometheus: no {what} within {timeout}s (last: {last!r}):\n{self.logs()}")

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def prometheus():
    servers = []

    def start(target):
        servers.append(PrometheusServer(target))
        return servers[-1]

    yield start
    for p in servers:
        p.stop()


def test_prometheus_scrapes_and_queries_wshub(wshub, prometheus):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}", "--workers", "2")
    held = [RawClient(s.host, s.port) for _ in range(3)]
    try:
        for c in held:
            c.handshake("/echo")
            c.echo_roundtrip("hello")
        prom = prometheus(f"127.0.0.1:{mport}")

        def value_of(expr, want):
            got = prom.query(expr)
            return got if got and got[0][1] == want else None

        # Ingested: the target is up and a scrape taken while 3 are open says so.
        prom.wait("target up", lambda: value_of('up{job="wshub"}', 1.0))
        [(labels, _)] = prom.wait("wshub_connections == 3", lambda: value_of("wshub_connections", 3.0))
        assert labels["job"] == "wshub" and labels["instance"] == f"127.0.0.1:{mport}"
        prom.wait("3 upgrades", lambda: value_of("wshub_connections_upgraded_total", 3.0))
        prom.wait("3 handshakes", lambda: value_of("wshub_handshake_duration_seconds_count", 3.0))
        prom.wait("3 echoes", lambda: value_of("wshub_publish_to_write_seconds_count", 3.0))
        # The buckets are usable as a histogram: a quantile of them is a
        # number within the bucket range (every echo here is under 10 s).
        [(_, median)] = prom.query("histogram_quantile(0.5, wshub_publish_to_write_seconds_bucket)")
        assert 0 < median <= 10
        [(_, workers)] = prom.query("wshub_workers")
        assert workers == 2
        [(labels, one)] = prom.query("wshub_build_info")
        assert one == 1 and labels["version"] == "0.1.0"
    finally:
        for c in held:
            c.close()
    # ... and it follows the gauge back down.
    prom.wait("wshub_connections == 0", lambda: value_of("wshub_connections", 0.0))
    targets = json.loads(prom.get("/api/v1/targets"))["data"]["activeTargets"]
    assert [t["health"] for t in targets] == ["up"] and targets[0]["lastError"] == "", targets
