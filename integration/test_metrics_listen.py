"""--metrics-listen: /metrics, /healthz and /readyz move to a listener of their
own (the main port answers 404 for them, the metrics port serves nothing
else), the scrape there still sums every worker, and its address is checked
like the main one."""

import socket
import time
import urllib.error
import urllib.request

import pytest

from wshub_test.binary import free_port, run_wshub
from wshub_test.client import RawClient
from wshub_test.metrics import Histogram, fetch, parse, scrape, wait_for

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
