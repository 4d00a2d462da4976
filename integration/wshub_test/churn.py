"""Connect/join/leave cycles by the hundred at once, on asyncio streams: an
upgrade request, the refusal or the 101, and one of four ways to leave. The
bytes are those of frames.py and httpmsg.py; asyncio only carries them, so
that a batch of cycles runs concurrently in one thread."""

import asyncio
import time

from wshub_test import T
from wshub_test.frames import OP_CLOSE, OP_TEXT, build_frame, check_server_frame, close_payload, parse_frame
from wshub_test.httpmsg import parse_response_head, upgrade_request
from wshub_test.members import room_path


async def raw_upgrade(host, port, path, timeout=T, source=None):
    """Opens a TCP connection (from source address `source`; None: any) and
    sends an upgrade request for `path`. Returns (status, head, body, reader,
    writer); the body is read only for non-101 answers (by Content-Length)."""
    kw = {"local_addr": (source, 0)} if source else {}
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, **kw), timeout)
    try:
        writer.write(upgrade_request(f"{host}:{port}", path=path))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        resp = parse_response_head(head)
        body = b""
        if resp.status != 101:
            body = await asyncio.wait_for(reader.readexactly(resp.content_length()), timeout)
        return resp.status, head, body, reader, writer
    except BaseException:
        writer.close()
        raise


async def raw_close_handshake(reader, writer, timeout=T):
    """Sends close 1000, reads until the server's close frame and EOF."""
    writer.write(build_frame(OP_CLOSE, close_payload(1000, b"bye")))
    buf, at = bytearray(), 0
    got_close = False
    while True:
        data = await asyncio.wait_for(reader.read(65536), timeout)
        if not data:
            break
        buf += data
        while (parsed := parse_frame(buf, at)) is not None:
            f, at = parsed
            check_server_frame(f)
            if f.opcode == OP_CLOSE:
                got_close = True
    writer.close()
    assert got_close, "no close frame from the server before EOF"


async def churn_cycle(host, port, i, path, stats, refused, joined=None):
    """Churn cycle `i`: one in twenty (i % 20 == 7) asks for an empty room name
    and must be refused with 400 (counted in stats["refused400"]); the others
    upgrade on `path`, retrying every 10 ms while the answer is refused (after
    refused(status, head, body, deadline) has checked the refusal, with
    deadline 5 s after the first try; counted in stats["retries"]), call
    joined() (if given) on the 101, then leave by raw_leave."""
    if i % 20 == 7:
        status, _head, body, _r, w = await raw_upgrade(host, port, room_path(f"u{i}") + "&room=")
        w.close()
        assert status == 400, f"cycle {i}: bad room name got {status} {body!r}"
        stats["refused400"] += 1
        return
    deadline = time.monotonic() + 5
    while True:
        status, head, body, reader, writer = await raw_upgrade(host, port, path)
        if status == 101:
            if joined is not None:
                joined()
            break
        writer.close()
        refused(status, head, body, deadline)
        stats["retries"] += 1
        await asyncio.sleep(0.01)
    await raw_leave(i, reader, writer)


async def raw_leave(i, reader, writer):
    """Churn cycle `i` leaves in one of four ways (by i % 4): close handshake,
    FIN right after the 101, a message then a TCP reset, a close frame then FIN."""
    kind = i % 4
    if kind == 0:
        await raw_close_handshake(reader, writer)
    elif kind == 1:
        writer.close()
    elif kind == 2:
        writer.write(build_frame(OP_TEXT, f"bye from {i}".encode()))
        await writer.drain()
        writer.transport.abort()
    else:
        writer.write(build_frame(OP_CLOSE, b"\x03\xe8"))
        await writer.drain()
        writer.close()


async def in_batches(cycle, total, batch):
    """Runs cycle(0) .. cycle(total - 1), `batch` of them at a time."""
    for start in range(0, total, batch):
        await asyncio.gather(*(cycle(i) for i in range(start, start + batch)))
