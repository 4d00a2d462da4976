"""A burst larger than the send-queue budget, arriving in one read, must not
be mistaken for a slow consumer: the server writes what it has queued before
it judges a member's queue full."""

import asyncio

import websockets

from wshub_test.client import RawClient
from wshub_test.frames import build_frame
from wshub_test.metrics import fetch


def test_burst_over_the_message_budget_reaches_fast_readers(wshub):
    s = wshub("--workers", "1", "--queue-messages", "64")  # default --overflow close
    count = 2048  # 32x the budget, all in one packet of ~60 KB

    async def run():
        members = [await websockets.connect(s.url("/raw?room=burst")) for _ in range(5)]
        with RawClient(s.host, s.port) as pub:
            pub.handshake("/raw?room=burst")
            pub.send(b"".join(build_frame(0x1, b"%06d" % i + b"x" * 18) for i in range(count)))

            async def read_all(ws):
                for i in range(count):
                    msg = await asyncio.wait_for(ws.recv(), 5)
                    assert msg.startswith("%06d" % i)

            await asyncio.gather(*(read_all(m) for m in members))
        for m in members:
            await m.close()

    asyncio.run(run())
    text = fetch(s.host, s.port)
    assert "wshub_slow_consumer_closes_total 0\n" in text


def test_pipelined_frame_bytes_are_not_held_to_http_line_rules(wshub):
    """A frame sent in the same packet as the request head may contain any
    byte, LF included (here with an all-zero mask, so the LF is on the wire):
    only the head must end its lines in CRLF."""
    s = wshub()
    with RawClient(s.host, s.port) as c:
        c.handshake("/echo", trailing=build_frame(0x2, b"a\nb\n", mask_key=b"\x00\x00\x00\x00"))
        c.expect_message(0x2, b"a\nb\n")

