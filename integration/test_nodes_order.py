"""Three nodes on one Redis, 10,000 numbered messages (issue 20): a publisher
on each node, on different workers, pipelines its share of the messages into
one room; a member on every worker of every node receives every message of
every other publisher exactly once and, per publisher, in order; nothing
else arrives; the Redis counters of each node add up. Raw and json modes.

Every member is checked as its frames arrive (per publisher: the next index
due), so a failure names the member, the publisher and the first index out
of place, and no run keeps more than one message per member in memory. The
publishers are written to from the same selector loop that reads everyone,
so a publisher the server stops reading (its hand-off to another worker
full) never stalls the readers. Every wait has a deadline; nothing is timed."""

import json
import re
import selectors
import time

from wshub_test import IS_ASAN, T
from wshub_test.client import open_ws
from wshub_test.frames import OP_TEXT, masked_frame
from wshub_test.members import member, sources_on_workers
from wshub_test.metrics import scrape
from wshub_test.redis import channel, redis_servers, start_node  # noqa: F401 (a fixture)

SHARES = (3334, 3333, 3333)  # publisher k, on node k: 10,000 messages in all
TOTAL = sum(SHARES)
WORKERS = 2
ROOM, OTHER_ROOM = "order", "elsewhere"
QUIET = 0.4  # seconds of silence that count as "nothing more arrives"
RUN_TIMEOUT = 240 if IS_ASAN else 90  # seconds for the whole exchange: a bound, not a measure
SEND_CHUNK = 1 << 16

# No sender limit applies by default (--max-msg-rate is 0: none), so the
# publishers' pipelined thousands go through as sent. The receivers' limits
# do apply: a member's send queue holds 1,024 frames and 1 MiB by default,
# and under --overflow close a member further behind than that is closed as
# a slow consumer. Whether one gets that far behind depends on how long this
# one process, reading ten members in turn on a loaded machine, leaves it
# unread and on how much the kernel's socket buffers take meanwhile, not on
# wshub's order across nodes. Queues that hold a whole run (10,000 frames,
# about 1 MiB of json) take that out of the test and still bound each
# member's memory.
ROOMY_QUEUES = ("--queue-messages", "16384", "--queue-bytes", "4MiB")

# Where the connections go, as (role, node, worker): publisher k on node k,
# the publishers spread over both workers; a reader on every worker of every
# node; one member of another room, which must hear nothing.
SLOTS = ([("publisher", k, k % WORKERS) for k in range(len(SHARES))]
         + [("reader", k, w) for k in range(len(SHARES)) for w in range(WORKERS)]
         + [("outsider", len(SHARES) - 1, 1)])


class Member:
    """One connection of a run and what it must receive ({publisher: how
    many}), checked as it arrives: per publisher the index due next, and the
    first thing out of place (`fault`). A publisher also has bytes to send."""

    def __init__(self, label, client, wanted, out=b""):
        self.label = label
        self.client = client
        self.wanted = wanted
        self.due = dict.fromkeys(wanted, 0)
        self.got = 0
        self.fault = None
        self.out = memoryview(out)
        self.sent = 0

    @property
    def complete(self):
        return self.got >= sum(self.wanted.values())

    @property
    def sending(self):
        return self.sent < len(self.out)

    def take(self, frame, decode):
        """One frame from the server; decode(payload) gives its (publisher,
        index) or raises ValueError saying what is wrong with it."""
        self.got += 1
        if self.fault:
            return
        if frame.opcode != OP_TEXT or not frame.fin:
            self.fault = f"{self.label}: not a whole text message: {frame!r}"
            return
        try:
            p, n = decode(frame.payload)
        except ValueError as e:
            self.fault = f"{self.label}: message {self.got}: {e}"
            return
        if p not in self.due:
            self.fault = f"{self.label}: #{n} of publisher {p}, which it must not receive"
        elif self.due[p] == self.wanted[p]:
            self.fault = f"{self.label}: #{n} of publisher {p} after all {self.wanted[p]} of them"
        elif n != self.due[p]:
            self.fault = f"{self.label}: from publisher {p}, #{n} where #{self.due[p]} was due (the first out of place)"
        else:
            self.due[p] += 1

    def shortfall(self):
        """What is missing, per publisher, as text."""
        short = {p: f"{self.due[p]} of {self.wanted[p]}" for p in self.wanted if self.due[p] < self.wanted[p]}
        return f"{self.label}: of each publisher's messages, so many in order: {short}"


def exchange(members, decode, timeout=RUN_TIMEOUT):
    """Writes every publisher's bytes as its socket takes them while reading
    every member, until each has all it wants (then QUIET more seconds, in
    which anything arriving is a fault), a fault shows, or `timeout`."""
    sel = selectors.DefaultSelector()
    for m in members:
        m.client.sock.setblocking(False)
        events = selectors.EVENT_READ | (selectors.EVENT_WRITE if m.sending else 0)
        sel.register(m.client.sock, events, m)
    deadline = time.monotonic() + timeout
    quiet_until = None
    try:
        while not any(m.fault for m in members):
            if quiet_until is None and all(m.complete and not m.sending for m in members):
                quiet_until = time.monotonic() + QUIET
            remaining = (quiet_until or deadline) - time.monotonic()
            if remaining <= 0:
                break
            for key, events in sel.select(remaining):
                m = key.data
                if events & selectors.EVENT_WRITE:
                    write_some(sel, m)
                if events & selectors.EVENT_READ:
                    read_some(m, decode)
    finally:
        sel.close()
        for m in members:
            m.client.sock.setblocking(True)


def write_some(sel, m):
    try:
        m.sent += m.client.sock.send(m.out[m.sent:m.sent + SEND_CHUNK])
    except BlockingIOError:
        return
    if not m.sending:
        sel.modify(m.client.sock, selectors.EVENT_READ, m)


def read_some(m, decode):
    try:
        data = m.client.sock.recv(1 << 20)
    except BlockingIOError:
        return
    except ConnectionError as e:
        m.fault = f"{m.label}: {e!r} after {m.got} messages"
        return
    if not data:
        m.fault = f"{m.label}: the server closed the connection after {m.got} messages"
        return
    for f in m.client.feed(data):
        m.take(f, decode)


def assert_run(members):
    faults = [m.fault for m in members if m.fault]
    assert not faults, "\n".join(faults)
    unsent = [f"{m.label}: sent {m.sent} of {len(m.out)} bytes" for m in members if m.sending]
    short = [m.shortfall() for m in members if not m.complete]
    assert not unsent and not short, f"after {RUN_TIMEOUT}s:\n" + "\n".join(unsent + short)


# --------------------------------------------------------------- setting up
def three_nodes(wshub, redis):
    return [start_node(wshub, redis, *ROOMY_QUEUES, workers=WORKERS) for _ in SHARES]


def placed_slots(nodes):
    """SLOTS with a source port each that lands on its worker: [(role, node, worker, source)]."""
    placed = []
    for k, node in enumerate(nodes):
        counts = {}
        for _, kk, w in SLOTS:
            if kk == k:
                counts[w] = counts.get(w, 0) + 1
        sources = {}
        for w, src in sources_on_workers(node, counts):
            sources.setdefault(w, []).append(src)
        placed += [(role, k, w, sources[w].pop()) for role, kk, w in SLOTS if kk == k]
    return placed


def label(role, k, w):
    return f"{role} on node {k} worker {w}"


def wanted_by(role, k):
    """{publisher: messages} a connection of `role` on node k must receive."""
    if role == "outsider":
        return {}
    return {p: n for p, n in enumerate(SHARES) if not (role == "publisher" and p == k)}


def redis_counts(nodes):
    """Each node's Redis counters now, the base a run's are counted from."""
    return [scrape(node) for node in nodes]


def assert_counters(nodes, base, round_trips):
    """Per node, what the run added: its publishers' messages published once
    each, every other node's received on each of its workers (each has
    members), no drop for any reason; with `round_trips`, each of its own
    envelopes back on each of its workers. Polled to a deadline, since a
    node's own envelopes come back on their own time."""
    for k, node in enumerate(nodes):
        want = {"wshub_redis_published_total": SHARES[k],
                "wshub_redis_received_total": WORKERS * (TOTAL - SHARES[k])}
        if round_trips:
            want["wshub_redis_round_trip_seconds_count"] = WORKERS * SHARES[k]
        deadline = time.monotonic() + T
        while True:
            now = scrape(node)
            got = {s: now.get(s, 0) - base[k].get(s, 0) for s in want}
            if got == want or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert got == want, f"node {k}: the run added {got}, wanted {want}"
        dropped = {s: v for s, v in now.items() if s.startswith("wshub_redis_dropped_total")}
        assert dropped and not any(dropped.values()), f"node {k}: {dropped}"


# ---------------------------------------------------------------------- raw
RAW_MESSAGE = re.compile(rb"(\d+):(\d+)\Z")


def decode_raw(payload):
    m = RAW_MESSAGE.match(payload)
    if not m:
        raise ValueError(f"not PUBLISHER:INDEX: {payload[:80]!r}")
    return int(m[1]), int(m[2])


def raw_frames(p):
    return b"".join(masked_frame(OP_TEXT, f"{p}:{i}".encode()) for i in range(SHARES[p]))


def test_raw_10000_messages_from_three_nodes_arrive_complete_in_order_and_once(wshub, redis_servers):
    redis = redis_servers()
    nodes = three_nodes(wshub, redis)
    members = []
    for role, k, w, src in placed_slots(nodes):
        room = OTHER_ROOM if role == "outsider" else ROOM
        out = raw_frames(k) if role == "publisher" else b""
        members.append(Member(label(role, k, w), member(nodes[k], room, source=src), wanted_by(role, k), out))
    redis.wait_numsub(channel(ROOM), len(nodes) * WORKERS)
    redis.wait_numsub(channel(OTHER_ROOM), 1)
    base = redis_counts(nodes)

    exchange(members, decode_raw)
    assert_run(members)
    assert_counters(nodes, base, round_trips=True)


# --------------------------------------------------------------------- json
def json_connection(node, src):
    """A /ws connection from `src` (on the worker sources_on_workers found
    for it), its welcome read: (client, id)."""
    c = open_ws(node, "/ws", timeout=T, source=src)
    welcome = json.loads(c.recv_frame(T).payload)
    assert welcome["type"] == "welcome", welcome
    return c, welcome["id"]


def recv_json(client):
    f = client.recv_frame(T)
    assert f.opcode == OP_TEXT and f.fin, f
    return json.loads(f.payload)


def join(client, room):
    client.send_text(json.dumps({"type": "join", "room": room}))
    joined = recv_json(client)
    assert joined["type"] == "joined" and joined["room"] == room, joined


def json_frames(p):
    return b"".join(masked_frame(OP_TEXT, json.dumps(
        {"type": "message", "room": ROOM, "data": {"p": p, "n": i}}, separators=(",", ":")).encode())
        for i in range(SHARES[p]))


def json_decoder(ids):
    """decode(payload) for json members: the envelope as the README gives it,
    `from` the id of the publisher its data names."""

    def decode(payload):
        try:
            msg = json.loads(payload)
            p, n = msg["data"]["p"], msg["data"]["n"]
            ts = msg.pop("ts")
        except (ValueError, KeyError, TypeError) as e:
            raise ValueError(f"{e!r} in {payload[:120]!r}") from None
        want = {"type": "message", "room": ROOM, "from": ids.get(p), "data": {"p": p, "n": n}}
        if msg != want or not isinstance(ts, int) or ts <= 0:
            raise ValueError(f"{payload[:120]!r} is not {want} with a ts (publisher {p}'s id: {ids.get(p)})")
        return p, n

    return decode


def test_json_10000_messages_from_three_nodes_arrive_complete_in_order_and_once(wshub, redis_servers):
    redis = redis_servers()
    nodes = three_nodes(wshub, redis)
    members, ids, in_room, workers = [], {}, [], set()
    for role, k, w, src in placed_slots(nodes):
        client, cid = json_connection(nodes[k], src)
        out = json_frames(k) if role == "publisher" else b""
        if role == "publisher":
            ids[k] = cid
        members.append(Member(label(role, k, w), client, wanted_by(role, k), out))
        if role == "outsider":
            join(client, OTHER_ROOM)
            redis.wait_numsub(channel(OTHER_ROOM, "/ws"), 1)
            continue
        # One join at a time, each worker subscribed before the next: then
        # every member already in hears of it, from its node or another.
        join(client, ROOM)
        for other in in_room:
            got = recv_json(other.client)
            assert got == {"type": "presence", "room": ROOM, "event": "join", "id": cid}, (other.label, got)
        in_room.append(members[-1])
        workers.add((k, w))
        redis.wait_numsub(channel(ROOM, "/ws"), len(workers))
    assert len(workers) == len(nodes) * WORKERS, workers
    # The presence above crossed Redis too: the run's counters start here.
    # The round trips are left out: a node's own presence envelopes come
    # back on their own time, so no base for them is exact.
    base = redis_counts(nodes)

    exchange(members, json_decoder(ids))
    assert_run(members)
    assert_counters(nodes, base, round_trips=False)
