"""What the load processes did, counted in shared memory for the sampler:
one table of names, one 64-bit slot each, each slot written by one process
only (so no lock: the sampler reads whole aligned words)."""

import multiprocessing.sharedctypes

# name: what one count is. The sampler writes each as <name>_per_s to the CSV.
COUNTS = {
    "delivered": "a data message received by a fan-out fast member",
    "published": "a message a fan-out publisher handed to its kernel",
    "held": "a fan-out message not sent because its publisher's backlog was full (the server held it)",
    "slow_replaced": "a slow member reset and replaced by a new one",
    "churn_cycles": "a churn client that connected, joined, sent and left",
    "json_sessions": "a json client that joined, sent, left a room and closed",
    "json_received": "a room message received by a json client",
    "bad_frames": "a bad frame answered with the expected close code",
    "bad_frames_other": "a bad frame answered otherwise (another code, no close frame)",
    "publish_ok": "a POST /publish answered 200",
    "errors": "a load operation that failed unexpectedly (the first of each kind is printed)",
}
NAMES = tuple(COUNTS)


class Counters:
    """Create before forking the load processes; they inherit the memory."""

    def __init__(self):
        self._slots = multiprocessing.sharedctypes.RawArray("q", len(NAMES))
        self._index = {name: i for i, name in enumerate(NAMES)}
        self._reported = set()

    def add(self, name, n=1):
        self._slots[self._index[name]] += n

    def snapshot(self):
        return dict(zip(NAMES, self._slots[:]))

    def error(self, where, exc):
        """Counts an unexpected failure; prints the first of each kind (per process)."""
        self.add("errors")
        kind = (where, type(exc).__name__)
        if kind not in self._reported:
            self._reported.add(kind)
            print(f"soak: load: {where}: {type(exc).__name__}: {exc or '(no message)'} (first of its kind)", flush=True)
