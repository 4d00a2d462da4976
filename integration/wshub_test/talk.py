"""wshub-talk (src/examples/talk.cpp), the line-oriented program on wshub's
public WebSocket client (wshub/client.h), run as a subprocess: every stdin
line goes out as a message, every message in is printed on stdout followed
by '\\n', and stderr tells "open PROTOCOL", "close CODE REASON" or "fail
STATUS WHY". Exit status: 0 after a close with 1000, 1 if it never opened,
2 for bad arguments, 3 after any other close.

  talk_bin     $WSHUB_TALK_BIN, else wshub-talk beside $WSHUB_BIN (so the
               sanitizer build's under `make asan`); skips when not built
  Talk         one run: input fed while it runs, its events and lines waited for
  run_talk     one run to completion with all of its input at once
  Outcome      how a run ended: exit status, stdout, stderr's lines
  answer_close a raw server's side of a close the client began
  frames_with_keys  a raw server's read of client frames with their masking keys
"""

import subprocess
import tempfile
import time

import pytest

from conftest import SANITIZER_MARKERS, read_whole
from wshub_test import T
from wshub_test.binary import clean_env, example_bin
from wshub_test.frames import OP_CLOSE, parse_frame

EXIT_NORMAL_CLOSE = 0
EXIT_NEVER_OPENED = 1
EXIT_BAD_ARGUMENTS = 2
EXIT_OTHER_CLOSE = 3


def talk_bin():
    return example_bin("talk", "WSHUB_TALK_BIN")


class Outcome:
    """A finished run: `rc`, `out` (stdout, bytes), `events` (stderr's
    lines); `lines` is stdout split at each '\\n' the program printed."""

    def __init__(self, argv, rc, out, err):
        self.argv = argv
        self.rc = rc
        self.out = out
        self.err = err
        self.events = err.splitlines()

    @property
    def lines(self):
        assert self.out.endswith(b"\n") or not self.out, f"stdout does not end in a newline: {self!r}"
        return self.out.split(b"\n")[:-1]

    def event(self, kind):
        """The one stderr line starting with `kind` ("open", "close", "fail")."""
        found = [e for e in self.events if e.split(" ", 1)[0] == kind]
        assert len(found) == 1, f"wanted one {kind!r} line on stderr: {self!r}"
        return found[0]

    def assert_closed(self, code, reason=None):
        """Opened, then closed with `code` (and `reason` when given): the exit
        status that code makes. Returns the reason printed."""
        self.event("open")
        _, got_code, got_reason = self.event("close").split(" ", 2)
        assert int(got_code) == code, f"close code {got_code}, wanted {code}: {self!r}"
        if reason is not None:
            assert got_reason == reason, f"close reason {got_reason!r}, wanted {reason!r}: {self!r}"
        want_rc = EXIT_NORMAL_CLOSE if code == 1000 else EXIT_OTHER_CLOSE
        assert self.rc == want_rc, f"exit {self.rc}, wanted {want_rc}: {self!r}"
        return got_reason

    def assert_failed(self, status, *words):
        """Never opened: "fail STATUS WHY", WHY naming each of `words`
        (case-insensitive), exit 1, nothing on stdout. Returns WHY."""
        _, got_status, why = self.event("fail").split(" ", 2)
        assert int(got_status) == status, f"fail status {got_status}, wanted {status}: {self!r}"
        for w in words:
            assert w.lower() in why.lower(), f"{why!r} does not name {w!r}: {self!r}"
        assert not [e for e in self.events if e.startswith(("open", "close"))], self
        assert self.rc == EXIT_NEVER_OPENED and self.out == b"", self
        return why

    def assert_bad_arguments(self, *words):
        """Exit 2 before any connection, stderr naming each of `words`."""
        assert self.rc == EXIT_BAD_ARGUMENTS, f"exit {self.rc}, wanted 2: {self!r}"
        assert not [e for e in self.events if e.startswith(("open", "close", "fail"))], self
        for w in words:
            assert w.lower() in self.err.lower(), f"stderr does not name {w!r}: {self!r}"

    def __repr__(self):
        out = self.out if len(self.out) <= 200 else self.out[:200] + b"..."
        return f"Outcome({' '.join(self.argv[1:])!r}: exit {self.rc}, stderr {self.err[-2000:]!r}, stdout {out!r})"


class Talk:
    """wshub-talk running with `flags` and `url`: stdin a pipe fed by
    feed() until end_input(), stdout and stderr kept in files. `env`: extra
    environment variables."""

    def __init__(self, url, *flags, env=None):
        self.argv = [talk_bin(), *flags, url]
        self._out = tempfile.TemporaryFile(mode="w+b")
        self._err = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=self._out, stderr=self._err,
                                     env=clean_env(env))

    @property
    def pid(self):
        return self.proc.pid

    @property
    def stderr(self):
        return read_whole(self._err)

    def feed(self, data):
        """Writes `data` to its stdin (blocking while it does not read);
        False if it has stopped reading for good (it exited)."""
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
            return True
        except (BrokenPipeError, ValueError):
            return False

    def wait_lines(self, count, timeout=T):
        """Waits until it has printed `count` lines (messages) on stdout; fails
        if it exits or `timeout` s pass first. (A server that answers a close
        at once drops the messages it had yet to send: a test that wants
        them all ends the input after they came.)"""
        deadline = time.monotonic() + timeout
        while (seen := read_whole(self._out).count("\n")) < count:
            if self.proc.poll() is not None or time.monotonic() > deadline:
                state = f"exited {self.proc.returncode}" if self.proc.poll() is not None else f"after {timeout}s"
                pytest.fail(f"wshub-talk printed {seen} of {count} lines ({state}); stderr {self.stderr!r}")
            time.sleep(0.01)

    def end_input(self):
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass

    def wait_event(self, kind, timeout=T):
        """The first stderr line starting with `kind`, once printed; fails if
        the program exits or `timeout` s pass first."""
        deadline = time.monotonic() + timeout
        while True:
            for line in self.stderr.splitlines():
                if line.split(" ", 1)[0] == kind:
                    return line
            if self.proc.poll() is not None or time.monotonic() > deadline:
                state = f"exited {self.proc.returncode}" if self.proc.poll() is not None else f"after {timeout}s"
                pytest.fail(f"wshub-talk printed no {kind!r} line ({state}); stderr {self.stderr!r}")
            time.sleep(0.01)

    def wait(self, timeout=2 * T, end_input=True):
        """Its Outcome once it exits (stdin closed first unless `end_input`
        is False: the server ends it); killed and failed after `timeout` s.
        No sanitizer report allowed."""
        if end_input:
            self.end_input()
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"wshub-talk {' '.join(self.argv[1:])} still running after {timeout}s; "
                        f"stderr {self.stderr!r}")
        self.end_input()
        self._out.seek(0)
        outcome = Outcome(self.argv, rc, self._out.read(), self.stderr)
        self._out.close()
        self._err.close()
        for marker in SANITIZER_MARKERS:
            assert marker not in outcome.err, f"wshub-talk: {marker} on stderr: {outcome.err[-8000:]}"
        return outcome

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def run_talk(url, *flags, input=b"", answers=0, timeout=2 * T, env=None):
    """Runs wshub-talk to its exit with all of `input` (bytes, or str as
    UTF-8) on stdin, the input ended once `answers` lines are printed; its
    Outcome."""
    talk = Talk(url, *flags, env=env)
    try:
        talk.feed(input.encode("utf-8") if isinstance(input, str) else input)
        if answers:
            talk.wait_lines(answers, timeout)
        return talk.wait(timeout)
    finally:
        talk.kill()


# ----------------------------------------------------- a raw server's side


def answer_close(peer, timeout=T):
    """A RawUpstream script's end of a close the client began: the client's
    close frame (frames before it skipped) echoed, then the client's EOF
    waited for. Returns the client's close frame."""
    frame = peer.read_until_close(timeout)
    assert frame is not None, "the client's connection ended with no close frame"
    peer.send_frame(OP_CLOSE, frame.payload[:2])
    assert peer.wait_eof(timeout), "the client kept the connection open after the close handshake"
    return frame


def mask_key_at(buf, pos):
    """The masking key of the frame whose header starts at buf[pos] (None:
    not masked)."""
    b1 = buf[pos + 1]
    if not b1 & 0x80:
        return None
    length = b1 & 0x7F
    at = pos + 2 + (2 if length == 126 else 8 if length == 127 else 0)
    return bytes(buf[at:at + 4])


def frames_with_keys(peer, count, timeout=T):
    """The client's next `count` frames read off a RawUpstream peer's socket
    after its handshake (the client sends nothing before the 101, so no byte
    of them is buffered in the peer): [(Frame unmasked, masking key)]. Fewer
    if the connection ends first."""
    deadline = time.monotonic() + timeout
    buf, pos, frames = bytearray(), 0, []
    while len(frames) < count:
        parsed = parse_frame(buf, pos)
        if parsed is None:
            peer.sock.settimeout(max(0.01, deadline - time.monotonic()))
            data = peer.sock.recv(1 << 20)
            if not data:
                break
            buf += data
            continue
        frame, end = parsed
        frames.append((frame, mask_key_at(buf, pos)))
        pos = end
    assert pos == len(buf), f"{len(buf) - pos} bytes after the client's {count} frames"
    return frames
