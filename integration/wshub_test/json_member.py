"""A json-mode member for the node suites: a connection on a node's /ws,
its welcome id and worker, and the requests those suites make."""

import json

from wshub_test import T
from wshub_test.client import open_ws
from wshub_test.frames import OP_TEXT
from wshub_test.ids import describe, worker_of

QUIET = 0.4  # seconds of silence that count as "nothing more arrives"


class JsonMember:
    """Connects to `node`'s /ws, again until on `worker` if one is given
    (at most 64 times)."""

    def __init__(self, node, worker=None):
        self.node = node
        for _ in range(64):
            self.client = open_ws(node, "/ws", timeout=T)
            welcome = self.recv()
            assert welcome["type"] == "welcome", welcome
            self.id = welcome["id"]
            self.worker = worker_of(self.id)
            if worker is None or self.worker == worker:
                return
            self.client.close_cleanly()
        raise AssertionError(f"64 connections, none on worker {worker}")

    def send(self, obj):
        self.client.send_text(json.dumps(obj, separators=(",", ":")))

    def recv_text(self, timeout=T):
        f = self.client.recv_frame(timeout)
        assert f.opcode == OP_TEXT, f
        return f.payload.decode()

    def recv(self, timeout=T):
        return json.loads(self.recv_text(timeout))

    def join(self, room):
        """Joins; returns the reply (joined, or an error), which must come
        before anything else."""
        self.send({"type": "join", "room": room})
        reply = self.recv()
        assert reply["type"] in ("joined", "error") and reply.get("room", room) == room, reply
        return reply

    def quiet(self, quiet=QUIET):
        frames, eof = self.client.drain_frames(quiet)
        assert not frames and not eof, f"{describe(self.id)}: unexpected {frames[:3]!r} (eof {eof})"
