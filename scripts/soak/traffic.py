"""The short-lived load, one process on asyncio: connection churn, bad
frames, POST /publish and json sessions (jsonload.py), each kind from a
fixed number of workers that pause between cycles, so the rates and the
number of open connections stay bounded."""

import asyncio
import time

from wshub_test import T
from wshub_test.churn import raw_leave, raw_upgrade
from wshub_test.frames import OP_BINARY, OP_PING, OP_TEXT, build_frame
from wshub_test.httpmsg import parse_response_head, publish_request
from wshub_test.members import room_path
from wshub_test.streams import FrameStream

import fanout
import jsonload

# kind: (workers, pause in seconds after each cycle)
WORKERS = {
    "churn": (12, 0.1),
    "json": (6, 0.1),
    "bad frames": (2, 0.25),
    "publish": (1, 0.2),
}
CHURN_ROOMS = tuple(f"churn-{i}" for i in range(8))

# (what, the frame, the close code RFC 6455 asks for)
BAD_FRAMES = (
    ("unmasked", build_frame(OP_TEXT, b"plain", mask=False), 1002),
    ("reserved opcode", build_frame(0x3, b"x"), 1002),
    ("RSV1 set", build_frame(OP_TEXT, b"x", rsv=4), 1002),
    ("fragmented ping", build_frame(OP_PING, b"p", fin=False), 1002),
    ("invalid UTF-8", build_frame(OP_TEXT, b"ok \xc3\x28"), 1007),
    ("oversized length", build_frame(OP_TEXT, b"", length=64 << 20, length_bytes=8), 1009),
)


async def upgrade(server, path):
    status, _head, body, reader, writer = await raw_upgrade(server.host, server.port, path)
    if status != 101:
        writer.close()
        raise RuntimeError(f"upgrade {path}: {status} {body[:80]!r}")
    return reader, writer


async def churn_cycle(server, counters, i):
    """Joins one churn room (and every third time a fan-out room too), sends
    three messages, leaves in one of raw_leave's four ways (close handshake,
    FIN, message and TCP reset, close frame and FIN)."""
    rooms = [CHURN_ROOMS[i % len(CHURN_ROOMS)]]
    if i % 3 == 0:
        rooms.append(fanout.ROOMS[i % len(fanout.ROOMS)])
    reader, writer = await upgrade(server, room_path(*rooms))
    for k in range(3):
        writer.write(build_frame(OP_TEXT if k % 2 else OP_BINARY, f"churn {i} #{k}".encode()))
    await writer.drain()
    await asyncio.sleep(0.05)
    await raw_leave(i, reader, writer)
    counters.add("churn_cycles")


async def bad_frame_cycle(server, counters, i):
    """Sends one bad frame (raw and json routes in turn) and reads up to
    the server's close frame and EOF."""
    what, frame, want = BAD_FRAMES[i % len(BAD_FRAMES)]
    path = room_path("bad") if (i // len(BAD_FRAMES)) % 2 == 0 else "/ws"
    reader, writer = await upgrade(server, path)
    try:
        writer.write(frame)
        stream = FrameStream(reader)
        close = await stream.next_close()
        eof = close is not None and await stream.next() is None
    finally:
        writer.close()
    got = close.close_code if close is not None else "no close frame"
    if got == want and eof:
        counters.add("bad_frames")
    else:
        counters.add("bad_frames_other")
        counters.error("bad frames", AssertionError(f"{what} on {path}: got {got} (eof {eof}), wanted {want}"))


async def publish_cycle(server, counters, i):
    """POST /publish to a fan-out room (/raw's) or a json room (/ws's), in
    turn; asserts the 200."""
    rooms = [(r, "/raw") for r in fanout.ROOMS] + [(r, "/ws") for r in jsonload.ROOMS]
    room, ns = rooms[i % len(rooms)]
    reader, writer = await asyncio.wait_for(asyncio.open_connection(server.host, server.port), T)
    try:
        body = f'{{"publish":{i}}}'
        writer.write(publish_request(f"{server.host}:{server.port}", room, body, server.token, "application/json",
                                     ns=ns))
        resp = parse_response_head(await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), T))
        answer = await asyncio.wait_for(reader.readexactly(resp.content_length()), T)
    finally:
        writer.close()
    if resp.status != 200 or b'"recipients"' not in answer:
        raise RuntimeError(f"POST /publish to {room}: {resp.status} {answer[:80]!r}")
    counters.add("publish_ok")


async def json_cycle(server, counters, i):
    reader, writer = await upgrade(server, "/ws")
    await jsonload.session(reader, writer, counters, i)


CYCLES = {
    "churn": churn_cycle,
    "json": json_cycle,
    "bad frames": bad_frame_cycle,
    "publish": publish_cycle,
}


async def worker(kind, w, server, counters, end_at):
    workers, pause = WORKERS[kind]
    cycle = CYCLES[kind]
    i = w
    while time.monotonic() < end_at:
        try:
            await asyncio.wait_for(cycle(server, counters, i), 4 * T)
        except Exception as e:  # counted and reported: the soak goes on
            counters.error(kind, e)
        i += workers
        await asyncio.sleep(pause)


async def run_all(server, counters, end_at):
    await asyncio.gather(*(worker(kind, w, server, counters, end_at)
                           for kind, (workers, _) in WORKERS.items() for w in range(workers)))


def run(server, counters, end_at):
    """The traffic process's body: runs until end_at (time.monotonic())."""
    asyncio.run(run_all(server, counters, end_at))
