"""Helpers for the hub suites (test_rooms.py, test_overflow.py, test_caps.py):
room URLs, a fast incremental frame reader for raw sockets, raw members with a
small receive buffer, an asyncio raw upgrade client, and /proc readings."""

import asyncio
import os
import socket
import struct
import time
import urllib.parse

import websockets

from conftest import fd_count
from wsraw import (
    OP_CLOSE,
    OP_TEXT,
    PeerClosed,
    RawClient,
    build_frame,
    close_payload,
    upgrade_request,
)

T = 5  # seconds: bound for any single network wait

IS_ASAN = "asan" in os.environ.get("WSHUB_BIN", "")


def room_path(*rooms, route="/raw", quote=True):
    """'/raw?room=a&room=b' (names percent-encoded unless quote=False)."""
    if not rooms:
        return route
    q = "&".join("room=" + (urllib.parse.quote(r, safe="") if quote else r) for r in rooms)
    return f"{route}?{q}"


# --------------------------------------------------------------- websockets
def connect(server, path, **kw):
    kw.setdefault("max_size", None)
    kw.setdefault("ping_interval", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", T)
    kw.setdefault("close_timeout", T)
    return websockets.connect(server.url(path), **kw)


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def recv_n(ws, n, timeout=T):
    out = []
    for _ in range(n):
        out.append(await asyncio.wait_for(ws.recv(), timeout))
    return out


async def assert_quiet(wss, quiet=0.3):
    """Nothing more arrives on any of `wss` within `quiet` seconds."""

    async def one(ws):
        try:
            got = await asyncio.wait_for(ws.recv(), quiet)
        except asyncio.TimeoutError:
            return None
        return got

    extra = await asyncio.gather(*(one(ws) for ws in wss))
    bad = [(i, e) for i, e in enumerate(extra) if e is not None]
    assert not bad, f"unexpected extra messages (client index, message): {bad[:5]!r}"


# --------------------------------------------------------- raw frame reader
class FrameReader:
    """Incremental parser of server (unmasked) frames, cheap per frame."""

    def __init__(self):
        self.buf = bytearray()
        self.pos = 0

    def feed(self, data):
        """Appends bytes, returns the complete frames as (fin, opcode, payload)."""
        if self.pos and self.pos == len(self.buf):
            self.buf.clear()
            self.pos = 0
        elif self.pos > 1 << 20:
            del self.buf[:self.pos]
            self.pos = 0
        self.buf += data
        out = []
        buf = self.buf
        n = len(buf)
        pos = self.pos
        while n - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            assert not (b1 & 0x80), f"server frame is masked: {bytes(buf[pos:pos + 16])!r}"
            length = b1 & 0x7F
            off = pos + 2
            if length == 126:
                if n - pos < 4:
                    break
                length = (buf[pos + 2] << 8) | buf[pos + 3]
                off = pos + 4
            elif length == 127:
                if n - pos < 10:
                    break
                length = struct.unpack_from("!Q", buf, pos + 2)[0]
                off = pos + 10
            if n - off < length:
                break
            assert (b0 & 0x70) == 0, f"RSV bits set in server frame header {b0:#x}"
            out.append((bool(b0 & 0x80), b0 & 0x0F, bytes(buf[off:off + length])))
            pos = off + length
        self.pos = pos
        return out

    def pending(self):
        return len(self.buf) - self.pos


def masked_frame(opcode, payload):
    """A client frame with an all-zero mask key (payload bytes unchanged), cheap
    to build in bulk."""
    n = len(payload)
    b0 = 0x80 | opcode
    if n <= 125:
        head = struct.pack("!BB", b0, 0x80 | n)
    elif n <= 0xFFFF:
        head = struct.pack("!BBH", b0, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", b0, 0x80 | 127, n)
    return head + b"\0\0\0\0" + payload


class BufClient(RawClient):
    """A RawClient with SO_RCVBUF / SO_SNDBUF set before connect (so the kernel
    buffers stay small and fixed) and optionally bound to a source address
    (any 127.x address works on loopback), given as an address or as an
    (address, port) pair."""

    def __init__(self, host, port, rcvbuf=None, sndbuf=None, source=None, timeout=T):
        self.host = host
        self.port = port
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            if isinstance(source, tuple):
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            elif source:
                source = (source, 0)
            if rcvbuf:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            if sndbuf:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
            if source:
                self.sock.bind(source)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
            self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except BaseException:
            self.sock.close()
            raise
        self.buf = bytearray()
        self.eof = False
        self.auto_pong = False
        self.pings_seen = 0


class SmallBufClient(BufClient):
    """A RawClient whose SO_RCVBUF is set before connect (so the kernel keeps
    little of what the server sends when the test stops reading)."""

    def __init__(self, host, port, rcvbuf=4096, timeout=T):
        super().__init__(host, port, rcvbuf=rcvbuf, timeout=timeout)


def handshake_or_close(client, path):
    """Upgrades `client` on `path` (closing it if that fails); returns it."""
    try:
        client.handshake(path=path)
    except BaseException:
        client.close()
        raise
    return client


def raw_member(server, *rooms, rcvbuf=None, path=None):
    """A raw-socket member of `rooms` (handshake done)."""
    if rcvbuf:
        c = SmallBufClient(server.host, server.port, rcvbuf=rcvbuf)
    else:
        c = RawClient(server.host, server.port, timeout=T)
    return handshake_or_close(c, path or room_path(*rooms))


def drain_frames(client, reader, timeout):
    """Reads whatever arrives on a RawClient's socket within `timeout` s (or
    until EOF); returns (frames, eof)."""
    frames = []
    if client.buf:
        frames += reader.feed(bytes(client.buf))
        client.buf.clear()
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return frames, False
        client.sock.settimeout(remaining)
        try:
            data = client.sock.recv(1 << 20)
        except socket.timeout:
            return frames, False
        if not data:
            return frames, True
        frames += reader.feed(data)


# ----------------------------------------------- asyncio raw upgrade client
async def raw_upgrade(host, port, path, timeout=T, source=None):
    """Opens a TCP connection (from source address `source`; None: any) and
    sends an upgrade request for `path`. Returns (status, head, body, reader,
    writer); the body is read only for non-101 answers (by Content-Length)."""
    kw = {"local_addr": (source, 0)} if source else {}
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port, **kw), timeout)
    try:
        writer.write(upgrade_request(f"{host}:{port}", path=path))
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout)
        status = int(head.split(b" ", 2)[1])
        body = b""
        if status != 101:
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    body = await asyncio.wait_for(reader.readexactly(int(line.split(b":", 1)[1])), timeout)
        return status, head, body, reader, writer
    except BaseException:
        writer.close()
        raise


async def raw_close_handshake(reader, writer, timeout=T):
    """Sends close 1000, reads until the server's close frame and EOF."""
    writer.write(build_frame(OP_CLOSE, close_payload(1000, b"bye")))
    fr = FrameReader()
    got_close = False
    while True:
        data = await asyncio.wait_for(reader.read(65536), timeout)
        if not data:
            break
        for _fin, op, payload in fr.feed(data):
            if op == OP_CLOSE:
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
        writer.write(build_frame(0x8, b"\x03\xe8"))
        await writer.drain()
        writer.close()


async def in_batches(cycle, total, batch):
    """Runs cycle(0) .. cycle(total - 1), `batch` of them at a time."""
    for start in range(0, total, batch):
        await asyncio.gather(*(cycle(i) for i in range(start, start + batch)))


# ------------------------------------------------------------------- /proc
def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def stable_fd_count(pid, settle=0.3, timeout=3.0):
    """The server's fd count once it has stopped changing for `settle` s."""
    deadline = time.monotonic() + timeout
    last = fd_count(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = fd_count(pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= settle:
            break
    return last


def wait_fds_at_most(pid, limit, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        n = fd_count(pid)
        if n <= limit or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


__all__ = [
    "T", "IS_ASAN", "room_path", "connect", "run", "recv_n", "assert_quiet",
    "FrameReader", "masked_frame", "BufClient", "SmallBufClient", "handshake_or_close",
    "raw_member", "drain_frames", "raw_upgrade", "raw_close_handshake", "churn_cycle",
    "raw_leave", "in_batches", "rss_kib", "stable_fd_count",
    "wait_fds_at_most", "PeerClosed",
]
