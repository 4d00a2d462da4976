"""Handlers that take messages in pieces (Handler::takes_fragments), through
the example program wshub-digest (src/examples/digest.cpp): every message is
answered with its length and FNV-1a hash, worked out piece by piece. The
pieces add up to the message whatever its size and fragmentation (a
character split between frames among them); UTF-8 and --max-message hold as
for whole messages; no permessage-deflate is agreed on such a route; and the
server never holds a message whole (its RSS)."""

import asyncio
import json
import os
import signal

import websockets

from wshub_test import T
from wshub_test.binary import free_port
from wshub_test.client import RawClient
from wshub_test.frames import OP_CONT, OP_TEXT
from wshub_test.proc import rss_kib
from test_embedder import Program, example_bin, programs  # noqa: F401 (the fixture)

MiB = 1 << 20


def fnv1a(data):
    h = 14695981039346656037
    for b in data:
        h = ((h ^ b) * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def digest(programs, *flags):  # noqa: F811 (the fixture)
    port = free_port()
    p = Program([example_bin("digest"), "--listen", f"127.0.0.1:{port}", "--route", "/d=digest", *flags], port)
    programs.append(p)
    return p


async def answer(ws):
    return json.loads(await asyncio.wait_for(ws.recv(), T))


def raw_answer(c):
    frame = c.recv_frame(timeout=T)
    assert frame.opcode == OP_TEXT, frame
    return json.loads(frame.payload)


def test_pieces_add_up_to_each_message(programs):  # noqa: F811
    p = digest(programs)
    messages = [b"", b"x", os.urandom(125), os.urandom(70_000), "héllo wörld 𝄞", [b"a" * 10, b"", os.urandom(9000)]]

    async def main():
        async with websockets.connect(p.url("/d"), max_size=None) as ws:
            for m in messages:
                await ws.send(m)
                whole = b"".join(m) if isinstance(m, list) else m.encode() if isinstance(m, str) else m
                assert await answer(ws) == {"bytes": len(whole), "fnv1a": fnv1a(whole)}

    asyncio.run(main())
    assert p.exit_status(signal.SIGTERM) == 0


def test_a_character_split_between_frames(programs):  # noqa: F811
    p = digest(programs)
    raw = ("ab€𝄞" * 50).encode()
    with RawClient("127.0.0.1", p.port) as c:
        c.handshake(path="/d")
        # Cut inside the euro sign and inside the clef.
        c.send_frame(OP_TEXT, raw[:3], fin=False)
        c.send_frame(OP_CONT, raw[3:8], fin=False)
        c.send_frame(OP_CONT, raw[8:], fin=True)
        assert raw_answer(c) == {"bytes": len(raw), "fnv1a": fnv1a(raw)}
        # Text that stops being UTF-8 in its second fragment: 1007.
        c.send_frame(OP_TEXT, b"ok ", fin=False)
        c.send_frame(OP_CONT, b"\xff", fin=True)
        c.expect_close(1007)


def test_max_message_holds_for_the_whole_message(programs):  # noqa: F811
    p = digest(programs, "--max-message", "1KiB")
    with RawClient("127.0.0.1", p.port) as c:
        c.handshake(path="/d")
        c.send_frame(OP_TEXT, b"a" * 600, fin=False)
        c.send_frame(OP_CONT, b"b" * 600, fin=True)  # 1,200 bytes in all
        c.expect_close(1009)


def test_a_large_message_is_never_held_whole(programs):  # noqa: F811
    p = digest(programs)
    big = os.urandom(16 * MiB)
    want = {"bytes": len(big), "fnv1a": fnv1a(big)}

    async def main():
        async with websockets.connect(p.url("/d"), max_size=None) as ws:
            await ws.send(b"warm up")
            await answer(ws)
            before = rss_kib(p.proc.pid)
            for _ in range(3):
                await ws.send(big)
                assert await answer(ws) == want
            grown = rss_kib(p.proc.pid) - before
            # A reassembled 16 MiB message alone would be 16,384 KiB.
            assert grown < 8 * 1024, f"RSS grew by {grown} KiB over three 16 MiB messages"

    asyncio.run(main())


def test_no_compression_on_a_route_that_takes_fragments(programs):  # noqa: F811
    p = digest(programs, "--compression", "on")

    async def main():
        async with websockets.connect(p.url("/d"), compression="deflate") as ws:
            assert ws.extensions == []
            await ws.send("plain")
            assert await answer(ws) == {"bytes": 5, "fnv1a": fnv1a(b"plain")}

    asyncio.run(main())
