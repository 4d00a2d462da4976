"""Back-pressure through a proxy route (--queue-bytes 64KiB): an upstream
flooding a client that reads nothing, and a client flooding an upstream that
reads nothing, each 40 MiB of numbered messages. While the reader stalls,
the proxy's memory (VmRSS) and wshub_queued_bytes stay far below the flood;
once it reads again, every message arrives intact and in order."""

import socket
import struct
import sys
import threading
import time

from wshub_test import IS_ASAN, T, asan_env
from wshub_test.client import open_ws
from wshub_test.flood import make_filler
from wshub_test.frames import OP_BINARY, build_frame, masked_frame
from wshub_test.metrics import scrape, wait_for
from wshub_test.proc import RssSampler, rss_kib
from wshub_test.upstream import client_message, proxy_route, upstreams  # noqa: F401 (upstreams: a fixture)

MSG_SIZE = 16 << 10
TOTAL = 40 << 20
N = TOTAL // MSG_SIZE
CHUNK = 4  # messages per send
FILLER = make_filler(MSG_SIZE)
STALL = 0.5  # s without progress: the sender is held back
# Growth allowed over the RSS before the flood; under ASan freed memory waits
# in a (32 MiB) quarantine and allocations carry redzones.
RSS_BOUND_MIB = 8 + (56 if IS_ASAN else 0)
QUEUED_BOUND = 8 << 20
ASAN_ENV = asan_env(32)
FLOOD_WAIT = 6 * T  # the most a flood may take to stall


def numbered(i):
    return struct.pack("!Q", i) + FILLER


def check_message(got, i, who):
    op, payload = got
    assert op == OP_BINARY, f"{who}: message #{i} has opcode {op:#x}"
    assert len(payload) == MSG_SIZE and payload[8:] == FILLER, (
        f"{who}: message #{i} corrupt ({len(payload)} bytes, starts {payload[:16]!r})")
    seq = struct.unpack_from("!Q", payload)[0]
    assert seq == i, f"{who}: got message #{seq}, want #{i} (lost or reordered)"


class Progress:
    """How far a flood got: messages handed to the kernel, and when last."""

    def __init__(self):
        self.sent = 0
        self.at = time.monotonic()

    def advance(self, n):
        self.sent = n
        self.at = time.monotonic()

    def wait_stalled(self, what):
        """Until the sender made no progress for STALL s, or sent all N."""
        deadline = time.monotonic() + FLOOD_WAIT
        while self.sent < N and time.monotonic() - self.at < STALL:
            assert time.monotonic() < deadline, f"{what}: still going after {FLOOD_WAIT}s ({self.sent} of {N})"
            time.sleep(0.02)


def assert_bounded(server, baseline_kib, sampler, progress, what):
    peak = sampler.stop()
    queued = scrape(server)["wshub_queued_bytes"]
    report = (f"{what}: {progress.sent} of {N} messages ({progress.sent * MSG_SIZE >> 20} MiB) sent before it "
              f"stalled; proxy RSS {baseline_kib >> 10} MiB before, peak {peak >> 10} MiB "
              f"(+{(peak - baseline_kib) / 1024:.1f} MiB, bound +{RSS_BOUND_MIB}); wshub_queued_bytes {queued:.0f}")
    print(report, file=sys.stderr)
    assert peak - baseline_kib <= RSS_BOUND_MIB * 1024, f"proxy memory not bounded: {report}"
    assert queued <= QUEUED_BOUND, f"queued bytes not bounded: {report}"
    assert progress.sent < N, f"nothing held the sender back: {report}"


def test_upstream_flooding_a_client_that_stopped_reading(wshub, upstreams):
    progress = Progress()

    def flood(peer):
        peer.handshake()
        for start in range(0, N, CHUNK):
            peer.send(b"".join(build_frame(OP_BINARY, numbered(i), mask=False) for i in range(start, start + CHUNK)),
                      timeout=FLOOD_WAIT + 6 * T)
            progress.advance(start + CHUNK)
        close = peer.read_until_close(timeout=6 * T)
        if close is not None:
            peer.send_close(close.close_code)
        return close

    up = upstreams.raw(flood)
    server = wshub("--queue-bytes", "64KiB", "--route", proxy_route("/p", up.url()), env=ASAN_ENV)
    client = open_ws(server, "/p", timeout=T, rcvbuf=4096)
    try:
        baseline = rss_kib(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        progress.wait_stalled("upstream flood")
        assert_bounded(server, baseline, sampler, progress, "upstream flooding a client")

        # The client reads again: everything, in order.
        client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        for i in range(N):
            check_message(client_message(client, timeout=T), i, "client")
        client.close_cleanly()
    finally:
        client.close()
    close = up.wait_peer(0, timeout=2 * T)
    assert close is not None and close.close_code == 1000, close
    wait_for(server, lambda s: s["wshub_queued_bytes"] == 0 and s["wshub_upstream_connections"] == 0)


def test_client_flooding_an_upstream_that_stopped_reading(wshub, upstreams):
    go = threading.Event()
    read = Progress()  # messages the upstream read

    def slow_reader(peer):
        peer.handshake()
        assert go.wait(FLOOD_WAIT + 6 * T), "never told to read"
        for i in range(N):
            check_message(peer.recv_message(timeout=T), i, "upstream")
            read.advance(i + 1)
        close = peer.read_until_close()
        if close is not None:
            peer.send_close(close.close_code)
        return close

    up = upstreams.raw(slow_reader, rcvbuf=4096)
    server = wshub("--queue-bytes", "64KiB", "--route", proxy_route("/p", up.url()), env=ASAN_ENV)
    client = open_ws(server, "/p", timeout=T)
    progress = Progress()
    try:
        baseline = rss_kib(server.pid)
        sampler = RssSampler(server.pid)
        sampler.start()
        pending = client_flood_until_stalled(client, progress)
        assert_bounded(server, baseline, sampler, progress, "client flooding an upstream")

        # The upstream reads again: the rest goes through, all of it in order.
        go.set()
        client.sock.setblocking(True)
        client.sock.settimeout(3 * T)
        try:
            client.sock.sendall(pending)
            for start in range(progress.sent, N, CHUNK):
                client.sock.sendall(b"".join(masked_frame(OP_BINARY, numbered(i))
                                             for i in range(start, start + CHUNK)))
        except socket.timeout:
            s = scrape(server)
            raise AssertionError(
                f"the client's flood did not resume within {3 * T}s of the upstream reading again: the upstream "
                f"read {read.sent} messages, the proxy read {s['wshub_messages_received_total']:.0f} from the "
                f"client (wshub_queued_bytes {s['wshub_queued_bytes']:.0f}); {progress.sent} built by the client")
        client.send_close(1000)
        client.expect_close(1000, timeout=6 * T)
    finally:
        go.set()
        client.close()
    close = up.wait_peer(0, timeout=2 * T)
    assert close is not None and close.close_code == 1000, close
    wait_for(server, lambda s: s["wshub_queued_bytes"] == 0 and s["wshub_upstream_connections"] == 0)


def client_flood_until_stalled(client, progress):
    """Sends numbered messages from a non-blocking socket until its kernel
    takes nothing for STALL s (or all N are sent); progress.sent counts the
    messages built. Returns the bytes built but not sent yet."""
    client.sock.setblocking(False)
    out = memoryview(b"")
    deadline = time.monotonic() + FLOOD_WAIT
    while True:
        if not out:
            if progress.sent >= N:
                return b""
            start = progress.sent
            out = memoryview(b"".join(masked_frame(OP_BINARY, numbered(i)) for i in range(start, start + CHUNK)))
            progress.advance(start + CHUNK)
        try:
            n = client.sock.send(out)
            out = out[n:]
            progress.at = time.monotonic()
        except BlockingIOError:
            if time.monotonic() - progress.at >= STALL:
                return bytes(out)
            assert time.monotonic() < deadline, f"client flood: still going after {FLOOD_WAIT}s"
            time.sleep(0.01)
