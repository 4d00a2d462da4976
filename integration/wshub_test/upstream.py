"""Upstream WebSocket servers for the proxy-route suites (--route
PATH=proxy,upstream=ws://IP:PORT/UPATH), each on a loopback port of its own:

  WsUpstream    python `websockets` (Debian's 10.4) on an asyncio loop in a
                thread of its own: records every upgrade request it sees (target
                and headers) and how each connection ended, and runs a handler
                (an echo unless told otherwise); or refuses every upgrade
  RawUpstream   a raw TCP listener running a test's script on each accepted
                connection (an UpstreamPeer) in a thread: silence, any answer,
                any frame (masked ones, invalid UTF-8), floods, not reading
  UpstreamPeer  one accepted connection from the upstream's side: the proxy's
                request read, answered, frames read (masked, as a client's
                must be) and sent (unmasked, as a server's are)
  client_message  a RawClient's next message through a proxy, fragments joined

The `upstreams` fixture (import it into a suite) starts them and stops every
one at teardown, failing the test if a RawUpstream script raised.
"""

import asyncio
import collections
import socket
import struct
import threading
import time

import pytest
import websockets

from wshub_test import T
from wshub_test.admission import deltas, snapshot
from wshub_test.binary import free_port
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT
from wshub_test.frames import accept_for, build_frame, close_payload, parse_frame

HOST = "127.0.0.1"

# The counters a proxy route's refusals and upstream failures move.
UPSTREAM_FAMILIES = ("wshub_upstream_failures_total", "wshub_connections_rejected_total",
                     "wshub_upstream_connects_total")


def upstream_failure(reason):
    return f'wshub_upstream_failures_total{{reason="{reason}"}}'


REJECTED_UPSTREAM = 'wshub_connections_rejected_total{reason="upstream"}'


def counters(server):
    """The series of UPSTREAM_FAMILIES now."""
    return snapshot(server, UPSTREAM_FAMILIES)


def expect_counter_deltas(server, before, want, timeout=2.0):
    """Scrapes until the series of UPSTREAM_FAMILIES moved by exactly `want`
    ({series: delta}, every other one unchanged) since `before` (counters()),
    or fails after `timeout` s with what did move."""
    deadline = time.monotonic() + timeout
    while True:
        got = deltas(before, counters(server))
        if got == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"counter deltas {got!r}, wanted exactly {want!r}")
        time.sleep(0.05)


def proxy_route(path, *urls, options=""):
    """The --route value of a proxy route on `path` to `urls`, in order;
    `options` (",auth", ",scope=S" ...) goes after the mode."""
    return f"{path}=proxy{options}," + ",".join(f"upstream={u}" for u in urls)


def refused_url(upath="/up"):
    """An upstream URL on a loopback port nothing listens on (a TCP connect
    there is refused)."""
    return f"ws://{HOST}:{free_port()}{upath}"


class RequestHead:
    """An upgrade request as an upstream received it: target and headers
    ([(name, value)] in order); `raw_head` when read from a socket."""

    def __init__(self, target, headers, method="GET", raw_head=None):
        self.method = method
        self.target = target
        self.headers = list(headers)
        self.raw_head = raw_head

    @classmethod
    def parse(cls, raw_head):
        """From a head ending in CRLF CRLF; asserts an HTTP/1.1 request line
        and well-formed header lines."""
        lines = raw_head.decode("latin-1")[:-4].split("\r\n")
        parts = lines[0].split(" ")
        assert len(parts) == 3 and parts[2] == "HTTP/1.1", f"bad request line {lines[0]!r}"
        headers = []
        for line in lines[1:]:
            assert ":" in line, f"bad header line {line!r} in {raw_head!r}"
            name, value = line.split(":", 1)
            assert name and name == name.strip(), f"bad header name in {line!r}"
            headers.append((name, value.strip(" \t")))
        return cls(parts[1], headers, method=parts[0], raw_head=raw_head)

    def header(self, name):
        """All values of a header (case-insensitive name)."""
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def one(self, name):
        vals = self.header(name)
        assert len(vals) == 1, f"expected exactly one {name} header, got {vals!r} in {self!r}"
        return vals[0]

    def tokens(self, name):
        """The comma-separated elements of every `name` header, in order."""
        return [t.strip() for v in self.header(name) for t in v.split(",") if t.strip()]

    def __repr__(self):
        return f"RequestHead({self.method} {self.target} {self.headers!r})"


class UpstreamPeer:
    """One connection accepted by a RawUpstream, seen from the upstream."""

    def __init__(self, sock):
        self.sock = sock
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._in = bytearray()
        self._at = 0
        self.request = None

    def _fill(self, deadline):
        """Reads more bytes; False at EOF (or a reset). socket.timeout once
        `deadline` passes."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        try:
            data = self.sock.recv(1 << 20)
        except ConnectionResetError:
            data = b""
        if not data:
            return False
        if self._at == len(self._in):
            self._in.clear()
            self._at = 0
        self._in += data
        return True

    # -------------------------------------------------------------- HTTP
    def read_request(self, timeout=T):
        """The proxy's request head (kept in self.request)."""
        deadline = time.monotonic() + timeout
        while (end := self._in.find(b"\r\n\r\n", self._at)) < 0:
            assert self._fill(deadline), f"EOF before a complete request head: {bytes(self._in[self._at:])!r}"
        head = bytes(self._in[self._at:end + 4])
        self._at = end + 4
        self.request = RequestHead.parse(head)
        return self.request

    def send(self, data, timeout=T):
        """Sends all of `data` within `timeout` s (a flood blocked by a
        proxy that does not read may need longer than the default)."""
        self.sock.settimeout(timeout)
        self.sock.sendall(data)

    def answer_101(self, protocol=None, trailing=b""):
        """A correct 101 for the request read (with `protocol` if given),
        then `trailing` in the same send."""
        accept = accept_for(self.request.one("Sec-WebSocket-Key"))
        lines = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                 f"Sec-WebSocket-Accept: {accept}"]
        if protocol is not None:
            lines.append(f"Sec-WebSocket-Protocol: {protocol}")
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + trailing)

    def handshake(self, protocol=None, trailing=b""):
        """Reads the request and answers a correct 101."""
        self.read_request()
        self.answer_101(protocol, trailing=trailing)
        return self.request

    # ------------------------------------------------------------ frames
    def send_frame(self, opcode, payload=b"", mask=False, **kw):
        """A frame as a server sends it (unmasked) unless told otherwise."""
        self.send(build_frame(opcode, payload, mask=mask, **kw))

    def send_close(self, code=None, reason=b""):
        self.send_frame(OP_CLOSE, b"" if code is None else close_payload(code, reason))

    def recv_client_frame(self, timeout=T):
        """The proxy's next frame (unmasked), asserting what a client's
        frame must be: masked, no RSV bit; None at EOF. Raises
        socket.timeout after `timeout` s."""
        deadline = time.monotonic() + timeout
        while (parsed := parse_frame(self._in, self._at)) is None:
            if not self._fill(deadline):
                return None
        f, self._at = parsed
        assert f.masked and f.rsv == 0, f"the proxy sent its upstream an unmasked frame or RSV bits: {f!r}"
        return f

    def recv_message(self, timeout=T):
        """The next data message, fragments joined: (opcode, payload).
        Pings are answered; a close frame or EOF before it fails."""
        deadline = time.monotonic() + timeout
        opcode, parts = None, []
        while True:
            f = self.recv_client_frame(max(0.0, deadline - time.monotonic()))
            assert f is not None, f"EOF inside or before a message ({len(parts)} fragments read)"
            if f.opcode == OP_PING:
                self.send_frame(OP_PONG, f.payload)
                continue
            if f.opcode == OP_PONG:
                continue
            assert f.opcode != OP_CLOSE, f"close frame {f!r} where a message was wanted"
            if opcode is None:
                assert f.opcode != OP_CONT, f"continuation frame {f!r} without a message"
                opcode = f.opcode
            else:
                assert f.opcode == OP_CONT, f"frame {f!r} inside a fragmented message"
            parts.append(f.payload)
            if f.fin:
                return opcode, b"".join(parts)

    def read_until_close(self, timeout=T):
        """Skips frames up to the proxy's close frame and returns it (None if
        the connection ends without one)."""
        deadline = time.monotonic() + timeout
        while True:
            f = self.recv_client_frame(max(0.0, deadline - time.monotonic()))
            if f is None or f.opcode == OP_CLOSE:
                return f

    def wait_eof(self, timeout=T):
        """Reads (and drops) whatever comes until EOF; False if none came in `timeout` s."""
        deadline = time.monotonic() + timeout
        try:
            while self._fill(deadline):
                self._at = len(self._in)
        except socket.timeout:
            return False
        return True

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def reset(self):
        """Closes with a TCP reset (SO_LINGER 0)."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close()


def client_message(client, timeout=T):
    """A RawClient's next message through a proxy, which may re-fragment it:
    (opcode, payload) of its frames joined, each a well-formed server frame."""
    f = client.recv_frame(timeout)
    assert f.opcode in (OP_TEXT, OP_BINARY), f"wanted a message, got {f!r}"
    op, parts = f.opcode, [f.payload]
    while True:
        assert not f.masked and f.rsv == 0, f"malformed frame from the proxy {f!r}"
        if f.fin:
            return op, b"".join(parts)
        f = client.recv_frame(timeout)
        assert f.opcode == OP_CONT, f"frame {f!r} inside a fragmented message"
        parts.append(f.payload)


class RawUpstream:
    """A listener on a loopback port of its own; each accepted connection
    runs script(peer) in a thread of its own. A script's return value or
    exception is kept with its peer (wait_peer); exceptions fail the test at
    teardown too. `rcvbuf` (bytes): SO_RCVBUF of the listener, so of every
    accepted connection (an upstream that keeps little it does not read)."""

    def __init__(self, script, rcvbuf=None):
        self.script = script
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf:
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.listener.bind((HOST, 0))
        self.listener.listen(1024)
        self.port = self.listener.getsockname()[1]
        self.peers = []  # UpstreamPeer, in the order accepted
        self.results = {}  # peer -> ("ok", value) | ("error" | "reported", exception)
        self._cond = threading.Condition()
        self._threads = []
        self._stopping = False
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def url(self, upath="/up"):
        return f"ws://{HOST}:{self.port}{upath}"

    def _accept_loop(self):
        self.listener.settimeout(0.1)
        while not self._stopping:
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            peer = UpstreamPeer(sock)
            t = threading.Thread(target=self._run, args=(peer,), daemon=True)
            with self._cond:
                self.peers.append(peer)
                self._threads.append(t)
                self._cond.notify_all()
            t.start()

    def _run(self, peer):
        try:
            result = ("ok", self.script(peer))
        except BaseException as e:  # kept for the test (and the teardown) to see
            result = ("error", e)
        with self._cond:
            self.results[peer] = result
            self._cond.notify_all()

    def wait_peer(self, index=0, timeout=T):
        """The return value of the script on the index-th connection,
        waiting for it to finish; its exception is raised here (and then
        not again at teardown)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while index >= len(self.peers) or self.peers[index] not in self.results:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    state = "not accepted" if index >= len(self.peers) else "still running"
                    raise AssertionError(f"upstream connection #{index}: {state} after {timeout}s")
                self._cond.wait(remaining)
            peer = self.peers[index]
            kind, value = self.results[peer]
            if kind == "error":
                self.results[peer] = ("reported", value)
        if kind == "error":
            raise value
        return value

    def stop(self):
        """Stops accepting, closes every connection, joins the scripts;
        returns the exceptions scripts raised."""
        self._stopping = True
        self.listener.close()
        self._acceptor.join(T)
        with self._cond:
            peers, threads = list(self.peers), list(self._threads)
        for p in peers:
            try:  # wakes a script blocked reading or sending
                p.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            p.close()
        for t in threads:
            t.join(T)
        return [v for kind, v in self.results.values() if kind == "error"]


# How a WsUpstream connection ended: its close code and reason as websockets
# saw them, and the subprotocol it had chosen (None: none).
Ended = collections.namedtuple("Ended", "code reason subprotocol")


class WsUpstream:
    """A `websockets` server on a loopback port of its own, in a thread with
    its own event loop. Each upgrade request is recorded in `requests`
    (RequestHead, in the order seen, refused ones included). `handler(ws)`
    (async) serves each connection (default: echo every message); how each
    ended goes to `closes` (Ended). `subprotocols`: the ones it supports.
    `refuse`: (HTTPStatus, body) answered to every upgrade instead of a 101.
    `port`: the port to listen on (default: one the kernel picks)."""

    def __init__(self, handler=None, subprotocols=None, refuse=None, port=0):
        self.handler = handler or echo
        self.subprotocols = subprotocols
        self.refuse = refuse
        self.requests = []
        self.closes = []
        self._cond = threading.Condition()
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._stop = None
        self._error = None
        self.port = port
        self._thread = threading.Thread(target=self._main, daemon=True)
        self._thread.start()
        if not self._started.wait(T) or self._error:
            raise AssertionError(f"websockets upstream did not start: {self._error!r}")

    def url(self, upath="/up"):
        return f"ws://{HOST}:{self.port}{upath}"

    async def _record(self, path, headers):
        with self._cond:
            self.requests.append(RequestHead(path, headers.raw_items()))
            self._cond.notify_all()
        if self.refuse:
            status, body = self.refuse
            return status, [("Content-Type", "text/plain")], body
        return None

    async def _serve(self, ws):
        try:
            await self.handler(ws)
        except websockets.ConnectionClosed:
            pass
        finally:
            # The handler may return before the close handshake is over.
            try:
                await asyncio.wait_for(ws.wait_closed(), T)
            except asyncio.TimeoutError:
                pass
            with self._cond:
                self.closes.append(Ended(ws.close_code, ws.close_reason, ws.subprotocol))
                self._cond.notify_all()

    def _main(self):
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._run())
        except BaseException as e:  # reported by the constructor or stop()
            self._error = e
            self._started.set()
        finally:
            self._loop.close()

    async def _run(self):
        self._stop = asyncio.Event()
        server = await websockets.serve(
            self._serve, HOST, self.port, process_request=self._record, subprotocols=self.subprotocols,
            max_size=None, max_queue=None, ping_interval=None, compression=None, close_timeout=T)
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        await self._stop.wait()
        server.close()
        await asyncio.wait_for(server.wait_closed(), T)

    def wait_requests(self, n, timeout=T):
        """The first n requests, once seen."""
        return self._wait(self.requests, n, timeout, "upgrade requests")

    def wait_closes(self, n, timeout=T):
        """How the first n connections ended, once they have."""
        return self._wait(self.closes, n, timeout, "closed connections")

    def _wait(self, seq, n, timeout, what):
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(seq) < n:
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"websockets upstream: {len(seq)} {what} after {timeout}s, wanted {n}"
                self._cond.wait(remaining)
            return list(seq[:n])

    def stop(self):
        if self._stop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(T + 1)
        return [self._error] if self._error else []


async def echo(ws):
    """Sends every message back, with its type."""
    async for message in ws:
        await ws.send(message)


class Upstreams(list):
    """What the `upstreams` fixture yields: ws(...) and raw(...) start a
    WsUpstream and a RawUpstream (arguments as theirs)."""

    def ws(self, handler=None, **kw):
        self.append(WsUpstream(handler, **kw))
        return self[-1]

    def raw(self, script, **kw):
        self.append(RawUpstream(script, **kw))
        return self[-1]


@pytest.fixture
def upstreams():
    """Upstreams, every one stopped at teardown; a RawUpstream script's
    exception no test saw through wait_peer fails the test then."""
    started = Upstreams()
    yield started
    errors = [e for u in started for e in u.stop()]
    if errors:
        pytest.fail("upstream script failed: " + "; ".join(f"{type(e).__name__}: {e}" for e in errors))
