"""Starts the wshub binary for the integration suites: the `wshub` and
`server` fixtures. The binary is $WSHUB_BIN (wshub_test.binary). Every server
is stopped with SIGTERM at teardown, and the teardown fails unless it exited 0
with no sanitizer report on stderr (the same suites run against the ASan/UBSan
build).
"""

import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest

from wshub_test.binary import clean_env, free_port, wshub_bin

SANITIZER_MARKERS = (
    "AddressSanitizer",
    "LeakSanitizer",
    "UndefinedBehaviorSanitizer",
    "ThreadSanitizer",
    "runtime error",
)


def read_whole(log):
    """A child's log file, read with pread: the child writes at the offset it
    shares with this file object, so seeking it would make the child's next
    line land over the start of the log."""
    fd = log.fileno()
    return os.pread(fd, os.fstat(fd).st_size, 0).decode("utf-8", "replace")


class Server:
    def __init__(self, args, env=None, listen=True, port=None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.args = list(args)
        if listen:
            self.args = ["--listen", f"{self.host}:{self.port}"] + self.args
        self._stderr_file = tempfile.TemporaryFile(mode="w+b")
        self.process = subprocess.Popen(
            [wshub_bin(), *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr_file,
            env=clean_env(env),
        )
        self.stopped = False
        self.returncode = None

    @property
    def pid(self):
        return self.process.pid

    @property
    def stderr(self):
        return read_whole(self._stderr_file)

    def url(self, path="/echo"):
        return f"ws://{self.host}:{self.port}{path}"

    def wait_ready(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            rc = self.process.poll()
            if rc is not None:
                pytest.fail(f"wshub {' '.join(self.args)} exited with {rc} before listening; stderr:\n{self.stderr}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                pytest.fail(f"wshub {' '.join(self.args)} not accepting on {self.port} after {timeout}s; stderr:\n{self.stderr}")
            time.sleep(0.02)

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Sends `sig`, waits for exit, returns the exit status."""
        if self.stopped:
            return self.returncode
        self.stopped = True
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
                self.returncode = "killed: no exit within %.1fs of %s" % (timeout, signal.Signals(sig).name)
                return self.returncode
        self.returncode = self.process.returncode
        return self.returncode

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.stopped = True
        self.returncode = self.process.returncode

    def kill_on_purpose(self):
        """SIGKILL as a test's own fault (a node that dies): the exit it
        makes is the one teardown wants."""
        self.kill()
        self.wanted_rc = -signal.SIGKILL

    def check_clean_exit(self):
        rc = self.stop()
        err = self.stderr
        problems = []
        if rc != getattr(self, "wanted_rc", 0):
            problems.append(f"exit status {rc} (wanted 0)")
        for marker in SANITIZER_MARKERS:
            if marker in err:
                problems.append(f"stderr contains {marker!r}")
        self._stderr_file.close()
        if problems:
            pytest.fail(f"wshub {' '.join(self.args)}: " + "; ".join(problems) + "\nstderr:\n" + err[-8000:])


@pytest.fixture
def wshub():
    """Factory: wshub(*flags, env=None, listen=True, port=None) starts a server
    and waits until it accepts; all are stopped and checked at teardown."""
    servers = []

    def start(*flags, env=None, listen=True, port=None, ready=True):
        s = Server(flags, env=env, listen=listen, port=port)
        servers.append(s)
        if ready:
            s.wait_ready()
        return s

    yield start
    failures = []
    for s in servers:
        try:
            s.check_clean_exit()
        except BaseException as e:  # pytest.fail raises a BaseException subclass
            failures.append(str(e))
    if failures:
        pytest.fail("\n\n".join(failures))


@pytest.fixture
def server(wshub):
    """A server with default flags (plus --route /echo=echo implied)."""
    return wshub()
