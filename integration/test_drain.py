"""Graceful drain (README "Operations: drain and signals"): on SIGTERM or
SIGINT the server stops accepting, answers /readyz 503, flushes what each
client has queued and then closes it with 1001, and exits 0 when all are gone
or at --drain-timeout; a second signal exits 1 at once."""

import asyncio
import signal
import socket
import struct
import time

import pytest
import websockets

from conftest import SANITIZER_MARKERS, Server
from wshub_test import T
from wshub_test.client import RawClient, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, masked_frame
from wshub_test.httpmsg import upgrade_request
from wshub_test.members import member, member_on_worker, room_path
from wshub_test.metrics import parse, scrape


def wait_log(server, needle, timeout=T):
    deadline = time.monotonic() + timeout
    while needle not in server.stderr:
        if server.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {needle!r} in the log; stderr:\n{server.stderr[-3000:]}")
        time.sleep(0.01)


def wait_received(server, n):
    """Until the server has read n data messages (so they are queued or on
    their way to another worker's members)."""
    deadline = time.monotonic() + T
    while scrape(server).get("wshub_messages_received_total", 0) < n:
        assert time.monotonic() < deadline, "the server did not read the messages"
        time.sleep(0.02)


def signal_and_wait_log(server, sig=signal.SIGTERM):
    server.process.send_signal(sig)
    wait_log(server, "drain_start")


def answer_close(client, code=1001):
    """Reads up to the server's close frame (which must carry `code`), answers
    it and waits for the server's EOF."""
    f = client.recv_frame(T)
    while f.opcode != OP_CLOSE:
        f = client.recv_frame(T)
    assert f.close_code == code and f.close_reason == b"going away", f
    client.send_close(code)
    client.expect_eof(T)
    client.close()


def read_until_close(client, pause=0.0):
    """Reads a member's numbered messages up to the close frame, 4 KiB at a
    time with `pause` s between reads: (their sequence numbers, the close
    payload). Nothing may follow the close frame."""
    seqs, close = [], None
    client.sock.settimeout(T)
    while close is None:
        data = client.sock.recv(4096)
        assert data, f"EOF after {len(seqs)} messages, before the close frame"
        for f in client.feed(data):
            if f.opcode == OP_CLOSE:
                close = f.payload
            else:
                assert close is None
                seqs.append(struct.unpack("!Q", f.payload[:8])[0])
        time.sleep(pause)
    return seqs, close


def wait_exit(server, timeout):
    try:
        return server.process.wait(timeout)
    except Exception:
        pytest.fail(f"still running {timeout}s after the signal; stderr:\n{server.stderr[-3000:]}")


def test_queued_messages_reach_a_slow_reader_then_1001(wshub):
    """A member that has not read 200 messages (queued on the server, the
    publisher on the other worker) still gets every one, in order, while it
    reads slowly after the signal, then the 1001; the server exits 0 as soon as
    the last client is gone, well before --drain-timeout."""
    server = wshub("--workers", "2", "--route", "/raw=raw", "--route", "/ws=json", "--drain-timeout", "10s")
    sub = member_on_worker(server, 0, "r", rcvbuf=4096)
    pub = member_on_worker(server, 1, "r")
    n, size = 200, 1000
    pub.send(b"".join(masked_frame(OP_BINARY, struct.pack("!Q", i) + b"m" * (size - 8)) for i in range(n)))
    wait_received(server, n)
    t0 = time.monotonic()
    signal_and_wait_log(server)
    answer_close(pub)  # it has nothing queued: its 1001 comes at once
    seqs, close = read_until_close(sub, pause=0.01)  # a slow reader: about a second for the lot
    assert seqs == list(range(n)), f"got {len(seqs)} messages: {seqs[:5]}...{seqs[-5:]}"
    assert close == struct.pack("!H", 1001) + b"going away", close
    slow_done = time.monotonic()
    sub.send_close(1001)
    sub.expect_eof(T)
    sub.close()
    assert wait_exit(server, 5) == 0
    assert time.monotonic() - slow_done < 1.5, "did not exit once the last client was gone"
    assert time.monotonic() - t0 < 10
    assert "drain_done" in server.stderr and "forced=0" in server.stderr, server.stderr


def test_parked_deliveries_reach_a_slow_reader_then_1001(wshub):
    """Under --overflow block, what is parked for a member at a full queue when
    the drain starts goes out behind what is queued, then the 1001: the member
    gets every message the server read from the publisher, none dropped."""
    server = wshub("--workers", "2", "--route", "/raw=raw", "--route", "/ws=json", "--overflow", "block",
                   "--queue-messages", "64",
                   "--queue-bytes", "64KiB", "--block-timeout", "60s", "--drain-timeout", "10s")
    sub = member_on_worker(server, 0, "r", rcvbuf=4096)
    pub = member_on_worker(server, 1, "r")
    n, size = 20000, 1000  # far more than the socket buffers between them hold
    data = b"".join(masked_frame(OP_BINARY, struct.pack("!Q", i) + b"m" * (size - 8)) for i in range(n))
    pub.sock.setblocking(False)
    sent, stuck_since = 0, None
    while sent < len(data) and (stuck_since is None or time.monotonic() - stuck_since < 0.5):
        try:
            sent += pub.sock.send(data[sent:sent + 65536])
            stuck_since = None
        except BlockingIOError:
            stuck_since = stuck_since or time.monotonic()
            time.sleep(0.01)
    pub.sock.setblocking(True)
    # Until the publisher is held back: deliveries parked, reading stopped.
    deadline, last, stable_since = time.monotonic() + T, -1, time.monotonic()
    while True:
        s = scrape(server)
        received = s.get("wshub_messages_received_total", 0)
        if received != last:
            last, stable_since = received, time.monotonic()
        if s.get("wshub_deliveries_parked_total", 0) > 0 and time.monotonic() - stable_since > 0.3:
            break
        assert time.monotonic() < deadline, f"nothing parked: {s}"
        time.sleep(0.05)
    received = int(last)
    assert 64 < received < n, received
    signal_and_wait_log(server)
    seqs, close = read_until_close(sub)
    assert seqs == list(range(received)), f"got {len(seqs)} of {received}: {seqs[:3]}...{seqs[-3:]}"
    assert close == struct.pack("!H", 1001) + b"going away", close
    sub.send_close(1001)
    sub.expect_eof(T)
    sub.close()
    answer_close(pub)
    assert wait_exit(server, 5) == 0
    assert "forced=0" in server.stderr, server.stderr


def test_clients_that_answer_let_it_exit_at_once(wshub):
    """20 library clients answer the 1001 themselves: exit 0, nowhere near
    the 10 s timeout, with nothing cut."""
    server = wshub("--route", "/ws=json", "--route", "/raw=raw", "--workers", "2")

    async def main():
        clients = [await websockets.connect(server.url(room_path("a")), ping_interval=None) for _ in range(20)]
        clients += [await websockets.connect(server.url("/ws"), ping_interval=None) for _ in range(5)]
        for c in clients[20:]:
            await asyncio.wait_for(c.recv(), T)  # welcome
        server.process.send_signal(signal.SIGTERM)
        codes = []
        for c in clients:
            with pytest.raises(websockets.ConnectionClosed):
                while True:
                    await asyncio.wait_for(c.recv(), T)
            codes.append((c.close_code, c.close_reason))
        return codes

    t0 = time.monotonic()
    codes = asyncio.run(main())
    assert codes == [(1001, "going away")] * 25, codes
    assert wait_exit(server, 5) == 0
    assert time.monotonic() - t0 < 3
    assert "forced=0" in server.stderr


def test_a_client_that_never_reads_is_cut_at_the_timeout(wshub):
    """Its socket and queue full, the close frame cannot even be sent: at
    --drain-timeout it is cut, the log says how many, and the exit is 0."""
    server = wshub("--route", "/raw=raw", "--workers", "1", "--drain-timeout", "1s")
    stuck = member(server, "r", rcvbuf=4096)
    pub = member(server, "r")
    n = 300
    pub.send(b"".join(masked_frame(OP_BINARY, b"s" * 2000) for _ in range(n)))
    wait_received(server, n)
    t0 = time.monotonic()
    signal_and_wait_log(server)
    answer_close(pub)
    assert wait_exit(server, 5) == 0
    elapsed = time.monotonic() - t0
    assert 0.9 <= elapsed < 3, f"exited {elapsed:.2f}s after the signal with --drain-timeout 1s"
    err = server.stderr
    lines = [l for l in err.splitlines() if " drain_done " in l]
    assert len(lines) == 1 and " warn " in lines[0] and "forced=1" in lines[0], err
    stuck.close()


def test_second_signal_exits_1_at_once():
    server = Server(["--drain-timeout", "30s"])
    try:
        server.wait_ready()
        holder = open_ws(server)  # reads its 1001 but never answers it
        signal_and_wait_log(server, signal.SIGTERM)
        f = holder.recv_frame(T)
        assert f.opcode == OP_CLOSE and f.close_code == 1001, f
        time.sleep(0.2)
        assert server.process.poll() is None, "the first signal did not keep it draining"
        t0 = time.monotonic()
        server.process.send_signal(signal.SIGINT)
        assert wait_exit(server, 3) == 1
        assert time.monotonic() - t0 < 1
        err = server.stderr
        assert "drain_abort signal=SIGINT" in err and "forced=1" in err, err
        assert not any(m in err for m in SANITIZER_MARKERS), err
        holder.close()
    finally:
        server.kill()


def test_readyz_503_no_new_connections_requests_in_progress_answered(wshub):
    """During the drain: a connection that sent nothing is closed, the
    listener is gone, and requests already on their way are answered:
    /readyz 503 "draining", an upgrade 503, /metrics served (counting it)."""
    server = wshub("--drain-timeout", "10s", "--route", "/echo=echo")
    holder = open_ws(server)  # keeps the server draining: never answers its close
    idle = socket.create_connection((server.host, server.port), timeout=T)
    host = f"{server.host}:{server.port}"
    partial = {}
    for name, req in (("readyz", b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"),
                      ("upgrade", upgrade_request(host, path="/echo")),
                      ("metrics", b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")):
        c = RawClient(server.host, server.port, timeout=T)
        c.send(req[:-2])  # all but the final CRLF
        partial[name] = c
    time.sleep(0.3)  # the server has read those bytes: they are no longer idle
    signal_and_wait_log(server)

    idle.settimeout(T)
    assert idle.recv(1) == b"", "a connection that had sent nothing was not closed"
    idle.close()
    deadline = time.monotonic() + T
    while True:
        try:
            socket.create_connection((server.host, server.port), timeout=1).close()
        except ConnectionRefusedError:
            break
        assert time.monotonic() < deadline, "still accepting new connections during the drain"
        time.sleep(0.02)

    partial["readyz"].send(b"\r\n")
    r = partial["readyz"].read_http_response()
    assert (r.status, r.body) == (503, b"draining\n"), r
    partial["upgrade"].send(b"\r\n")
    r = partial["upgrade"].read_http_response()
    assert r.status == 503 and b"shutting down" in r.body, r
    partial["metrics"].send(b"\r\n")
    r = partial["metrics"].read_http_response()
    assert r.status == 200, r
    assert parse(r.body.decode())['wshub_connections_rejected_total{reason="draining"}'] == 1
    for c in partial.values():
        c.expect_eof(T)
        c.close()
    assert server.process.poll() is None, "exited while a client was still open"
    answer_close(holder)
    assert wait_exit(server, 5) == 0
