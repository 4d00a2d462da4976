"""GET /metrics (README "Operations: metrics"): on the main port every
outcome moves its counter and /healthz and /readyz answer; the latency
histograms and the queued-bytes gauge move with real traffic;
--metrics-listen moves the three endpoints to a listener of their own (the
main port answers 404 for them, the metrics port serves nothing else), whose
scrape still sums every worker and whose address is checked like the main
one; and Debian's own Prometheus tools accept what it exposes: `promtool
check metrics` finds nothing to complain about in a scrape taken after real
traffic, and a real Prometheus server (loopback only, a temporary data
directory, a 1 s scrape interval) ingests it and answers queries with the
values the test set up."""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
import websockets

from wshub_test.binary import free_port, run_wshub
from wshub_test.client import RawClient
from wshub_test.frames import OP_BINARY
from wshub_test.members import member
from wshub_test.metrics import Histogram, fetch, parse, scrape, wait_for


# --------------------------------------------------- the main port
def scrape_text(server):
    """The exposition text from the main port."""
    return fetch(server.host, server.port)


def value(text, series):
    """The value of `series`, which must be written as an integer."""
    m = re.search(r"^" + re.escape(series) + r" (\d+)$", text, re.M)
    assert m, f"{series} not in metrics"
    return int(m.group(1))


def http_status(server, request):
    with RawClient(server.host, server.port) as c:
        c.send(request)
        return c.read_http_response().status


def test_healthz_and_metrics_methods(wshub):
    s = wshub()
    with urllib.request.urlopen(f"http://{s.host}:{s.port}/healthz", timeout=3) as r:
        assert r.status == 200 and r.read() == b"ok\n"
    status = http_status(s, b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
    assert status == 405
    text = scrape_text(s)
    assert value(text, "wshub_http_requests_total") >= 2
    assert value(text, 'wshub_build_info{version="0.1.0"}') == 1


def test_rejections_counted_by_reason(wshub):
    s = wshub("--max-conns", "1", "--handshake-timeout", "300ms", "--route", "/raw=raw",
              "--max-room-conns", "1")
    cases = [
        ("malformed", b"GET / HTTP/1.1\nHost: x\n\n"),
        ("not_found", b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("method", b"POST /raw HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("bad_upgrade", b"GET /raw HTTP/1.1\r\nHost: x\r\n\r\n"),
        ("bad_version", b"GET /raw HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n"),
        ("header_too_large", b"GET /raw HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"),
    ]
    for reason, request in cases:
        http_status(s, request)
    # a room of one, then a second member: refused by the mode; then --max-conns
    first = RawClient(s.host, s.port)
    first.handshake("/raw?room=solo")
    with RawClient(s.host, s.port) as c:
        c.send(b"GET /raw?room=other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert c.read_http_response().status == 503
    first.close()
    time.sleep(0.2)
    second = RawClient(s.host, s.port)
    second.handshake("/raw?room=solo")
    with RawClient(s.host, s.port) as c:
        c.send(b"GET /raw?room=solo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert c.read_http_response().status == 503
    second.close()
    # a client that never finishes its request
    idle = socket.create_connection((s.host, s.port))
    idle.sendall(b"GET /raw HTTP/1.1\r\n")
    idle.settimeout(3)
    assert idle.recv(100) == b""
    idle.close()
    text = scrape_text(s)
    for reason, _ in cases:
        assert value(text, f'wshub_connections_rejected_total{{reason="{reason}"}}') == 1, reason
    assert value(text, 'wshub_connections_rejected_total{reason="max_conns"}') == 2
    assert value(text, 'wshub_connections_rejected_total{reason="handshake_timeout"}') == 1
    assert value(text, "wshub_connections_upgraded_total") == 2


def test_messages_bytes_and_close_codes(wshub):
    s = wshub("--workers", "2")

    async def run():
        async with websockets.connect(s.url("/echo")) as ws:
            for i in range(10):
                await ws.send("x" * 100)
                await ws.recv()
            await ws.close(4000, "bye")
        ws = await websockets.connect(s.url("/echo"))
        await ws.send(b"\xff")  # binary is fine
        await ws.recv()
        await ws.close(1000)

    asyncio.run(run())
    with RawClient(s.host, s.port) as c:
        c.handshake("/echo")
        c.send_frame(0x1, b"\xc0\xaf")  # invalid UTF-8
        c.expect_close(1007)
    time.sleep(0.2)
    text = scrape_text(s)
    assert value(text, "wshub_messages_received_total") == 11
    assert value(text, "wshub_received_bytes_total") == 1001
    assert value(text, "wshub_messages_sent_total") == 11
    assert value(text, "wshub_sent_bytes_total") == 10 * 102 + 3
    assert value(text, 'wshub_connections_closed_total{code="other"}') == 1  # 4000
    assert value(text, 'wshub_connections_closed_total{code="1000"}') == 1
    assert value(text, 'wshub_connections_closed_total{code="1007"}') == 1
    assert value(text, "wshub_connections") == 0
    assert value(text, "wshub_workers") == 2


@pytest.mark.parametrize("policy", ["close", "drop", "block"])
def test_overflow_outcomes_counted(wshub, policy):
    s = wshub("--overflow", policy, "--queue-messages", "8", "--queue-bytes", "8KiB",
              "--block-timeout", "200ms", "--workers", "1")
    slow = socket.socket()
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.connect((s.host, s.port))
    slow.sendall(b"GET /raw?room=r HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    time.sleep(0.2)

    def outcome_shown(text):
        if policy == "block":
            return value(text, 'wshub_messages_dropped_total{reason="block_timeout"}') > 0
        return (value(text, "wshub_slow_consumer_closes_total")
                or value(text, 'wshub_messages_dropped_total{reason="queue_full"}')) > 0

    async def flood(pub):
        for i in range(100000):
            await pub.send("m" * 1000)
            if i % 50 == 0:
                await asyncio.sleep(0)  # let the watcher scrape

    async def run():
        # Flood until the policy's outcome shows in the metrics, then drop the
        # publisher without a close handshake (under block, the server is
        # not reading it, so a close frame would wait behind its messages).
        pub = await websockets.connect(s.url("/raw?room=r"))
        task = asyncio.ensure_future(flood(pub))
        loop = asyncio.get_running_loop()
        try:
            while True:
                text = await loop.run_in_executor(None, scrape_text, s)
                if outcome_shown(text):
                    break
                if task.done():
                    await asyncio.sleep(0.5)
                    assert outcome_shown(await loop.run_in_executor(None, scrape_text, s))
                    break
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            pub.transport.abort()

    asyncio.run(asyncio.wait_for(run(), 30))
    time.sleep(0.5)
    text = scrape_text(s)
    slow.close()
    if policy == "close":
        assert value(text, "wshub_slow_consumer_closes_total") == 1
        assert value(text, 'wshub_connections_closed_total{code="1008"}') == 1
    elif policy == "drop":
        assert value(text, 'wshub_messages_dropped_total{reason="queue_full"}') > 0
    else:
        assert value(text, "wshub_deliveries_parked_total") > 0
        assert value(text, 'wshub_messages_dropped_total{reason="block_timeout"}') > 0


def test_process_metrics_and_readyz(wshub):
    s = wshub("--max-conns", "1")
    text = scrape_text(s)
    rss = float(re.search(r"^process_resident_memory_bytes (\S+)$", text, re.M).group(1))
    assert 256 * 1024 < rss < 512 * 1024 * 1024
    fds = float(re.search(r"^process_open_fds (\S+)$", text, re.M).group(1))
    assert fds >= 4  # stdio, the epoll/eventfd pairs, listeners, this scrape
    assert re.search(r"^process_max_fds \d+", text, re.M)
    start = float(re.search(r"^process_start_time_seconds (\S+)$", text, re.M).group(1))
    assert abs(start - time.time()) < 60
    assert re.search(r"^process_cpu_seconds_total \S+$", text, re.M)
    with urllib.request.urlopen(f"http://{s.host}:{s.port}/readyz", timeout=3) as r:
        assert r.status == 200
    with RawClient(s.host, s.port) as member:
        member.handshake("/echo")
        with pytest.raises(urllib.error.HTTPError) as full:
            urllib.request.urlopen(f"http://{s.host}:{s.port}/readyz", timeout=3)
        assert full.value.code == 503
        assert full.value.headers["Retry-After"] == "1"
        full.value.close()  # else its socket stays open and holds the drain at teardown
    time.sleep(0.2)
    with urllib.request.urlopen(f"http://{s.host}:{s.port}/readyz", timeout=3) as r:
        assert r.status == 200


# ------------------------------------------------- latency histograms
HANDSHAKE = "wshub_handshake_duration_seconds"
PUBLISH = "wshub_publish_to_write_seconds"


def kernel_send_buffer_max():
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        return int(f.read().split()[2])


def test_handshake_histogram_observes_each_upgrade_once(wshub):
    s = wshub("--workers", "2")
    before = Histogram(scrape(s), HANDSHAKE)
    for _ in range(5):
        with RawClient(s.host, s.port) as c:
            c.handshake("/echo")
    # One client waits half a second between connecting and asking for the
    # upgrade: accept to 101 includes that wait.
    with RawClient(s.host, s.port) as c:
        time.sleep(0.5)
        c.handshake("/raw?room=a")
    # Refusals before the upgrade are not handshakes.
    with RawClient(s.host, s.port) as c:
        c.send(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_http_response().status == 404
    samples = scrape(s)
    after = Histogram(samples, HANDSHAKE)
    assert after.count - before.count == 6
    assert after.count == samples["wshub_connections_upgraded_total"]
    assert after.count - after.le("0.25") >= 1  # the one that waited
    assert after.sum - before.sum >= 0.45


def test_publish_to_write_observes_every_member_write(wshub):
    s = wshub("--workers", "2")
    members = [member(s, "r") for _ in range(3)]
    publisher = member(s, "r")
    try:
        before = scrape(s)
        for i in range(5):
            publisher.send_binary(b"m%d" % i)
        for m in members:
            for i in range(5):
                m.expect_message(OP_BINARY, b"m%d" % i)
        samples = wait_for(s, lambda x: x["wshub_messages_sent_total"] - before["wshub_messages_sent_total"] >= 15)
    finally:
        for c in members + [publisher]:
            c.close()
    h0, h1 = Histogram(before, PUBLISH), Histogram(samples, PUBLISH)
    assert h1.count - h0.count == 5 * 3  # M messages to K members
    assert samples["wshub_messages_sent_total"] - before["wshub_messages_sent_total"] == 15
    assert h1.count == samples["wshub_messages_sent_total"]  # one observation per data frame written
    assert 0 < h1.sum - h0.sum < 15 * 5.0


def test_stalled_reader_shows_in_queued_bytes_and_latency(wshub):
    s = wshub("--workers", "1", "--queue-messages", "100000", "--queue-bytes", "64MiB")
    slow = member(s, "r", rcvbuf=4096)
    publisher = member(s, "r")
    payload = b"x" * 1000
    frame_size = 4 + len(payload)
    # More than the kernel's largest send buffer, so that about 1 MiB stays
    # in wshub's own queue however the kernel tunes the buffer.
    n = (kernel_send_buffer_max() + (1 << 20)) // frame_size
    try:
        for _ in range(n):
            publisher.send_binary(payload)
        stalled = wait_for(s, lambda x: x["wshub_messages_received_total"] >= n)
        queued = stalled["wshub_queued_bytes"]
        assert (1 << 20) - 64 * 1024 < queued <= frame_size * n
        time.sleep(0.5)
        got = 0
        deadline = time.monotonic() + 30
        while got < n and time.monotonic() < deadline:
            frames, eof = slow.drain_frames(1.0)
            assert not eof
            got += len(frames)
        assert got == n
        samples = wait_for(s, lambda x: x["wshub_queued_bytes"] == 0)
    finally:
        slow.close()
        publisher.close()
    h = Histogram(samples, PUBLISH)
    assert h.count == n
    # Every frame still in wshub's queue when it was scraped waited the
    # half-second stall at least (the front one may have been half written).
    waited = h.count - h.le("0.25")
    assert waited >= queued // frame_size - 1, (waited, queued // frame_size)


# --------------------------------------------------- --metrics-listen
OPS_PATHS = ("/metrics", "/healthz", "/readyz")


def status(host, port, path):
    try:
        with urllib.request.urlopen(f"http://{host}:{port}{path}", timeout=3) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_endpoints_only_on_the_metrics_listener(wshub):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}", "--workers", "2")
    for path in OPS_PATHS:
        assert status(s.host, s.port, path)[0] == 404, path
    assert status(s.host, mport, "/healthz") == (200, b"ok\n")
    assert status(s.host, mport, "/readyz") == (200, b"ready\n")
    fetch(s.host, mport)  # 200 with the exposition's content type
    # Nothing else there: no WebSocket route, no unknown path.
    with RawClient(s.host, mport) as c:
        c.send(b"GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        assert c.read_http_response().status == 404
    assert status(s.host, mport, "/nope")[0] == 404
    # The main port still upgrades.
    with RawClient(s.host, s.port) as c:
        c.handshake("/echo")
        c.echo_roundtrip("hi")


def test_metrics_listener_sums_every_worker(wshub):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}", "--workers", "2")
    held = [RawClient(s.host, s.port) for _ in range(6)]
    try:
        for c in held:
            c.handshake("/echo")
            c.echo_roundtrip("x" * 10)
        # A worker counts a write once its writev has returned, and the echo
        # may be read before that: wait for the last counts to land.
        samples = wait_for(s, lambda x: x["wshub_messages_sent_total"] >= 6, port=mport)
        assert samples["wshub_connections"] == 6
        assert samples["wshub_connections_upgraded_total"] == 6
        assert samples["wshub_messages_received_total"] == 6
        assert samples["wshub_messages_sent_total"] == 6
        assert Histogram(samples, "wshub_handshake_duration_seconds").count == 6
        assert Histogram(samples, "wshub_publish_to_write_seconds").count == 6
        assert samples["wshub_workers"] == 2
        # the main port's 404s for the ops paths, and requests served here
        for path in OPS_PATHS:
            status(s.host, s.port, path)
        status(s.host, mport, "/healthz")
        before = samples
        samples = scrape(s, port=mport)
        assert samples['wshub_connections_rejected_total{reason="not_found"}'] == 3
        # one /healthz and this scrape (which counts itself)
        assert samples["wshub_http_requests_total"] == before["wshub_http_requests_total"] + 2
    finally:
        for c in held:
            c.close()


def test_readyz_on_the_metrics_listener_follows_max_conns(wshub):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}", "--max-conns", "1")
    assert status(s.host, mport, "/readyz")[0] == 200
    with RawClient(s.host, s.port) as member:
        member.handshake("/echo")
        assert status(s.host, mport, "/readyz") == (503, b"full\n")
    deadline = time.monotonic() + 3
    while status(s.host, mport, "/readyz")[0] != 200:
        assert time.monotonic() < deadline, "/readyz still 503 after the member left"
        time.sleep(0.05)


def test_a_stalled_client_does_not_hold_up_scrapes(wshub):
    # The listener has an event loop of its own: a client that sends half a
    # request and waits ties up nothing but its own connection.
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}", "--handshake-timeout", "2s")
    stalled = [socket.create_connection((s.host, mport), timeout=3) for _ in range(3)]
    try:
        for c in stalled:
            c.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):
            assert "wshub_connections 0" in fetch(s.host, mport)
        # ... and the handshake timeout closes them without an answer
        for c in stalled:
            assert c.recv(100) == b""
    finally:
        for c in stalled:
            c.close()
    assert parse(fetch(s.host, mport))['wshub_connections_rejected_total{reason="handshake_timeout"}'] == 3


def test_busy_metrics_address_exits_1():
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        mport = holder.getsockname()[1]
        r = run_wshub("--listen", f"127.0.0.1:{free_port()}", "--metrics-listen", f"127.0.0.1:{mport}")
        assert r.returncode == 1
        assert f"listen_failed listen=127.0.0.1:{mport}" in r.stderr and "Address already in use" in r.stderr
    finally:
        holder.close()


@pytest.mark.parametrize("main, metrics", [("*:{p}", "127.0.0.1:{p}"), ("127.0.0.1:{p}", "*:{p}")])
def test_metrics_address_overlapping_listen_exits_1(main, metrics):
    # Different addresses on one port: SO_REUSEPORT would let the two share
    # it, so the metrics listener goes without and its bind is refused.
    p = free_port()
    r = run_wshub("--listen", main.format(p=p), "--metrics-listen", metrics.format(p=p))
    assert r.returncode == 1, r
    assert "must not overlap --listen" in r.stderr and "Address already in use" in r.stderr


def test_metrics_address_same_as_listen_exits_2():
    p = free_port()
    r = run_wshub("--listen", f"127.0.0.1:{p}", "--metrics-listen", f"localhost:{p}")
    assert r.returncode == 2
    assert r.stderr == f"wshub: --metrics-listen: expected an address other than --listen's, got '127.0.0.1:{p}'\n"


def test_metrics_listen_from_the_environment(wshub):
    mport = free_port()
    s = wshub(env={"WSHUB_METRICS_LISTEN": f"127.0.0.1:{mport}"})
    assert status(s.host, mport, "/healthz") == (200, b"ok\n")
    assert status(s.host, s.port, "/metrics")[0] == 404


# ------------------------------------------- Prometheus's own tools
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
