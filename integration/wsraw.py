"""Raw-socket WebSocket/HTTP client for the integration suites.

Everything here is written from RFC 6455 / RFC 9112 directly (no third-party
WebSocket code), so that tests can send arbitrary, deliberately broken bytes and
check the server's exact answer.
"""

import base64
import hashlib
import os
import socket
import struct
import time

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

DEFAULT_TIMEOUT = 3.0


def make_key(nbytes=16):
    return base64.b64encode(os.urandom(nbytes)).decode("ascii")


def accept_for(key):
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def close_payload(code, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return struct.pack("!H", code) + reason


def upgrade_request(
    host,
    path="/echo",
    key=None,
    version="13",
    protocols=None,
    extra_headers=(),
    method="GET",
    http_version="HTTP/1.1",
    omit=(),
):
    """Builds an upgrade request head (bytes, CRLF line endings).

    `omit` lists header names (lower case) to leave out; `extra_headers` is a
    sequence of (name, value) pairs or raw strings (already "Name: value")."""
    if key is None:
        key = make_key()
    headers = [
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", version),
    ]
    lines = [f"{method} {path} {http_version}"]
    for name, value in headers:
        if name.lower() in omit:
            continue
        lines.append(f"{name}: {value}")
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    for h in extra_headers:
        lines.append(h if isinstance(h, str) else f"{h[0]}: {h[1]}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def build_frame(
    opcode,
    payload=b"",
    fin=True,
    rsv=0,
    mask=True,
    mask_key=None,
    length=None,
    length_bytes=None,
):
    """Builds one frame with arbitrary header fields.

    rsv: 3-bit value (4 = RSV1, 2 = RSV2, 1 = RSV3). length: the declared
    payload length (default len(payload)); length_bytes: 0, 2 or 8 to force the
    7-bit, 16-bit or 64-bit length form (default: minimal)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if length is None:
        length = len(payload)
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    mbit = 0x80 if mask else 0
    if length_bytes is None:
        length_bytes = 0 if length <= 125 else (2 if length <= 0xFFFF else 8)
    if length_bytes == 0:
        head = struct.pack("!BB", b0, mbit | length)
    elif length_bytes == 2:
        head = struct.pack("!BBH", b0, mbit | 126, length)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, length)
    if not mask:
        return head + payload
    if mask_key is None:
        mask_key = os.urandom(4)
    return head + mask_key + apply_mask(payload, mask_key)


def apply_mask(payload, mask_key):
    if not payload:
        return b""
    n = len(payload)
    key = (mask_key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


class Frame:
    def __init__(self, fin, rsv, opcode, masked, payload):
        self.fin = fin
        self.rsv = rsv
        self.opcode = opcode
        self.masked = masked
        self.payload = payload

    @property
    def close_code(self):
        assert self.opcode == OP_CLOSE
        if len(self.payload) < 2:
            return None
        return struct.unpack("!H", self.payload[:2])[0]

    @property
    def close_reason(self):
        return self.payload[2:]

    def __repr__(self):
        p = self.payload if len(self.payload) <= 40 else self.payload[:40] + b"..."
        return f"Frame(fin={self.fin}, rsv={self.rsv}, opcode={self.opcode:#x}, masked={self.masked}, len={len(self.payload)}, payload={p!r})"


class HttpResponse:
    def __init__(self, status_line, status, reason, headers, body, raw_head):
        self.status_line = status_line
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        """All values of a header (case-insensitive name)."""
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def one(self, name):
        vals = self.header(name)
        assert len(vals) == 1, f"expected exactly one {name} header, got {vals!r} in {self.raw_head!r}"
        return vals[0]

    def __repr__(self):
        return f"HttpResponse({self.raw_head!r} body={self.body!r})"


class PeerClosed(Exception):
    pass


class RawClient:
    def __init__(self, host, port, timeout=DEFAULT_TIMEOUT):
        self.host = host
        self.port = port
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        # When set, recv_frame answers server pings with a pong and skips them.
        self.auto_pong = False
        self.pings_seen = 0

    # ---------------------------------------------------------------- plumbing
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    @property
    def host_header(self):
        return f"{self.host}:{self.port}"

    def send(self, data):
        self.sock.sendall(data)

    def send_bytewise(self, data, delay=0.0005):
        """Sends data one byte per send(), with a short pause between bytes so
        that the server really sees them one read at a time."""
        for i in range(len(data)):
            self.sock.sendall(data[i:i + 1])
            if delay:
                time.sleep(delay)

    def _fill(self, deadline):
        """Reads more bytes into the buffer. Raises PeerClosed on EOF,
        socket.timeout when the deadline passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            raise PeerClosed("server closed the connection")
        self.buf += data

    def recv_exact(self, n, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while len(self.buf) < n:
            self._fill(deadline)
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    # -------------------------------------------------------------------- HTTP
    def read_http_response(self, timeout=DEFAULT_TIMEOUT):
        """Reads a response head and, if it has a Content-Length, its body.
        Bytes after that stay buffered (e.g. frames after a 101)."""
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            try:
                self._fill(deadline)
            except PeerClosed:
                raise AssertionError(f"connection closed before a complete response head; got {bytes(self.buf)!r}")
            except socket.timeout:
                raise AssertionError(f"no complete response head within {timeout}s; got {bytes(self.buf)!r}")
        end = self.buf.index(b"\r\n\r\n") + 4
        raw_head = bytes(self.buf[:end])
        del self.buf[:end]
        text = raw_head.decode("latin-1")
        lines = text[:-4].split("\r\n")
        status_line = lines[0]
        parts = status_line.split(" ", 2)
        assert len(parts) >= 2 and parts[0] == "HTTP/1.1", f"bad status line {status_line!r}"
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers = []
        for line in lines[1:]:
            assert ":" in line, f"bad header line {line!r} in {raw_head!r}"
            name, value = line.split(":", 1)
            assert name == name.strip() and name, f"bad header name in {line!r}"
            headers.append((name, value.strip(" \t")))
        body = b""
        cl = [v for n, v in headers if n.lower() == "content-length"]
        if cl:
            assert len(cl) == 1, f"several Content-Length headers in {raw_head!r}"
            n = int(cl[0])
            try:
                body = self.recv_exact(n, max(0.01, deadline - time.monotonic()))
            except PeerClosed:
                raise AssertionError(f"connection closed inside the body ({len(self.buf)} of {n} bytes); head {raw_head!r}")
        return HttpResponse(status_line, status, reason, headers, body, raw_head)

    def handshake(self, path="/echo", protocols=None, extra_headers=(), key=None, bytewise=False, trailing=b""):
        """Sends an upgrade request and asserts a correct 101. Returns the response."""
        if key is None:
            key = make_key()
        req = upgrade_request(self.host_header, path=path, key=key, protocols=protocols, extra_headers=extra_headers)
        if bytewise:
            self.send_bytewise(req + trailing)
        else:
            self.send(req + trailing)
        resp = self.read_http_response()
        assert_switching(resp, key)
        return resp

    # ------------------------------------------------------------------ frames
    def send_frame(self, opcode, payload=b"", **kw):
        self.send(build_frame(opcode, payload, **kw))

    def send_text(self, text, **kw):
        self.send_frame(OP_TEXT, text.encode("utf-8") if isinstance(text, str) else text, **kw)

    def send_binary(self, data, **kw):
        self.send_frame(OP_BINARY, data, **kw)

    def send_close(self, code=None, reason=b""):
        payload = b"" if code is None else close_payload(code, reason)
        self.send_frame(OP_CLOSE, payload)

    def recv_frame(self, timeout=DEFAULT_TIMEOUT):
        """Reads one frame (handles partial reads). Raises PeerClosed on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            f = self._recv_one(deadline)
            if self.auto_pong and f.opcode == OP_PING:
                self.pings_seen += 1
                self.send_frame(OP_PONG, f.payload)
                continue
            return f

    def _recv_one(self, deadline):
        while len(self.buf) < 2:
            self._fill(deadline)
        b0, b1 = self.buf[0], self.buf[1]
        masked = bool(b1 & 0x80)
        n = b1 & 0x7F
        off = 2
        if n == 126:
            while len(self.buf) < 4:
                self._fill(deadline)
            n = struct.unpack("!H", self.buf[2:4])[0]
            off = 4
        elif n == 127:
            while len(self.buf) < 10:
                self._fill(deadline)
            n = struct.unpack("!Q", self.buf[2:10])[0]
            off = 10
        mkey = None
        if masked:
            while len(self.buf) < off + 4:
                self._fill(deadline)
            mkey = bytes(self.buf[off:off + 4])
            off += 4
        while len(self.buf) < off + n:
            self._fill(deadline)
        payload = bytes(self.buf[off:off + n])
        del self.buf[:off + n]
        if masked:
            payload = apply_mask(payload, mkey)
        return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, payload)

    def expect_message(self, opcode, payload, timeout=DEFAULT_TIMEOUT):
        """Asserts the next frame is one unfragmented, unmasked server frame."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        f = self.recv_frame(timeout)
        assert (f.opcode, f.fin, f.rsv, f.masked) == (opcode, True, 0, False), f"unexpected frame {f!r}"
        assert f.payload == payload, f"payload mismatch: got {len(f.payload)} bytes {f.payload[:60]!r}, want {len(payload)} bytes {payload[:60]!r}"
        return f

    def expect_eof(self, timeout=DEFAULT_TIMEOUT, allow_reset=False):
        """Asserts that nothing more arrives and the server closes TCP."""
        assert not self.buf, f"unexpected bytes before EOF: {bytes(self.buf)!r}"
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
                raise AssertionError(f"expected EOF, got more bytes: {bytes(self.buf)[:200]!r}")
        except PeerClosed:
            return
        except ConnectionResetError:
            if allow_reset:
                return
            raise
        except socket.timeout:
            raise AssertionError(f"server did not close the connection within {timeout}s")

    def expect_close(self, code, timeout=DEFAULT_TIMEOUT, eof_timeout=2.0, allow_reset=False):
        """Asserts the next frame is a close frame with `code`, then TCP EOF."""
        try:
            f = self.recv_frame(timeout)
        except PeerClosed:
            raise AssertionError(f"server closed TCP without a close frame (wanted code {code}); buffered {bytes(self.buf)!r}")
        except socket.timeout:
            raise AssertionError(f"no close frame (wanted code {code}) within {timeout}s")
        assert f.opcode == OP_CLOSE, f"expected a close frame with code {code}, got {f!r}"
        assert (f.fin, f.rsv, f.masked) == (True, 0, False), f"malformed close frame {f!r}"
        assert f.close_code == code, f"close code {f.close_code} (reason {f.close_reason!r}), wanted {code}"
        self.expect_eof(eof_timeout, allow_reset=allow_reset)
        return f

    def echo_roundtrip(self, text="hello"):
        self.send_text(text)
        self.expect_message(OP_TEXT, text)

    def close_cleanly(self, code=1000):
        self.send_close(code, b"bye")
        self.expect_close(code)
        self.close()


def assert_switching(resp, key):
    assert resp.status == 101, f"expected 101, got {resp!r}"
    assert resp.status_line == "HTTP/1.1 101 Switching Protocols", resp.status_line
    assert resp.one("Upgrade").lower() == "websocket", resp
    assert "upgrade" in [t.strip().lower() for t in resp.one("Connection").split(",")], resp
    assert resp.one("Sec-WebSocket-Accept") == accept_for(key), resp


def open_ws(server, path="/echo", **kw):
    c = RawClient(server.host, server.port)
    try:
        c.handshake(path=path, **kw)
    except BaseException:
        c.close()
        raise
    return c


def assert_alive(server, path="/echo"):
    """A fresh client can still complete a handshake, echo, and close cleanly."""
    with RawClient(server.host, server.port) as c:
        c.handshake(path=path)
        text = "alive-" + os.urandom(6).hex()
        c.echo_roundtrip(text)
        c.send_binary(b"\x00\xffbin")
        c.expect_message(OP_BINARY, b"\x00\xffbin")
        c.close_cleanly(1000)


def http_exchange(server, request, timeout=DEFAULT_TIMEOUT, allow_reset=False):
    """Sends raw request bytes, returns the (non-101) response after checking
    its framing: Content-Length, Connection: close, and that the server then
    closes the connection."""
    with RawClient(server.host, server.port) as c:
        c.send(request)
        resp = c.read_http_response(timeout)
        if resp.status != 101:
            assert resp.header("Content-Length"), f"no Content-Length in {resp!r}"
            assert resp.one("Connection").lower() == "close", f"no Connection: close in {resp!r}"
            c.expect_eof(timeout, allow_reset=allow_reset)
        return resp
