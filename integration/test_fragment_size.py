"""--fragment-size: messages over SIZE go out as fragments of at most SIZE,
whoever sent them (an echo, a room's fan-out, a compressed message, a proxy
route either way), and arrive whole at clients that reassemble them."""

import asyncio
import os

import websockets

from wshub_test import T
from wshub_test.client import open_ws
from wshub_test.frames import OP_BINARY, OP_CONT, OP_TEXT


def read_message(c):
    """The frames of one message: [(opcode, fin, rsv1, payload)]."""
    frames = []
    while True:
        f = c.recv_frame(timeout=T)
        frames.append((f.opcode, f.fin, bool(f.rsv & 4), f.payload))
        if f.fin:
            return frames


def assert_fragments(frames, message, opcode, size):
    assert b"".join(p for _, _, _, p in frames) == message
    assert [op for op, _, _, _ in frames] == [opcode] + [OP_CONT] * (len(frames) - 1)
    assert all(not fin for _, fin, _, _ in frames[:-1])
    assert all(len(p) == size for _, _, _, p in frames[:-1])
    assert 0 < len(frames[-1][3]) <= size


def test_echo_goes_out_in_fragments(wshub):
    s = wshub("--route", "/echo=echo", "--fragment-size", "1000")
    with open_ws(s, "/echo") as c:
        text = b"x" * 2500
        c.send_text(text)
        frames = read_message(c)
        assert len(frames) == 3
        assert_fragments(frames, text, OP_TEXT, 1000)
        # One fragment's worth goes as one frame.
        c.send_binary(b"y" * 1000)
        assert read_message(c) == [(OP_BINARY, True, False, b"y" * 1000)]


def test_a_room_message_in_fragments_at_every_member(wshub):
    s = wshub("--route", "/raw=raw", "--fragment-size", "4KiB", "--workers", "2")
    members = [open_ws(s, "/raw?room=r") for _ in range(4)]
    publisher = open_ws(s, "/raw?room=r")
    try:
        body = os.urandom(10_000)
        publisher.send_binary(body)
        for m in members:
            assert_fragments(read_message(m), body, OP_BINARY, 4096)
    finally:
        for c in members + [publisher]:
            c.close()


def test_compressed_messages_in_fragments(wshub):
    s = wshub("--route", "/echo=echo", "--compression", "on", "--fragment-size", "200")
    text = "the same words again and again " * 500

    async def main():
        async with websockets.connect(s.url("/echo"), compression="deflate") as ws:
            assert ws.extensions
            await ws.send(text)
            assert await asyncio.wait_for(ws.recv(), T) == text

    asyncio.run(main())
    with open_ws(s, "/echo") as c:  # offers no compression
        c.send_text(text.encode())
        frames = read_message(c)
        assert_fragments(frames, text.encode(), OP_TEXT, 200)


def test_a_proxy_route_fragments_both_ways(wshub):
    upstream = wshub("--route", "/echo=echo")
    proxy = wshub("--route", f"/p=proxy,upstream=ws://127.0.0.1:{upstream.port}/echo", "--fragment-size", "512")
    with open_ws(proxy, "/p") as c:
        body = os.urandom(5000)
        c.send_binary(body)
        assert_fragments(read_message(c), body, OP_BINARY, 512)
