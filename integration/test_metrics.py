"""GET /metrics and /healthz on the main port: every outcome moves its counter."""

import asyncio
import re
import socket
import time
import urllib.error
import urllib.request

import pytest
import websockets

from wshub_test.client import RawClient
from wshub_test.metrics import fetch


def scrape(server):
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
    text = scrape(s)
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
    text = scrape(s)
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
    text = scrape(s)
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
                text = await loop.run_in_executor(None, scrape, s)
                if outcome_shown(text):
                    break
                if task.done():
                    await asyncio.sleep(0.5)
                    assert outcome_shown(await loop.run_in_executor(None, scrape, s))
                    break
                await asyncio.sleep(0.1)
        finally:
            task.cancel()
            pub.transport.abort()

    asyncio.run(asyncio.wait_for(run(), 30))
    time.sleep(0.5)
    text = scrape(s)
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
    text = scrape(s)
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
