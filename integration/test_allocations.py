"""No allocation per message once warm: the server runs with an LD_PRELOAD
library (tests/malloc_count, built by `make test`) that counts every malloc,
calloc, realloc and aligned allocation in the process and reports the total on
SIGUSR2. After a warm-up, thousands more messages must add (almost) nothing.

Linux and the release binary only: the sanitizer build has its own allocator,
which must come first and cannot be preloaded over.
"""

import os
import re
import signal
import sys
import time

import pytest

from wshub_test.binary import REPO
from wshub_test.client import RawClient
from wshub_test.frames import OP_BINARY, OP_TEXT, build_frame

SHIM = os.path.join(REPO, os.environ.get("WSHUB_MALLOC_COUNT", "build/release/malloc_count.so"))
MESSAGES = 10000
BATCH = 100
# Bookkeeping that grows rarely (a vector doubling) may allocate a few times;
# one allocation per message would be 10,000.
ALLOWED = 20


def _bin():
    return os.environ.get("WSHUB_BIN", "build/release/wshub")


def _skip_reason():
    if not sys.platform.startswith("linux"):
        return "LD_PRELOAD allocation counting is Linux-only"
    if not os.path.exists(SHIM):
        return f"{SHIM} not built (make test builds it)"
    path = _bin() if os.path.isabs(_bin()) else os.path.join(REPO, _bin())
    with open(path, "rb") as f:
        if b"__asan_init" in f.read():
            return "sanitizer build: its allocator cannot be preloaded over"
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")


def allocations(server):
    """Asks the preloaded counter for the process's total so far."""
    before = server.stderr.count("malloc-count ")
    os.kill(server.pid, signal.SIGUSR2)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        counts = re.findall(r"malloc-count (\d+)", server.stderr)
        if len(counts) > before:
            return int(counts[-1])
        time.sleep(0.01)
    pytest.fail("no malloc-count line after SIGUSR2")


def start(wshub, *flags):
    return wshub(*flags, "--workers", "1", env={"LD_PRELOAD": SHIM})


def echo_batches(client, count, opcode, payload):
    """Pipelined: BATCH messages in one send, then their BATCH echoes."""
    for _ in range(count // BATCH):
        client.send(build_frame(opcode, payload) * BATCH)
        for _ in range(BATCH):
            client.expect_message(opcode, payload)


@pytest.mark.parametrize("opcode,size", [(OP_TEXT, 16), (OP_BINARY, 1024), (OP_TEXT, 8000)])
def test_echo_allocates_nothing_per_message(wshub, opcode, size):
    server = start(wshub, "--route", "/echo=echo")
    payload = (b"m" * size) if opcode == OP_TEXT else bytes(range(256)) * (size // 256)
    with RawClient(server.host, server.port) as c:
        c.handshake("/echo")
        echo_batches(c, 2000, opcode, payload)  # warm: buffers and caches at their working size
        warm = allocations(server)
        echo_batches(c, MESSAGES, opcode, payload)
        grown = allocations(server) - warm
    assert grown <= ALLOWED, f"{grown} allocations for {MESSAGES} echoed {size}-byte messages"


def test_room_fanout_allocates_nothing_per_message(wshub):
    """raw mode: one publisher, three members; each publish is one frame
    shared by all three queues, and its memory is recycled."""
    server = start(wshub, "--route", "/raw=raw")
    payload = b"p" * 64
    members = [RawClient(server.host, server.port) for _ in range(3)]
    publisher = RawClient(server.host, server.port)
    try:
        for m in members:
            m.handshake("/raw?room=alloc")
        publisher.handshake("/raw?room=alloc")

        def publish(count):
            for _ in range(count // BATCH):
                publisher.send(b"".join(build_frame(OP_TEXT, payload) for _ in range(BATCH)))
                for m in members:
                    for _ in range(BATCH):
                        m.expect_message(OP_TEXT, payload)

        publish(2000)
        warm = allocations(server)
        publish(MESSAGES)
        grown = allocations(server) - warm
    finally:
        for c in members + [publisher]:
            c.close()
    assert grown <= ALLOWED, f"{grown} allocations for {MESSAGES} publishes to 3 members"


def test_counter_sees_allocations(wshub):
    """The counter itself works: new connections do allocate."""
    server = start(wshub, "--route", "/echo=echo")
    before = allocations(server)
    clients = [RawClient(server.host, server.port) for _ in range(50)]
    try:
        for c in clients:
            c.handshake("/echo")
            c.echo_roundtrip()
    finally:
        for c in clients:
            c.close()
    assert allocations(server) - before >= 50


def test_json_room_message_allocates_nothing_per_message(wshub):
    """json mode: parsing the request, writing the envelope and fanning it
    out reuse per-worker buffers."""
    import json
    server = start(wshub, "--route", "/ws=json")
    a, b = RawClient(server.host, server.port), RawClient(server.host, server.port)
    try:
        for c in (a, b):
            c.handshake("/ws")
            assert json.loads(c.recv_frame().payload)["type"] == "welcome"
            c.send_text(json.dumps({"type": "join", "room": "alloc"}))
        assert json.loads(a.recv_frame().payload)["type"] == "joined"
        assert json.loads(a.recv_frame().payload)["type"] == "presence"
        assert json.loads(b.recv_frame().payload)["type"] == "joined"
        request = build_frame(OP_TEXT, json.dumps({"type": "message", "room": "alloc", "data": {"n": 1}}).encode())

        def publish(count):
            for _ in range(count // BATCH):
                a.send(request * BATCH)
                for _ in range(BATCH):
                    got = json.loads(b.recv_frame().payload)
                    assert got["type"] == "message" and got["data"] == {"n": 1}, got

        publish(2000)
        warm = allocations(server)
        publish(MESSAGES)
        grown = allocations(server) - warm
    finally:
        a.close()
        b.close()
    assert grown <= ALLOWED, f"{grown} allocations for {MESSAGES} json room messages"
