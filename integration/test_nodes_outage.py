"""Nodes without their Redis (--redis, issue 20): started before it, losing
it mid-run, refused by it (a wrong password). Local rooms never stop; what
is published while Redis is away is dropped and counted, never delivered
late; once Redis is there the nodes share their rooms again, each room with
members subscribed anew. The time from Redis being back to the first
message crossing nodes is printed (pytest -s shows it); no test asserts a
time beyond the bound of its wait."""

import http.client
import os
import re
import time

import pytest

from wshub_test import T
from wshub_test.frames import OP_TEXT, masked_frame
from wshub_test.members import member_on_worker
from wshub_test.metrics import scrape, wait_for
from wshub_test.redis import channel, redis_servers, start_node  # noqa: F401 (a fixture)

QUIET = 0.4  # seconds of silence that count as "nothing more arrives"
# Reconnects back off from 100 ms doubling to 5 s, with full jitter: a node
# is back within 5 s of Redis, plus its handshake and subscriptions.
BACK_WITHIN = 15.0
DOWN = 'wshub_redis_dropped_total{reason="down"}'


def log_events(node, event):
    """The text log lines of `event`, as (level, line)."""
    out = []
    for line in node.stderr.splitlines():
        parts = line.split(" ", 3)
        if len(parts) >= 3 and parts[2] == event:
            out.append((parts[1], line))
    return out


def wait_log(node, event, timeout=T):
    deadline = time.monotonic() + timeout
    while not (found := log_events(node, event)):
        assert time.monotonic() < deadline, f"no {event} line in {timeout}s:\n{node.stderr[-3000:]}"
        time.sleep(0.02)
    return found


def rooms_at_up(node):
    """{worker: rooms} of each worker's last redis_up line (the rooms it
    subscribed to again), and the set of node names those lines give."""
    found = re.findall(r" info redis_up node=(\S+) worker=(\d+) rooms=(\d+)", node.stderr)
    return {int(w): int(n) for _, w, n in found}, {name for name, _, _ in found}


def readyz(node):
    """GET /readyz: (status, body)."""
    conn = http.client.HTTPConnection(node.host, node.port, timeout=T)
    try:
        conn.request("GET", "/readyz")
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def wait_ready(node, timeout=T):
    deadline = time.monotonic() + timeout
    while (got := readyz(node)) != (200, b"ready\n"):
        assert time.monotonic() < deadline, f"/readyz still {got} after {timeout}s"
        time.sleep(0.05)


def texts(frames):
    frames = list(frames)
    for f in frames:
        assert f.opcode == OP_TEXT and f.fin, f
    return [f.payload.decode() for f in frames]


def assert_quiet(*clients, quiet=QUIET):
    for i, c in enumerate(clients):
        frames, eof = c.drain_frames(quiet)
        assert not frames and not eof, f"client {i}: unexpected {frames[:3]!r} (eof {eof})"


def first_crossing(sender, receiver, what, timeout=BACK_WITHIN):
    """Sends `what`-0, -1 ... every 50 ms until `receiver` (a member on
    another node) gets one; returns (seconds taken, probes sent, texts the
    receiver got)."""
    start = time.monotonic()
    sent = 0
    while True:
        sender.send_text(f"{what}-{sent}")
        sent += 1
        frames, eof = receiver.drain_frames(0.05)
        assert not eof
        if frames:
            return time.monotonic() - start, sent, texts(frames)
        assert time.monotonic() - start < timeout, f"nothing crossed nodes in {timeout}s"


def assert_crossing_resumed(sender, local, remote, what, sent, got):
    """After first_crossing: the remote member had a tail of the probes, in
    order, then everything sent after them; the local one had every probe."""
    # Probes still on their way, then 50 more numbered messages.
    sender.send(b"".join(masked_frame(OP_TEXT, f"then-{i}".encode()) for i in range(50)))
    while not got or got[-1] != "then-49":
        got += texts([remote.recv_frame(T)])
    probes = [m for m in got if m.startswith(what + "-")]
    first = int(probes[0].rsplit("-", 1)[1])
    assert probes == [f"{what}-{i}" for i in range(first, sent)], probes
    assert got[len(probes):] == [f"then-{i}" for i in range(50)], got[len(probes):]
    want = [f"{what}-{i}" for i in range(sent)] + [f"then-{i}" for i in range(50)]
    assert texts(local.recv_frame(T) for _ in want) == want
    assert_quiet(local, remote)


# ------------------------------------------------- Redis not there yet
def test_nodes_started_before_redis_share_rooms_once_it_starts(wshub, redis_servers):
    redis = redis_servers(start=False)
    a = start_node(wshub, redis)
    b = start_node(wshub, redis, "--log-level", "debug", "--node-id", "b", "--redis-required", "true")
    pub, local = member_on_worker(a, 0, "r"), member_on_worker(a, 1, "r")
    remote = member_on_worker(b, 0, "r")
    assert readyz(a) == (200, b"ready\n") and readyz(b) == (503, b"redis unreachable\n")
    pub.send_text("local only")
    local.expect_message(OP_TEXT, "local only")
    wait_for(a, lambda s: s[DOWN] == 1)
    time.sleep(1.0)  # several reconnect attempts: 100, 200, 400 ms ...
    for node in (a, b):
        assert scrape(node)["wshub_redis_up"] == 0
        said = log_events(node, "redis_unreachable")
        assert [lvl for lvl, _ in said if lvl != "debug"] == ["warn"] * 2, said  # once per worker
    assert len(log_events(b, "redis_unreachable")) > 2, "later attempts are not logged at debug"
    assert_quiet(remote)

    redis.start()
    took, sent, got = first_crossing(pub, remote, "probe")
    print(f"\nRedis started after the nodes: first message across nodes {took:.3f}s after it answered PING "
          f"({sent} probes sent)")
    assert_crossing_resumed(pub, local, remote, "probe", sent, got)
    for node, rooms in ((a, {0: 1, 1: 1}), (b, {0: 1, 1: 0})):
        wait_for(node, lambda s: s["wshub_redis_up"] == 2)
        assert rooms_at_up(node)[0] == rooms, node.stderr[-2000:]
        # A first connection that took several attempts is no reconnect.
        assert scrape(node)["wshub_redis_reconnects_total"] == 0
    assert rooms_at_up(b)[1] == {"b"}
    wait_ready(b)


# --------------------------------------------------- Redis lost mid-run
def test_redis_restarted_mid_run(wshub, redis_servers):
    redis = redis_servers()
    a = start_node(wshub, redis, "--node-id", "a")
    b = start_node(wshub, redis, "--node-id", "b", "--redis-required", "true")
    pub, local = member_on_worker(a, 0, "r"), member_on_worker(a, 1, "r")
    remote = member_on_worker(b, 0, "r")
    redis.wait_numsub(channel("r"), 3)
    wait_ready(b)
    pub.send_text("before")
    local.expect_message(OP_TEXT, "before")
    remote.expect_message(OP_TEXT, "before")

    redis.stop()
    for node in (a, b):
        wait_for(node, lambda s: s["wshub_redis_up"] == 0)
        wait_log(node, "redis_lost")
    assert readyz(a) == (200, b"ready\n") and readyz(b) == (503, b"redis unreachable\n")
    # Local delivery goes on; what would have crossed is dropped and counted.
    dropped = scrape(a)[DOWN]
    pub.send(b"".join(masked_frame(OP_TEXT, f"during-{i}".encode()) for i in range(20)))
    assert texts(local.recv_frame(T) for _ in range(20)) == [f"during-{i}" for i in range(20)]
    wait_for(a, lambda s: s[DOWN] == dropped + 20)

    redis.start()
    took, sent, got = first_crossing(pub, remote, "probe")
    print(f"\nRedis restarted: first message across nodes {took:.3f}s after it answered PING ({sent} probes sent)")
    assert not [m for m in got if m.startswith("during-")], got
    assert_crossing_resumed(pub, local, remote, "probe", sent, got)
    for node, name, rooms in ((a, "a", {0: 1, 1: 1}), (b, "b", {0: 1, 1: 0})):
        s = wait_for(node, lambda s: s["wshub_redis_up"] == 2)
        assert s["wshub_redis_reconnects_total"] == 2, s["wshub_redis_reconnects_total"]  # each worker once
        assert rooms_at_up(node) == (rooms, {name}), node.stderr[-2000:]
    wait_ready(b)


# ------------------------------------------------------- refused by Redis
def secret_file(tmp_path, name, secret):
    path = tmp_path / name
    path.write_text(secret + "\n")
    path.chmod(0o600)
    return str(path)


def test_a_wrong_password_keeps_the_node_local_and_out_of_the_logs(wshub, redis_servers, tmp_path):
    password, wrong, acl = (os.urandom(10).hex() for _ in range(3))
    redis = redis_servers(password=password)
    redis.call("ACL", "SETUSER", "hub", "on", ">" + acl, "allchannels", "+@all")
    refused = start_node(wshub, redis, "--redis-password-file", secret_file(tmp_path, "wrong", wrong),
                         "--log-level", "debug")
    accepted = [start_node(wshub, redis, "--redis-password-file", secret_file(tmp_path, "right", password)),
                start_node(wshub, redis, url=redis.url(password=password)),
                start_node(wshub, redis, url=redis.url(user="hub", password=acl))]
    for node in accepted:
        wait_for(node, lambda s: s["wshub_redis_up"] == 2)
    # The refused node says why, once a worker at warn, and stays local.
    deadline = time.monotonic() + T
    while len(said := [line for lvl, line in log_events(refused, "redis_unreachable") if lvl == "warn"]) < 2:
        assert time.monotonic() < deadline, refused.stderr[-3000:]
        time.sleep(0.02)
    assert len(said) == 2 and all("WRONGPASS" in line for line in said), said
    for _ in range(10):
        assert scrape(refused)["wshub_redis_up"] == 0
        time.sleep(0.1)
    m0, m1 = member_on_worker(refused, 0, "r"), member_on_worker(refused, 1, "r")
    m0.send_text("still local")
    m1.expect_message(OP_TEXT, "still local")
    assert redis.numsub(channel("r")) == 0
    for node in (refused, *accepted):
        for secret in (password, wrong, acl):
            assert secret not in node.stderr, f"a password in the log:\n{node.stderr[-2000:]}"


# --------------------------------------------------------- a slow Redis
QUEUE_FULL = 'wshub_redis_dropped_total{reason="queue_full"}'


def fill_queue(redis_node, pub, size, batch=4, timeout=20):
    """Publishes messages of `size` bytes, numbered from 0, until the node
    drops one as queue_full (Redis paused); returns how many were sent."""
    before = scrape(redis_node)[QUEUE_FULL]
    sent = 0
    deadline = time.monotonic() + timeout
    while scrape(redis_node)[QUEUE_FULL] == before:
        assert time.monotonic() < deadline, f"no queue_full drop after {sent} messages of {size} bytes"
        pub.send(b"".join(masked_frame(OP_TEXT, b"%06d:" % (sent + i) + b"x" * size) for i in range(batch)))
        sent += batch
    return sent


def test_past_the_queue_publishes_are_dropped_and_counted(wshub, redis_servers):
    redis = redis_servers()
    a = start_node(wshub, redis, "--redis-queue-bytes", "64KiB")
    # Redis gives the far member everything at once when it resumes.
    b = start_node(wshub, redis, "--queue-bytes", "64MiB", "--queue-messages", "100000")
    pub, far = member_on_worker(a, 0, "slow"), member_on_worker(b, 0, "slow")
    redis.wait_numsub(channel("slow"), 2)
    redis.pause()
    sent = fill_queue(a, pub, 16384)
    s = wait_for(a, lambda s: s["wshub_redis_published_total"] + s[QUEUE_FULL] == sent)
    published = s["wshub_redis_published_total"]
    assert s["wshub_redis_up"] == 2 and 0 < s[QUEUE_FULL] < sent and s[DOWN] == 0, s
    redis.resume()
    got = [int(far.recv_frame(T).payload[:6]) for _ in range(int(published))]
    assert got == sorted(set(got)) and got[-1] < sent, got  # in order, once each, of those sent
    assert_quiet(far)


def test_a_room_joined_while_the_queue_is_full_is_subscribed(wshub, redis_servers):
    redis = redis_servers()
    a = start_node(wshub, redis, "--redis-queue-bytes", "64KiB")
    b = start_node(wshub, redis)
    pub = member_on_worker(a, 0, "slow")
    redis.wait_numsub(channel("slow"), 1)
    redis.pause()
    fill_queue(a, pub, 16384)
    fill_queue(a, pub, 1, batch=50)  # now not even a short PUBLISH fits
    room = "L" * 128  # its SUBSCRIBE is longer than that PUBLISH
    late, far = member_on_worker(a, 0, room), member_on_worker(b, 0, room)
    redis.resume()
    redis.wait_numsub(channel(room), 2)
    far.send_text("to the late member")
    late.expect_message(OP_TEXT, "to the late member")
