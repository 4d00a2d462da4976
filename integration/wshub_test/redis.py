"""redis-server for the node suites: a private server on a free loopback port,
in a temporary directory, with no persistence (--save '' --appendonly no),
optionally with a password; stopped and started again on the same port (an
outage a node must ride out), and a small RESP2 client to look at it from
the side (PUBSUB NUMSUB, a PSUBSCRIBE that sees what nodes publish). Every
wait is bounded.

redis-server comes from the system (Debian's package): without it a test
skips, unless WSHUB_REQUIRE_REDIS=1 (.ci/run sets it), where it fails."""

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from wshub_test import T
from wshub_test.binary import free_port

START_TIMEOUT = 10.0  # seconds for a started server to answer PING
STOP_TIMEOUT = 5.0  # seconds for SIGTERM before SIGKILL


def redis_binary():
    """The path of redis-server; skips the test without one (fails where
    WSHUB_REQUIRE_REDIS=1)."""
    path = shutil.which("redis-server")
    if path:
        return path
    why = "redis-server not installed (Debian: apt-get install redis-server)"
    if os.environ.get("WSHUB_REQUIRE_REDIS") == "1":
        pytest.fail(why + ", and WSHUB_REQUIRE_REDIS=1")
    pytest.skip(why)


def _die_with_parent():
    # The server is killed with the test run, even if pytest itself is.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class RedisError(Exception):
    """An error reply (-ERR ...) from the server."""


class Client:
    """One RESP2 connection: commands as arrays of bulk strings, replies as
    str (simple strings), int, bytes or None (bulk), list (arrays);
    an error reply raises RedisError. AUTHs first when given a password."""

    def __init__(self, port, password=None, timeout=T):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.timeout = timeout
        self._buf = bytearray()
        self._at = 0  # where the reply being read has got to in _buf
        if password is not None:
            self.call("AUTH", password)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, *args):
        out = bytearray(b"*%d\r\n" % len(args))
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)

    def call(self, *args):
        self.send(*args)
        reply = self.read_reply()
        if isinstance(reply, RedisError):
            raise reply
        return reply

    def read_reply(self, timeout=None):
        """The next reply (a push too, once subscribed); socket.timeout if
        none is whole within `timeout` (default: the connection's), the
        bytes of a partial one kept for the next call."""
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        self._at = 0
        value = self._value(deadline)
        del self._buf[:self._at]
        return value

    def _line(self, deadline):
        while (end := self._buf.find(b"\r\n", self._at)) < 0:
            self._fill(deadline)
        line = bytes(self._buf[self._at:end])
        self._at = end + 2
        return line

    def _exact(self, n, deadline):
        while len(self._buf) < self._at + n + 2:
            self._fill(deadline)
        data = bytes(self._buf[self._at:self._at + n])
        self._at += n + 2
        return data

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("no whole reply from redis-server in time")
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("redis-server closed the connection")
        self._buf += data

    def _value(self, deadline):
        line = self._line(deadline)
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RedisError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n, deadline)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self._value(deadline) for _ in range(n)]
        raise AssertionError(f"not RESP2 from redis-server: {line!r}")


class RedisServer:
    """A redis-server of one test. start() launches it and waits until it
    answers PING; stop() ends the process but keeps its port and directory,
    so start() again brings it back on the same port; close() stops it and
    removes the directory. `port` may be chosen before any start (a node
    pointed at a Redis that is not there yet)."""

    def __init__(self, binary, password=None, extra_args=()):
        self.binary = binary
        self.password = password
        self.extra_args = list(extra_args)
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="wshub-redis-")
        self.process = None
        self._started = False  # once: later starts keep the port
        self._port_given = False  # url() was called: the port is someone's

    def url(self, password=None, user=None, db=None):
        """redis://[[USER]:PASSWORD@]127.0.0.1:PORT[/DB] (neither
        percent-encoded: the callers' secrets are hex)."""
        self._port_given = True
        auth = ""
        if password is not None or user is not None:
            auth = f"{user or ''}:{password or ''}@"
        path = f"/{db}" if db is not None else ""
        return f"redis://{auth}127.0.0.1:{self.port}{path}"

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def start(self):
        """Launches the server and waits until it answers PING. A first start
        whose port was taken meanwhile (the server exits at once) tries
        another, unless url() has handed the port out already."""
        assert not self.running, "redis-server is already running"
        for _ in range(3):
            self._launch()
            why = self._wait_ready()
            if why is None:
                self._started = True
                return
            if self._started or self._port_given or self.running:
                break
            self.port = free_port()
        self.stop()
        pytest.fail(f"redis-server on port {self.port}: {why}")

    def _launch(self):
        args = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "redis.log"]
        if self.password is not None:
            args += ["--requirepass", self.password]
        args += self.extra_args
        self.process = subprocess.Popen(args, cwd=self.dir, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent)

    def _wait_ready(self):
        """None once PING is answered; otherwise why not."""
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                return f"exited with {self.process.returncode} at start: {self.log_tail()}"
            try:
                with self.client(timeout=1) as c:
                    if c.call("PING") == "PONG":
                        return None
            except (OSError, RedisError):
                pass
            if time.monotonic() > deadline:
                return f"not answering PING after {START_TIMEOUT}s: {self.log_tail()}"
            time.sleep(0.02)

    def pause(self):
        """SIGSTOP: the server holds its connections but reads nothing."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        """SIGTERM, SIGKILL after STOP_TIMEOUT; the port and directory kept."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            self.process.send_signal(signal.SIGCONT)  # a paused server must run to see it
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        self.process = None

    def close(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def log_tail(self, chars=1500):
        try:
            with open(os.path.join(self.dir, "redis.log"), errors="replace") as f:
                return f.read()[-chars:]
        except OSError as e:
            return f"(no log: {e})"

    # ------------------------------------------------------------ looking in
    def client(self, timeout=T):
        return Client(self.port, self.password, timeout)

    def call(self, *args):
        """One command on a connection of its own."""
        with self.client() as c:
            return c.call(*args)

    def numsub(self, channel):
        """How many connections are subscribed to `channel`."""
        name, count = self.call("PUBSUB", "NUMSUB", channel)
        assert name == channel.encode(), name
        return count

    def channels(self, pattern="*"):
        """The channels with a subscriber, matching `pattern`, as str."""
        return {c.decode() for c in self.call("PUBSUB", "CHANNELS", pattern)}

    def wait_numsub(self, channel, count, timeout=T):
        """Polls until `channel` has `count` subscribers; returns the seconds taken."""
        start = time.monotonic()
        while (got := self.numsub(channel)) != count:
            if time.monotonic() - start > timeout:
                raise AssertionError(f"{channel}: {got} subscribers after {timeout}s, wanted {count} "
                                     f"(channels: {sorted(self.channels())})")
            time.sleep(0.02)
        return time.monotonic() - start


class Watcher:
    """A PSUBSCRIBE to `pattern`: every message published to a matching
    channel, as (channel, payload) bytes, in the order Redis sent them."""

    def __init__(self, server, pattern):
        self.client = server.client()
        self.client.send("PSUBSCRIBE", pattern)
        kind, got, _ = self.client.read_reply()
        assert (kind, got) == (b"psubscribe", pattern.encode()), (kind, got)

    def close(self):
        self.client.close()

    def drain(self, quiet=0.3):
        """Everything that arrives until `quiet` seconds pass with nothing."""
        out = []
        while True:
            try:
                push = self.client.read_reply(quiet)
            except socket.timeout:
                return out
            assert push[0] == b"pmessage", push
            out.append((push[2], push[3]))


def start_node(wshub, redis, *extra, workers=2, url=None):
    """A wshub node (through the suites' `wshub` fixture) on `redis` (at
    `url` if given: a password in it, say), with a raw route /raw and a json
    route /ws, the same on every node as they must be; returned once its
    `start` line is logged. The fixture's wait proves only that a first
    worker listens, and a connection accepted before the others listen
    would mislead member_on_worker's probes: `start` comes once all do.

    A drain of 1 s: a test that fails holds its clients open, which must not
    keep the node past the fixture's wait for its exit."""
    node = wshub("--workers", str(workers), "--route", "/raw=raw", "--route", "/ws=json",
                 "--redis", url or redis.url(), "--drain-timeout", "1s", *extra)
    deadline = time.monotonic() + T
    while " info start " not in node.stderr:
        assert time.monotonic() < deadline, f"no start line in {T}s:\n{node.stderr[-2000:]}"
        time.sleep(0.01)
    return node


def channel(room, ns="/raw", prefix="wshub"):
    """The channel a node's workers SUBSCRIBE to for `room` of namespace `ns`
    (the namespace with its length, since paths and rooms may hold ':')."""
    return f"{prefix}:room:{len(ns.encode())}:{ns}:{room}"


@pytest.fixture
def redis_servers():
    """Factory: redis_servers(password=None, start=True) makes a RedisServer
    (started unless start=False: its port is chosen all the same); every one
    is closed at teardown. Import it into a suite to use it."""
    binary = redis_binary()
    made = []

    def make(password=None, start=True):
        server = RedisServer(binary, password)
        made.append(server)
        if start:
            server.start()
        return server

    yield make
    for server in made:
        server.close()
