"""RawClient: the one raw-socket WebSocket client of the suites, and the
exchanges built on it. It sends whatever bytes a test gives it (broken
requests and frames included) and reads the server's answer exactly: a
response head, frames one at a time, or frames in bulk from a socket the test
reads itself (a selector loop)."""

import os
import socket
import struct
import time

from wshub_test.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    build_frame,
    check_server_frame,
    close_payload,
    make_key,
    parse_frame,
)
from wshub_test.httpmsg import assert_switching, parse_response_head, upgrade_request

DEFAULT_TIMEOUT = 3.0


class PeerClosed(Exception):
    pass


class RawClient:
    """A TCP connection to the server (TCP_NODELAY). Options, set before
    connecting: rcvbuf / sndbuf fix SO_RCVBUF / SO_SNDBUF (so the kernel keeps
    little of what a member does not read, or takes little from a publisher);
    source binds the local end to an address (any 127.x works on loopback) or
    to an (address, port) pair."""

    def __init__(self, host, port, timeout=DEFAULT_TIMEOUT, rcvbuf=None, sndbuf=None, source=None):
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
        # Received bytes not consumed yet are self._in[self._at:].
        self._in = bytearray()
        self._at = 0
        self.eof = False
        # When set, recv_frame answers server pings with a pong and skips them.
        self.auto_pong = False
        self.pings_seen = 0
        self.upgrade_response = None  # the 101, once upgraded

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

    def reset(self):
        """Closes with a TCP reset (SO_LINGER 0): no TIME_WAIT on either side."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()

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

    def pending(self):
        """How many received bytes are not consumed yet (a partial frame, say)."""
        return len(self._in) - self._at

    def unread(self):
        return bytes(self._in[self._at:])

    def _take_in(self, data):
        if self._at == len(self._in):
            self._in.clear()
            self._at = 0
        elif self._at > 1 << 20:
            del self._in[:self._at]
            self._at = 0
        self._in += data

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
        self._take_in(data)

    def recv_exact(self, n, timeout=DEFAULT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while self.pending() < n:
            self._fill(deadline)
        out = bytes(self._in[self._at:self._at + n])
        self._at += n
        return out

    # -------------------------------------------------------------------- HTTP
    def read_http_response(self, timeout=DEFAULT_TIMEOUT):
        """Reads a response head and, if it has a Content-Length, its body.
        Bytes after that stay buffered (e.g. frames after a 101)."""
        deadline = time.monotonic() + timeout
        while (end := self._in.find(b"\r\n\r\n", self._at)) < 0:
            try:
                self._fill(deadline)
            except PeerClosed:
                raise AssertionError(f"connection closed before a complete response head; got {self.unread()!r}")
            except socket.timeout:
                raise AssertionError(f"no complete response head within {timeout}s; got {self.unread()!r}")
        raw_head = self.recv_exact(end + 4 - self._at)
        resp = parse_response_head(raw_head)
        n = resp.content_length()
        try:
            resp.body = self.recv_exact(n, max(0.01, deadline - time.monotonic()))
        except PeerClosed:
            raise AssertionError(f"connection closed inside the body ({self.pending()} of {n} bytes); head {raw_head!r}")
        return resp

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
        self.upgrade_response = resp
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

    def _next_frame(self):
        parsed = parse_frame(self._in, self._at)
        if parsed is None:
            return None
        frame, self._at = parsed
        return frame

    def recv_frame(self, timeout=DEFAULT_TIMEOUT):
        """Reads one frame (handles partial reads). Raises PeerClosed on EOF."""
        deadline = time.monotonic() + timeout
        while True:
            f = self._next_frame()
            if f is None:
                self._fill(deadline)
                continue
            if self.auto_pong and f.opcode == OP_PING:
                self.pings_seen += 1
                self.send_frame(OP_PONG, f.payload)
                continue
            return f

    def feed(self, data):
        """Takes bytes the caller read from self.sock itself (a selector loop,
        say) and returns every frame now complete, bytes buffered before
        included; each is checked to be a well-formed server frame."""
        self._take_in(data)
        frames = []
        while (f := self._next_frame()) is not None:
            check_server_frame(f)
            frames.append(f)
        return frames

    def drain_frames(self, timeout):
        """Reads whatever arrives within `timeout` s (or until EOF), as feed()
        does; returns (frames, eof)."""
        frames = self.feed(b"")
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return frames, False
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(1 << 20)
            except socket.timeout:
                return frames, False
            if not data:
                return frames, True
            frames += self.feed(data)

    def expect_message(self, opcode, payload, timeout=DEFAULT_TIMEOUT):
        """Asserts the next frame is one unfragmented, unmasked server frame."""
        if isinstance(payload, str):
            payload = payload.encode("utf-8")
        f = self.recv_frame(timeout)
        assert (f.opcode, f.fin, f.rsv, f.masked) == (opcode, True, 0, False), f"unexpected frame {f!r}"
        assert f.payload == payload, (f"payload mismatch: got {len(f.payload)} bytes {f.payload[:60]!r}, "
                                      f"want {len(payload)} bytes {payload[:60]!r}")
        return f

    def expect_eof(self, timeout=DEFAULT_TIMEOUT, allow_reset=False):
        """Asserts that nothing more arrives and the server closes TCP."""
        assert not self.pending(), f"unexpected bytes before EOF: {self.unread()!r}"
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
                raise AssertionError(f"expected EOF, got more bytes: {self.unread()[:200]!r}")
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
            raise AssertionError(f"server closed TCP without a close frame (wanted code {code}); "
                                 f"buffered {self.unread()!r}")
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


# ------------------------------------------------------------- exchanges
def open_ws(server, path="/echo", timeout=DEFAULT_TIMEOUT, rcvbuf=None, sndbuf=None, source=None, **handshake):
    """A RawClient upgraded on `path` (closed again if the upgrade fails);
    `handshake` goes to RawClient.handshake (protocols, extra_headers ...)."""
    c = RawClient(server.host, server.port, timeout=timeout, rcvbuf=rcvbuf, sndbuf=sndbuf, source=source)
    try:
        c.handshake(path=path, **handshake)
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


def check_refusal(client, resp, timeout=DEFAULT_TIMEOUT, allow_reset=False):
    """Asserts how every answer other than a 101 is framed: a Content-Length,
    Connection: close, and then the server closes the connection."""
    assert resp.header("Content-Length"), f"no Content-Length in {resp!r}"
    assert resp.one("Connection").lower() == "close", f"no Connection: close in {resp!r}"
    client.expect_eof(timeout, allow_reset=allow_reset)


def http_exchange(server, request, timeout=DEFAULT_TIMEOUT, allow_reset=False):
    """Sends raw request bytes, returns the response; one other than a 101
    is checked by check_refusal."""
    with RawClient(server.host, server.port) as c:
        c.send(request)
        resp = c.read_http_response(timeout)
        if resp.status != 101:
            check_refusal(c, resp, timeout, allow_reset)
        return resp


def upgrade_attempt(server, path, headers=(), protocols=None, source=None):
    """One upgrade request for `path` (from `source` if given). Returns
    (response, client): on a 101 the client is open (the caller closes it) and
    the 101 is checked; otherwise the refusal is checked by check_refusal and
    client is None."""
    c = RawClient(server.host, server.port, source=source)
    try:
        key = make_key()
        c.send(upgrade_request(c.host_header, path=path, key=key, protocols=protocols, extra_headers=list(headers)))
        resp = c.read_http_response()
        if resp.status == 101:
            assert_switching(resp, key)
            c.upgrade_response = resp
            return resp, c
        check_refusal(c, resp)
        c.close()
        return resp, None
    except BaseException:
        c.close()
        raise
