"""The latency probe: a dedicated member of room `probe` that only reads,
and a dedicated publisher there. Once a tick the publisher sends its
sequence number and the send time; the member's arrival time gives the
publish-to-receive latency."""

import socket
import time

from wshub_test.client import PeerClosed
from wshub_test.frames import OP_TEXT
from wshub_test.members import member

ROOM = "probe"


class LatencyProbe:
    def __init__(self, server):
        self.server = server
        self.member = self.publisher = None
        self.seq = 0
        self.connect()

    def connect(self):
        self.close()
        self.member = member(self.server, ROOM)
        self.member.auto_pong = True  # it never sends otherwise: answer the server's pings
        self.publisher = member(self.server, ROOM)

    def close(self):
        for c in (self.member, self.publisher):
            if c:
                c.reset()

    def measure(self, wait):
        """Publishes one probe and waits up to `wait` s for it. Returns
        (its latency in ms or None, how many probe messages arrived: late
        ones of earlier ticks count, for the gap check). A broken connection
        is opened again for the next tick."""
        self.seq += 1
        received = 0
        try:
            self.publisher.send_text(f"{self.seq} {time.monotonic_ns()}")
            deadline = time.monotonic() + wait
            while (remaining := deadline - time.monotonic()) > 0:
                f = self.member.recv_frame(remaining)
                arrived = time.monotonic_ns()
                if f.opcode != OP_TEXT:
                    raise PeerClosed(f"probe member got {f!r}")
                seq, sent = (int(x) for x in f.payload.split())
                received += 1
                if seq == self.seq:
                    return (arrived - sent) / 1e6, received
        except socket.timeout:
            pass
        except (OSError, PeerClosed, ValueError):
            try:
                self.connect()
            except (OSError, AssertionError):
                pass
        return None, received
