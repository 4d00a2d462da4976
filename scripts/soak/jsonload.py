"""json-mode sessions on asyncio streams: welcome, join a room, send a few
messages, join a second room, leave the first, close (a close handshake or
a TCP reset, in turn). Every room message received on the way is counted."""

import asyncio
import json

from wshub_test.frames import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, build_frame, close_payload
from wshub_test.streams import FrameStream

ROOMS = tuple(f"json-{i}" for i in range(4))


class Session:
    def __init__(self, reader, writer, counters):
        self.stream = FrameStream(reader)
        self.writer = writer
        self.counters = counters

    def send(self, **request):
        self.writer.write(build_frame(OP_TEXT, json.dumps(request).encode()))

    async def expect(self, want):
        """Reads up to the next reply of type `want`, counting the room
        messages before it; an error reply or a close fails the session."""
        while True:
            f = await self.stream.next()
            if f is None:
                raise ConnectionError(f"EOF while waiting for {want!r}")
            if f.opcode == OP_PING:
                self.writer.write(build_frame(OP_PONG, f.payload))
                continue
            if f.opcode != OP_TEXT:
                raise AssertionError(f"waiting for {want!r}: got {f!r}")
            reply = json.loads(f.payload)
            kind = reply.get("type")
            if kind == "message":
                self.counters.add("json_received")
            elif kind == want:
                return reply
            elif kind != "presence":
                raise AssertionError(f"waiting for {want!r}: got {reply}")

    async def close_handshake(self):
        self.writer.write(build_frame(OP_CLOSE, close_payload(1000, b"bye")))
        close = await self.stream.next_close()
        if close is None or close.close_code != 1000:
            raise AssertionError(f"close 1000 answered with {close!r}")
        if await self.stream.next() is not None:
            raise AssertionError("frames after the close frame")


async def session(reader, writer, counters, i):
    """Session `i` on a connection upgraded on the json route."""
    s = Session(reader, writer, counters)
    try:
        first, second = ROOMS[i % len(ROOMS)], ROOMS[(i + 1) % len(ROOMS)]
        await s.expect("welcome")
        s.send(type="join", room=first)
        await s.expect("joined")
        for k in range(3):
            s.send(type="message", room=first, data={"session": i, "k": k})
            await asyncio.sleep(0.1)
        s.send(type="join", room=second, ref=i)
        await s.expect("joined")
        s.send(type="message", room=second, data=f"hello from {i}")
        s.send(type="leave", room=first)
        await s.expect("left")
        if i % 2 == 0:
            await s.close_handshake()
    finally:
        if i % 2 == 0:
            writer.close()
        else:
            writer.transport.abort()
    counters.add("json_sessions")

