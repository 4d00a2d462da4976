"""A publisher on one worker flooding a room whose members, pinned to other
workers, read nothing through a 4 KiB SO_RCVBUF: every message crosses to
another worker for members whose queues are full. Measures what the server
does meanwhile (its RSS every 50 ms; how long a fresh client landing on a
members' worker waits for its 101) and reads what the members got once they
read again. Used by test_overflow_workers.py and scripts/flood_probe.py."""

import selectors
import socket
import threading
import time

from wshub_test import T
from wshub_test.client import RawClient
from wshub_test.flood import Flood
from wshub_test.frames import make_key
from wshub_test.httpmsg import assert_switching, upgrade_request
from wshub_test.members import member, member_on_worker, source_on_worker, sources_on_workers
from wshub_test.proc import RssSampler, rss_kib

ROOM = "r"
MSG_SIZE = 1024
PUB_WORKER = 0
MEMBER_RCVBUF = 4096  # the kernel keeps next to nothing a member does not read
READ_RCVBUF = 1 << 20  # once the members read again
READ_CHUNK = 64 << 10  # the most read from one member at a time: a round over 200 stays short


def placement(members, workers):
    """{worker: count} for a server of `workers` workers: all the members on
    the last worker, so that one worker lags with all of them (as in the
    issue), whatever the worker count."""
    assert workers >= 2 and PUB_WORKER != workers - 1
    return {workers - 1: members}


class TimedUpgrade(threading.Thread):
    """One upgrade from `source` (chosen beforehand, so that it lands on a
    known worker), `delay` s after start(), timed in a thread of its own:
    `seconds` from connect() to the whole 101 read; None, with `error` saying
    why, if no 101 came within `timeout` s."""

    def __init__(self, server, source, timeout, delay=0.0, path="/echo"):
        super().__init__(daemon=True)
        self.server = server
        self.source = source
        self.timeout = timeout
        self.delay = delay
        self.path = path
        self.seconds = None
        self.error = None

    def run(self):
        time.sleep(self.delay)
        t0 = time.monotonic()
        client = None
        try:
            client = RawClient(self.server.host, self.server.port, timeout=self.timeout, source=self.source)
            key = make_key()
            client.send(upgrade_request(client.host_header, path=self.path, key=key))
            assert_switching(client.read_http_response(self.timeout), key)
            self.seconds = time.monotonic() - t0
        except (AssertionError, OSError) as e:
            self.error = f"after {time.monotonic() - t0:.2f}s: {type(e).__name__}: {e}"
        finally:
            if client:
                client.reset()

    def describe(self):
        if self.seconds is not None:
            return f"{self.seconds * 1000:.1f} ms"
        return f"no 101 ({self.error or 'still waiting'})"


class FanoutFlood:
    """The set-up on a running `server` (default routes): member_counts[w]
    members of ROOM on worker w, none of them read; the publisher on
    `pub_worker`; a source for the fresh client on `fresh_worker` (default:
    the first worker with members), picked once the members are connected."""

    def __init__(self, server, member_counts, pub_worker=PUB_WORKER, fresh_worker=None):
        self.server = server
        self.flood = None
        self.members = []
        self.closed = False
        try:
            for worker, src in sources_on_workers(server, member_counts):
                client = member(server, ROOM, rcvbuf=MEMBER_RCVBUF, source=src)
                self.members.append((f"member {len(self.members)} (worker {worker})", client))
            pub = member_on_worker(server, pub_worker, ROOM)
            self.flood = Flood(pub, MSG_SIZE)
            for name, client in self.members:
                self.flood.add(name, client, ordered=False, active=False, closing=True)
            fresh_worker = next(iter(member_counts)) if fresh_worker is None else fresh_worker
            self.fresh_source = source_on_worker(server, fresh_worker)
        except BaseException:
            self.close()
            raise
        self.fresh = None
        self.rss = None  # the RssSampler of the flood
        self.rss_before_kib = self.rss_peak_kib = None
        self.flood_seconds = self.stopped_at = None

    def run(self, seconds, fresh_at, fresh_timeout=T, rss_cap_kib=None, join_fresh=True):
        """Floods for `seconds` with the server's RSS sampled every 50 ms and
        the fresh client's upgrade started `fresh_at` s in, then stops the
        publisher (a reset: nothing it sent is left to read) and, with
        join_fresh, waits for the fresh client (else the caller joins
        self.fresh). Stops early once the RSS passes `rss_cap_kib`, so that a
        server whose memory is not bounded does not take the machine's (the
        fresh client then still connects at `fresh_at`)."""
        self.rss = RssSampler(self.server.pid)
        self.rss_before_kib = self.rss.peak_kib
        self.fresh = TimedUpgrade(self.server, self.fresh_source, fresh_timeout, delay=fresh_at)
        self.rss.start()
        self.fresh.start()
        t0 = time.monotonic()
        self.flood.publish_until = t0 + seconds
        while time.monotonic() - t0 < seconds:
            if rss_cap_kib is not None and self.rss.peak_kib > rss_cap_kib:
                break
            self.flood.step()
        self.stopped_at = time.monotonic()
        self.flood_seconds = self.stopped_at - t0
        self.rss_peak_kib = self.rss.stop()
        self.flood.stop()
        if join_fresh:
            self.fresh.join(fresh_at + fresh_timeout + T)

    @property
    def readers(self):
        return self.flood.members

    def read_members(self, until):
        """Reads every member again (1 MiB SO_RCVBUF), checking each message
        as it comes (FloodMember), until each has had its close frame or EOF,
        or until the monotonic time `until` (overshot by at most one read of
        READ_CHUNK per member). Returns whether all had. A member's receive
        queue is there to read at once; what its server side still holds
        comes when TCP sees the window open again, which after seconds at a
        zero window may take seconds more."""
        sel = selectors.DefaultSelector()
        for r in self.readers:
            r.client.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, READ_RCVBUF)
            r.client.sock.setblocking(False)
            sel.register(r.client.sock, selectors.EVENT_READ, r)
        try:
            while sel.get_map():
                now = time.monotonic()
                if now >= until:
                    return False
                for key, _ in sel.select(min(0.05, until - now)):
                    r = key.data
                    try:
                        data = r.client.sock.recv(READ_CHUNK)
                    except BlockingIOError:
                        continue
                    r.eof = not data
                    r.take(data, now)
                    if r.eof or r.closed:
                        sel.unregister(r.client.sock)  # its stream is over
            return True
        finally:
            sel.close()

    def rss_after(self, seconds):
        """(the server's RSS in KiB, the seconds since the flood stopped when
        it was read): read `seconds` after the flood stopped, or at once if
        that has passed."""
        time.sleep(max(0.0, self.stopped_at + seconds - time.monotonic()))
        return rss_kib(self.server.pid), time.monotonic() - self.stopped_at

    def published(self):
        return self.flood.accepted_msgs if self.flood else 0

    def close(self):
        """Closes every connection of the set-up (once)."""
        if self.closed:
            return
        self.closed = True
        if self.flood:
            self.flood.close()
            self.flood.pub.reset()
        for _, client in self.members:
            client.close()
