"""A publisher pushing numbered binary messages as fast as its kernel takes
them and the members it reaches, all read in one selector loop: what the
server accepts and delivers over time (the --overflow block suites)."""

import selectors
import socket
import struct
import time

from wshub_test.frames import OP_BINARY, OP_CLOSE, masked_frame
from wshub_test.proc import rss_kib


def make_filler(size):
    return (bytes(range(256)) * (size // 256 + 1))[:size - 8]


class FloodMember:
    """One member read by a Flood: every data frame must be a binary message
    of the flood (an 8-byte sequence number plus the filler, intact). `ordered`:
    must receive every message in order (a fast member); otherwise a strictly
    increasing subsequence (a member that may miss some). `closing`: the
    stream may end with a close frame (a member the server closes, as
    --overflow close does): then `closed`, its code in close_code, and no
    frame may follow it."""

    def __init__(self, name, client, filler, ordered, closing=False):
        self.name = name
        self.client = client
        self.filler = filler
        self.size = len(filler) + 8
        self.ordered = ordered
        self.closing = closing
        self.closed = False  # a close frame came (then close_code is its code)
        self.close_code = None
        self.seqs = []
        self.times = []  # monotonic arrival time of each message (per read)
        self.active = False
        self.eof = False

    def take(self, data, now):
        for f in self.client.feed(data):
            fin, op, payload = f.fin, f.opcode, f.payload
            assert not self.closed, (
                f"{self.name}: frame op={op:#x} after the close frame (code {self.close_code})")
            if self.closing and op == OP_CLOSE:
                self.closed = True
                self.close_code = f.close_code
                continue
            assert (fin, op) == (True, OP_BINARY), (
                f"{self.name}: unexpected frame op={op:#x} fin={fin} after {len(self.seqs)} messages "
                f"(payload {payload[:40]!r})")
            assert len(payload) == self.size and payload[8:] == self.filler, (
                f"{self.name}: corrupt message ({len(payload)} bytes, starts {payload[:16]!r}) "
                f"after {len(self.seqs)} messages")
            seq = struct.unpack_from("!Q", payload)[0]
            if self.ordered:
                assert seq == len(self.seqs), (
                    f"{self.name}: got message #{seq}, want #{len(self.seqs)} (lost or reordered)")
            else:
                assert not self.seqs or seq > self.seqs[-1], (
                    f"{self.name}: message #{seq} after #{self.seqs[-1]} (reordered or duplicated)")
            self.seqs.append(seq)
            self.times.append(now)

    def count_between(self, t0, t1):
        return sum(1 for t in self.times if t0 <= t < t1)

    @property
    def last_time(self):
        return self.times[-1] if self.times else None


class Flood:
    """A publisher pushing numbered binary messages of `msg_size` bytes as
    fast as its kernel accepts them (non-blocking socket, small SO_SNDBUF), and
    the members it reads, all in one selector loop. `accepted` counts the bytes
    the publisher's kernel took; `limit` caps the messages published."""

    BATCH = 64

    def __init__(self, pub, msg_size, limit=None, pid=None):
        self.pub = pub
        self.pid = pid  # when given: the server's RSS is sampled every 50 ms
        self.rss_first = self.rss_peak = rss_kib(pid) if pid else None
        self.rss_at = 0.0
        self.filler = make_filler(msg_size)
        self.msg_size = msg_size
        self.frame_len = len(masked_frame(OP_BINARY, self.payload(0)))
        self.limit = limit
        self.built = 0  # messages built into `out` so far
        self.out = memoryview(b"")
        self.accepted = 0
        self.last_progress = time.monotonic()  # when the publisher's kernel last took bytes
        self.sel = selectors.DefaultSelector()
        self.members = []
        self.publishing = True
        # When set: a monotonic time at which a step stops publishing, even
        # if the publisher's kernel would take more (a server that keeps up
        # could otherwise keep one step publishing for ever).
        self.publish_until = None
        self.pub_registered = False
        pub.sock.setblocking(False)

    def payload(self, seq):
        return struct.pack("!Q", seq) + self.filler

    @property
    def accepted_msgs(self):
        return self.accepted // self.frame_len

    def add(self, name, client, ordered=True, active=True, closing=False):
        r = FloodMember(name, client, self.filler, ordered, closing)
        r.take(b"", time.monotonic())  # bytes read behind the 101
        self.members.append(r)
        if active:
            self.activate(r)
        return r

    def activate(self, r, rcvbuf=None):
        """Starts reading member r (first raising its SO_RCVBUF if given)."""
        if rcvbuf:
            r.client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        if not r.active:
            r.client.sock.setblocking(False)
            self.sel.register(r.client.sock, selectors.EVENT_READ, r)
            r.active = True

    def deactivate(self, r):
        if r.active:
            self.sel.unregister(r.client.sock)
            r.active = False

    def _publish(self, now):
        while self.publishing:
            if self.publish_until is not None and time.monotonic() >= self.publish_until:
                return
            if not self.out:
                if self.limit is not None and self.built >= self.limit:
                    return
                upto = self.built + self.BATCH
                if self.limit is not None:
                    upto = min(upto, self.limit)
                self.out = memoryview(b"".join(masked_frame(OP_BINARY, self.payload(i))
                                               for i in range(self.built, upto)))
                self.built = upto
            try:
                n = self.pub.sock.send(self.out)
            except BlockingIOError:
                self._want_write(True)
                return
            if n <= 0:
                return
            self.accepted += n
            self.last_progress = now
            self.out = self.out[n:]

    def _want_write(self, on):
        if on != self.pub_registered:
            if on:
                self.sel.register(self.pub.sock, selectors.EVENT_WRITE, None)
            else:
                self.sel.unregister(self.pub.sock)
            self.pub_registered = on

    def step(self, timeout=0.01):
        now = time.monotonic()
        if self.pid and now - self.rss_at >= 0.05:
            self.rss_at = now
            self.rss_peak = max(self.rss_peak, rss_kib(self.pid))
        self._want_write(False)
        self._publish(now)
        if not self.sel.get_map():
            time.sleep(timeout)
            return
        for key, _ in self.sel.select(timeout):
            r = key.data
            if r is None:
                continue  # the publisher can send again
            for _ in range(16):
                try:
                    data = r.client.sock.recv(1 << 20)
                except BlockingIOError:
                    break
                if not data:
                    r.eof = True
                    self.deactivate(r)
                    break
                r.take(data, now)
                if r.closed:
                    self.deactivate(r)  # its stream is over; the server may reset it later
                    break

    def run(self, seconds, until=None, what="condition", stuck=None):
        """Steps for `seconds`, or until until() is true (then returns the
        time it took; fails if it is not true within `seconds`). With `stuck`:
        fails as soon as no active member has received anything for `stuck` s
        (counted from the call at the earliest)."""
        t0 = time.monotonic()
        end = t0 + seconds
        while True:
            now = time.monotonic()
            if until is not None and until():
                return now - t0
            if now >= end:
                if until is not None:
                    raise AssertionError(f"{what}: not within {seconds}s ({self.status()})")
                return seconds
            if stuck is not None:
                last = max([t0] + [r.last_time for r in self.members if r.active and r.last_time])
                if now - last >= stuck:
                    raise AssertionError(
                        f"{what}: publisher stuck, no member received anything for {now - last:.1f}s "
                        f"although they all read ({self.status()})")
            self.step()

    def wait_stalled(self, quiet, timeout, watch=()):
        """Runs until the publisher's kernel has taken nothing for `quiet` s
        and none of the members in `watch` got anything for `quiet` s."""

        def stalled():
            now = time.monotonic()
            if now - self.last_progress < quiet:
                return False
            return all(r.last_time is None or now - r.last_time >= quiet for r in watch)

        return self.run(timeout, stalled, what=f"publisher stalled for {quiet}s")

    def stop(self):
        """Stops publishing and resets the publisher's connection: what its
        kernel still holds is never sent."""
        self.publishing = False
        self._want_write(False)
        self.pub.reset()

    def status(self):
        parts = [f"published {self.accepted_msgs} msgs ({self.accepted / (1 << 20):.2f} MiB accepted)"]
        for r in self.members:
            last = r.seqs[-1] if r.seqs else None
            parts.append(f"{r.name}: {len(r.seqs)} msgs, last #{last}, eof={r.eof}")
        return "; ".join(parts)

    def close(self):
        self._want_write(False)
        self.sel.close()


