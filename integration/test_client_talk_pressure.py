"""wshub's public WebSocket client (wshub/client.h) held back by a server
that stops reading, through wshub-talk: its queue fills to queue_bytes
(1 MiB) and send() drops, so the program stops taking input until
on_drain; the input waits in the pipe instead of in the client's memory
(its RSS), and once the server reads again every line arrives, whole and in
order."""

import contextlib
import socket
import threading
import time

from wshub_test import T, asan_env
from wshub_test.proc import RssSampler, rss_kib
from wshub_test.talk import Talk, answer_close
from wshub_test.upstream import upstreams  # noqa: F401 (a fixture)

KiB = 1024
MiB = 1024 * KiB
LINE_BYTES = 64 * KiB
# What the client may hold: its 1 MiB queue (a string that may double), the
# line handed over, a read buffer, with room for the allocator's habits
# (ASan's quarantine is made 4 MiB).
RSS_GROWTH_KIB = 12 * 1024


def tcp_wmem_max():
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        return int(f.read().split()[2])


# Lines a server that reads nothing may take in all: the client's socket
# buffer (as far as the kernel grows it), the server's 64 KiB one, the
# pipe, the handoff and the client's queue, with slack.
HELD_MAX_BYTES = tcp_wmem_max() + 6 * MiB
LINES = max(768, 4 * HELD_MAX_BYTES // LINE_BYTES)  # 48 MiB at least


def line(i):
    """Line i: its number, then filler to LINE_BYTES."""
    head = f"{i:06d} ".encode()
    return head + bytes([97 + i % 26]) * (LINE_BYTES - len(head))


class Writer(threading.Thread):
    """Feeds every line to the program's stdin, counting those it took, then
    ends the input."""

    def __init__(self, talk):
        super().__init__(daemon=True)
        self.talk = talk
        self.written = 0

    def run(self):
        for i in range(LINES):
            if not self.talk.feed(line(i) + b"\n"):
                return
            self.written += 1
        self.talk.end_input()


def wait_stalled(writer, settle=1.0, timeout=4 * T):
    """Waits until the writer has taken no line for `settle` s; its count."""
    deadline = time.monotonic() + timeout
    last, since = writer.written, time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if writer.written != last:
            last, since = writer.written, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
    return last


class SlowServer:
    """A RawUpstream script that reads nothing after its handshake until
    resumed, then every line in order, then answers the client's close.
    `received`: messages read so far."""

    def __init__(self):
        self.resume = threading.Event()
        self.received = 0

    def __call__(self, peer):
        peer.handshake()
        assert self.resume.wait(6 * T), "the test never let the server read"
        for i in range(LINES):
            try:
                _, payload = peer.recv_message(timeout=T)
            except socket.timeout:
                raise AssertionError(f"nothing came for {T}s after message {i - 1} of {LINES}") from None
            assert payload == line(i), f"message {i}: {payload[:12]!r}..., {len(payload)} bytes"
            self.received += 1
        return answer_close(peer).close_code


def wait_progress(writer, server, stall=T):
    """Waits until the writer is done; fails once it takes no line for
    `stall` s."""
    last, since = writer.written, time.monotonic()
    while writer.is_alive():
        writer.join(0.1)
        if writer.written != last:
            last, since = writer.written, time.monotonic()
        elif time.monotonic() - since > stall:
            raise AssertionError(
                f"wshub-talk took no line for {stall}s after the server read again: {writer.written} of "
                f"{LINES} taken, {server.received} received by the server")


def test_a_server_that_stops_reading_holds_the_input_back(upstreams):  # noqa: F811
    server = SlowServer()
    up = upstreams.raw(server, rcvbuf=64 * KiB)
    talk = Talk(up.url(), env=asan_env(4))
    try:
        talk.wait_event("open")
        before = rss_kib(talk.pid)
        sampler = RssSampler(talk.pid)
        sampler.start()
        writer = Writer(talk)
        writer.start()
        held = wait_stalled(writer)
        peak = sampler.stop()
        assert held * LINE_BYTES <= HELD_MAX_BYTES, (
            f"wshub-talk took {held} lines of {LINE_BYTES} bytes from a server that reads nothing")
        assert peak - before < RSS_GROWTH_KIB, (
            f"wshub-talk's RSS grew by {peak - before} KiB while it took {held} lines of {LINE_BYTES} bytes")
        server.resume.set()
        wait_progress(writer, server)
        assert writer.written == LINES, f"{writer.written} of {LINES} lines taken"
        done = talk.wait(timeout=6 * T)
    except BaseException:
        talk.kill()
        server.resume.set()
        # The script then fails at the EOF; this test's own failure says more.
        with contextlib.suppress(Exception):
            up.wait_peer(0)
        raise
    assert up.wait_peer(0, timeout=6 * T) == 1000
    done.assert_closed(1000, "")
