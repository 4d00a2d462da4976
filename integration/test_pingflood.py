"""A client that sends pings and never reads the pongs must not make the
server queue pongs without bound: once more than --queue-bytes wait for it,
the server stops reading from it (as it does for its own echoes), so the
client's writes stall in the kernel's buffers instead of in server memory."""

import threading
import time

from wshub_test import IS_ASAN, T
from wshub_test.client import open_ws
from wshub_test.frames import OP_PING, OP_TEXT, masked_frame
from wshub_test.proc import rss_kib

PING = masked_frame(OP_PING, b"p" * 125)  # the largest control payload
FLOOD_LIMIT = 200 << 20  # a server that never pushed back would take all of it
STALL_SECONDS = 1.0


def send_until_stalled(sock, chunk, limit):
    """Writes chunk over and over (resuming after partial writes, so frames
    stay whole in the stream) until the socket has refused bytes for
    STALL_SECONDS or `limit` bytes went out; returns the bytes sent."""
    sock.setblocking(False)
    sent = 0
    stalled_since = None
    view = memoryview(chunk)
    while sent < limit:
        try:
            sent += sock.send(view[sent % len(chunk):])
            stalled_since = None
        except BlockingIOError:
            now = time.monotonic()
            stalled_since = stalled_since or now
            if now - stalled_since > STALL_SECONDS:
                break
            time.sleep(0.005)
    return sent


def test_unread_pongs_stop_the_reading(wshub):
    server = wshub("--workers", "1", "--queue-bytes", "64KiB")
    client = open_ws(server, "/echo", timeout=T, rcvbuf=4096)
    baseline = rss_kib(server.pid)
    sent = send_until_stalled(client.sock, PING * 512, FLOOD_LIMIT)
    growth_mib = (rss_kib(server.pid) - baseline) / 1024
    # The kernel's socket buffers hold a few MiB at most; the rest of a
    # 200 MiB flood would be pongs queued in the server.
    assert sent < 64 << 20, f"the server kept reading: {sent >> 20} MiB of pings accepted"
    assert growth_mib < (48 if IS_ASAN else 8), f"server RSS grew {growth_mib:.1f} MiB under a ping flood"

    # Reading again resumes the connection: every pong arrives, then an echo.
    # The flood may have stopped inside a frame: its rest and a text frame go
    # out from a thread while this one reads (the server reads only as its
    # pongs drain).
    client.sock.setblocking(True)
    client.sock.settimeout(10)
    partial = sent % len(PING)
    tail = (PING[partial:] if partial else b"") + masked_frame(OP_TEXT, b"after the flood")
    writer = threading.Thread(target=client.sock.sendall, args=(tail,), daemon=True)
    writer.start()
    pongs = 0
    while True:
        frame = client.recv_frame()
        if frame.opcode == OP_TEXT:
            assert frame.payload == b"after the flood"
            break
        assert frame.payload == b"p" * 125, (frame.opcode, len(frame.payload), pongs)
        pongs += 1
    writer.join(10)
    assert pongs == -(-sent // len(PING)), (pongs, -(-sent // len(PING)))
    client.close()
