"""Fan-out load, one process, one selector loop: in each fan-out room a
publisher sending at a steady rate, fast members that read everything, and
slow members that never read (tiny SO_RCVBUF) and are reset and replaced
on a schedule, so the server keeps filling and discarding their queues."""

import collections
import selectors
import time

from wshub_test.client import PeerClosed
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, masked_frame
from wshub_test.members import member

ROOMS = tuple(f"fan-{i}" for i in range(4))
FAST_PER_ROOM = 2
SLOW_PER_ROOM = 2
RATE = 250            # messages per second per publisher
SIZE = 1536           # bytes per message: 384 KB/s into each room
# Seconds a slow member lives: long enough to fill the kernel's buffers (about
# 3 MB on loopback) and then its 256 KiB queue, so the server closes most.
SLOW_LIFETIME = 20.0
SLOW_EVERY = SLOW_LIFETIME / (len(ROOMS) * SLOW_PER_ROOM)  # seconds between replacements
SLOW_RCVBUF = 4096
BACKLOG = 64 << 10    # unsent bytes a publisher keeps before it skips messages
STEP = 0.01           # seconds per loop pass


class Publisher:
    """Sends RATE messages a second from a non-blocking socket; when the
    server stops reading it (--overflow block), messages past BACKLOG
    unsent bytes are skipped rather than owed."""

    def __init__(self, server, room):
        self.server = server
        self.room = room
        self.frame = masked_frame(OP_BINARY, bytes(range(256)) * (SIZE // 256))
        self.start = time.monotonic()
        self.due_done = 0
        self.client = None
        self.connect()

    def connect(self):
        if self.client:
            self.client.reset()
        self.client = member(self.server, self.room)
        self.client.sock.setblocking(False)
        self.out = bytearray()

    def pump(self, counters, now):
        """Queues the messages due by `now` and sends what the kernel takes."""
        due = int((now - self.start) * RATE) - self.due_done
        if due > 0:
            self.due_done += due
            room = max(0, (BACKLOG - len(self.out)) // len(self.frame))
            sent = min(due, room)
            self.out += self.frame * sent
            counters.add("published", sent)
            if due > sent:
                counters.add("held", due - sent)
        if self.out:
            try:
                n = self.client.sock.send(self.out)
            except BlockingIOError:
                return
            del self.out[:n]


class Fanout:
    def __init__(self, server, counters):
        self.server = server
        self.counters = counters
        self.sel = selectors.DefaultSelector()
        self.publishers = [Publisher(server, room) for room in ROOMS]
        for room in ROOMS:
            for _ in range(FAST_PER_ROOM):
                self.add_fast(room)
        self.slow = collections.deque()
        for room in ROOMS:
            for _ in range(SLOW_PER_ROOM):
                self.slow.append((room, member(server, room, rcvbuf=SLOW_RCVBUF)))
        self.next_replace = time.monotonic() + SLOW_EVERY

    def add_fast(self, room):
        try:
            c = member(self.server, room)
        except (OSError, AssertionError) as e:
            self.counters.error("fan-out fast member connect", e)
            return
        c.sock.setblocking(False)
        self.sel.register(c.sock, selectors.EVENT_READ, (room, c))

    def drop_fast(self, room, c, why):
        self.counters.error("fan-out fast member", why)
        self.sel.unregister(c.sock)
        c.reset()
        self.add_fast(room)

    def read_fast(self, room, c):
        data = []
        while True:
            try:
                chunk = c.sock.recv(1 << 16)
            except BlockingIOError:
                break
            except OSError as e:
                return self.drop_fast(room, c, e)
            if not chunk:
                return self.drop_fast(room, c, PeerClosed("fast member: server closed the connection"))
            data.append(chunk)
        delivered = 0
        for f in c.feed(b"".join(data)):
            if f.opcode in (OP_TEXT, OP_BINARY):
                delivered += 1
            elif f.opcode == OP_PING:  # it never sends: without pongs the idle timeout would close it
                try:
                    c.sock.send(masked_frame(OP_PONG, f.payload))
                except OSError as e:
                    return self.drop_fast(room, c, e)
            elif f.opcode == OP_CLOSE:
                return self.drop_fast(room, c, PeerClosed(f"fast member closed with {f.close_code}"))
        self.counters.add("delivered", delivered)

    def replace_slow(self, now):
        """Resets the oldest slow member (whether or not the server closed it
        already) and puts a new one in its room."""
        if now < self.next_replace:
            return
        self.next_replace = now + SLOW_EVERY
        room, old = self.slow.popleft()
        old.reset()
        try:
            self.slow.append((room, member(self.server, room, rcvbuf=SLOW_RCVBUF)))
            self.counters.add("slow_replaced")
        except (OSError, AssertionError) as e:
            self.counters.error("fan-out slow member connect", e)
            self.slow.append((room, old))  # reset already: replaced again on its turn

    def reconnect(self, publisher):
        try:
            publisher.connect()
        except (OSError, AssertionError) as e:
            self.counters.error("fan-out publisher connect", e)

    def run(self, end_at):
        while (now := time.monotonic()) < end_at:
            for p in self.publishers:
                try:
                    p.pump(self.counters, now)
                except OSError as e:
                    self.counters.error("fan-out publisher", e)
                    self.reconnect(p)
            for key, _ in self.sel.select(STEP):
                self.read_fast(*key.data)
            self.replace_slow(now)


def run(server, counters, end_at):
    """The fan-out process's body: runs until end_at (time.monotonic())."""
    Fanout(server, counters).run(end_at)
