"""Several nodes sharing rooms over Redis (--redis, issue 20): raw and json
room messages, presence and POST /publish from one node reaching the members
of the others, complete, in order and once; a node subscribing only to the
rooms it has members in; --redis-prefix keeping sets of nodes apart; the
counters after a run. Each node is a real wshub on loopback, each Redis a
private redis-server (wshub_test.redis), looked at from the side too
(PUBSUB NUMSUB, a PSUBSCRIBE that sees what the nodes publish).

A member's node subscribes when it joins, but that takes a round trip to
Redis: before a test publishes across nodes it waits until Redis counts the
subscriptions (one per worker with members) it expects."""

import http.client
import json
import os
import re
import selectors
import time

from wshub_test import T
from wshub_test.client import open_ws
from wshub_test.frames import OP_TEXT, masked_frame
from wshub_test.members import member_on_worker, room_path
from wshub_test.metrics import Histogram, scrape, wait_for
from wshub_test.redis import Watcher, channel, redis_servers, start_node  # noqa: F401 (a fixture)
from wshub_test.json_member import JsonMember

QUIET = 0.4  # seconds of silence that count as "nothing more arrives"


def metric(node, series):
    return scrape(node).get(series)


def texts(frames):
    frames = list(frames)
    for f in frames:
        assert f.opcode == OP_TEXT and f.fin, f
    return [f.payload.decode() for f in frames]


def collect(counts, timeout=30):
    """Reads every client of `counts` ({client: frames wanted}) at once until
    each has its number of frames; returns {client: [payload text]}."""
    got = {c: [] for c in counts}
    sel = selectors.DefaultSelector()
    for c in counts:
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + timeout
    try:
        while any(len(got[c]) < n for c, n in counts.items()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                short = {i: (len(got[c]), n) for i, (c, n) in enumerate(counts.items()) if len(got[c]) < n}
                raise AssertionError(f"frames (got, wanted) by client after {timeout}s: {short}")
            for key, _ in sel.select(remaining):
                c = key.data
                data = c.sock.recv(1 << 20)
                assert data, f"the server closed client {list(counts).index(c)}"
                got[c] += texts(c.feed(data))
    finally:
        sel.close()
        for c in counts:
            c.sock.setblocking(True)
    return got


def assert_quiet(*clients, quiet=QUIET):
    for i, c in enumerate(clients):
        frames, eof = c.drain_frames(quiet)
        assert not frames and not eof, f"client {i}: unexpected {frames[:3]!r} (eof {eof})"


# ------------------------------------------------------- raw, two nodes
def test_raw_messages_arrive_complete_in_order_and_once_on_every_node(wshub, redis_servers):
    redis = redis_servers()
    a, b = start_node(wshub, redis), start_node(wshub, redis)
    room, n = "race", 2000
    # A publisher and a member on each worker of each node, and a member of
    # another room on each node.
    pub = {"A": member_on_worker(a, 0, room), "B": member_on_worker(b, 1, room)}
    readers = [member_on_worker(a, 1, room), member_on_worker(b, 0, room)]
    readers += [member_on_worker(b, 1, room), member_on_worker(a, 0, room)]
    elsewhere = [member_on_worker(a, 0, "elsewhere"), member_on_worker(b, 1, "elsewhere")]
    redis.wait_numsub(channel(room), 4)
    watcher = Watcher(redis, "wshub:*")

    for name, c in pub.items():
        c.send(b"".join(masked_frame(OP_TEXT, f"{name}:{i:05d}".encode()) for i in range(n)))
    wanted = {c: 2 * n for c in readers}
    wanted.update({pub["A"]: n, pub["B"]: n})
    got = collect(wanted)

    for who, c in enumerate(readers + list(pub.values())):
        for name in pub:
            mine = [m for m in got[c] if m.startswith(name + ":")]
            want = [] if c is pub[name] else [f"{name}:{i:05d}" for i in range(n)]
            wrong = next((k for k, (m, w) in enumerate(zip(mine, want)) if m != w), None)
            assert mine == want, f"client {who}: {len(mine)} of {name}'s messages, the first out of place at {wrong}"
    assert_quiet(*readers, *pub.values(), *elsewhere)
    # Each message went to Redis once, on the room's channel only (an
    # envelope ends with its payload: app/redis_bus.h).
    published = watcher.drain()
    watcher.close()
    assert {ch for ch, _ in published} == {channel(room).encode()}, {ch for ch, _ in published}
    ends = sorted(envelope[-7:].decode() for _, envelope in published)
    assert ends == sorted(f"{name}:{i:05d}" for name in pub for i in range(n)), len(ends)


# ------------------------------------------------------ json, three nodes
def test_json_messages_and_presence_reach_the_other_nodes(wshub, redis_servers):
    redis = redis_servers()
    nodes = [start_node(wshub, redis) for _ in range(3)]
    room = "lobby"
    # On each node, in turn: a witness (who sees the message from its own
    # node as local delivery gives it) and a member who speaks.
    members, workers = [], set()
    for k, node in enumerate(nodes):
        for _ in ("witness", "speaker"):
            m = JsonMember(node)
            m.join(room)
            # Everyone already in hears of it, from its own node or another.
            for other in members:
                assert other.recv() == {"type": "presence", "room": room, "event": "join", "id": m.id}
            members.append(m)
            workers.add((k, m.worker))
            redis.wait_numsub(channel(room, "/ws"), len(workers))
    pattern = r'\{"type":"message","room":"lobby","from":%d,"data":\{"n":%d\},"ts":\d+\}\Z'
    for k in range(3):
        witness, speaker = members[2 * k], members[2 * k + 1]
        speaker.send({"type": "message", "room": room, "data": {"n": k}})
        local = witness.recv_text()
        assert re.match(pattern % (speaker.id, k), local), local
        for other in members:
            if other not in (witness, speaker):
                assert other.recv_text() == local  # byte for byte, ts included
    # Leaving, by request, then by closing: presence on every node.
    leaver, closer = members[3], members[5]
    leaver.send({"type": "leave", "room": room})
    assert leaver.recv() == {"type": "left", "room": room}
    staying = [m for m in members if m is not leaver]
    for gone in (leaver, closer):
        if gone is closer:
            closer.client.close_cleanly()
            staying.remove(closer)
        for other in staying:
            assert other.recv() == {"type": "presence", "room": room, "event": "leave", "id": gone.id}
    assert_quiet(*(m.client for m in members if m is not closer))


# -------------------------------------------------------- POST /publish
def test_publish_on_one_node_reaches_members_on_the_others(wshub, redis_servers, tmp_path):
    redis = redis_servers()
    token = "pub-" + os.urandom(12).hex()
    token_file = tmp_path / "publish.token"
    token_file.write_text(token + "\n")
    token_file.chmod(0o600)
    a = start_node(wshub, redis, "--publish-token-file", str(token_file))
    b, c = start_node(wshub, redis), start_node(wshub, redis)
    raw = [member_on_worker(node, w, "news") for node in (b, c) for w in (0, 1)]
    js = JsonMember(c)
    js.join("news")
    redis.wait_numsub(channel("news"), 4)
    redis.wait_numsub(channel("news", "/ws"), 1)

    for ns, body in (("/raw", b"raw body"), ("/ws", b'{"json":"body"}')):
        conn = http.client.HTTPConnection(a.host, a.port, timeout=T)
        conn.request("POST", f"/publish?room=news&ns={ns}", body=body,
                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
        r = conn.getresponse()
        answer = r.read()
        conn.close()
        # recipients: this node's members (none); the others deliver and say nothing back.
        assert (r.status, json.loads(answer)) == (200, {"room": "news", "recipients": 0}), (r.status, answer)
    for m in raw:
        m.expect_message(OP_TEXT, b"raw body")
    env = js.recv()
    assert env.pop("ts") > 0 and env == {"type": "message", "room": "news", "from": "publish",
                                         "data": {"json": "body"}}, env
    assert_quiet(*raw, js.client)


# ------------------------------------------- interest: who subscribes
def test_only_nodes_with_members_subscribe_and_latecomers_get_only_what_follows(wshub, redis_servers):
    redis = redis_servers()
    a, b, c = (start_node(wshub, redis) for _ in range(3))
    pub, other = member_on_worker(a, 0, "solo"), member_on_worker(a, 1, "solo")
    redis.wait_numsub(channel("solo"), 2)
    wait_for(a, lambda s: s.get("wshub_redis_subscriptions") == 2)
    for node in (b, c):
        assert metric(node, "wshub_redis_subscriptions") == 0
    pub.send(b"".join(masked_frame(OP_TEXT, f"before-{i}".encode()) for i in range(20)))
    assert texts(other.recv_frame() for _ in range(20)) == [f"before-{i}" for i in range(20)]

    late = member_on_worker(b, 0, "solo")
    redis.wait_numsub(channel("solo"), 3)
    assert metric(b, "wshub_redis_subscriptions") == 1 and metric(c, "wshub_redis_subscriptions") == 0
    pub.send(b"".join(masked_frame(OP_TEXT, f"after-{i}".encode()) for i in range(20)))
    assert texts(late.recv_frame() for _ in range(20)) == [f"after-{i}" for i in range(20)]
    assert texts(other.recv_frame() for _ in range(20)) == [f"after-{i}" for i in range(20)]
    assert_quiet(late, other)
    # Its last member gone, the node unsubscribes.
    late.close_cleanly()
    redis.wait_numsub(channel("solo"), 2)
    wait_for(b, lambda s: s.get("wshub_redis_subscriptions") == 0)


# ----------------------------------------------------- --redis-prefix
def test_prefixes_keep_sets_of_nodes_apart(wshub, redis_servers):
    redis = redis_servers()
    sets = {p: [start_node(wshub, redis, "--redis-prefix", p) for _ in range(2)] for p in ("one", "two")}
    members = {p: [member_on_worker(n, 0, "lobby") for n in nodes] for p, nodes in sets.items()}
    for p in sets:
        redis.wait_numsub(channel("lobby", prefix=p), 2)
    assert redis.numsub(channel("lobby")) == 0
    for p, (first, second) in members.items():
        first.send_text(f"from {p}")
        second.expect_message(OP_TEXT, f"from {p}")
    assert_quiet(*(m for ms in members.values() for m in ms))


# ------------------------------------------------------------- metrics
def test_counters_after_a_run(wshub, redis_servers):
    redis = redis_servers()
    a, b = start_node(wshub, redis), start_node(wshub, redis)
    for node in (a, b):
        wait_for(node, lambda s: s.get("wshub_redis_up") == 2)
    ma = [member_on_worker(a, w, "count") for w in (0, 1)]
    mb = [member_on_worker(b, w, "count") for w in (0, 1)]
    redis.wait_numsub(channel("count"), 4)
    sent = {"A": 30, "B": 20}
    ma[0].send(b"".join(masked_frame(OP_TEXT, f"A{i}".encode()) for i in range(sent["A"])))
    mb[1].send(b"".join(masked_frame(OP_TEXT, f"B{i}".encode()) for i in range(sent["B"])))
    collect({ma[0]: sent["B"], ma[1]: sum(sent.values()), mb[0]: sum(sent.values()), mb[1]: sent["A"]})
    # Each node's own envelopes come back to each of its workers in the
    # room, timed and ignored.
    trips = "wshub_redis_round_trip_seconds_count"
    sa = wait_for(a, lambda s: s[trips] == 2 * sent["A"])
    sb = wait_for(b, lambda s: s[trips] == 2 * sent["B"])
    for s in (sa, sb):
        Histogram(s, "wshub_redis_round_trip_seconds")  # well formed
    assert sa["wshub_redis_published_total"] == sent["A"] and sb["wshub_redis_published_total"] == sent["B"]
    assert sa["wshub_redis_received_total"] == 2 * sent["B"], sa["wshub_redis_received_total"]
    assert sb["wshub_redis_received_total"] == 2 * sent["A"], sb["wshub_redis_received_total"]
    for s in (sa, sb):
        assert s["wshub_redis_up"] == 2 and s["wshub_redis_subscriptions"] == 2
        for reason in ("down", "queue_full", "lost", "malformed"):
            assert s[f'wshub_redis_dropped_total{{reason="{reason}"}}'] == 0, reason


# ------------------------------------------ connections: one per worker
def client_list(redis):
    """CLIENT LIST as {name: {field: value}}, the nodes' connections only."""
    out = {}
    for line in redis.call("CLIENT", "LIST").decode().splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
        if fields["name"].startswith("wshub-"):
            out[fields["name"]] = fields
    return out


def test_each_worker_has_a_connection_named_after_its_node(wshub, redis_servers):
    """wshub-NODE-WORKER in CLIENT LIST, RESP3, the URL's /DB selected. Pub/sub
    ignores databases (Redis does), so a node on another database shares
    rooms all the same; only --redis-prefix parts nodes on one Redis."""
    redis = redis_servers()
    a = start_node(wshub, redis, "--node-id", "alpha", workers=3)
    b = start_node(wshub, redis, "--node-id", "beta.2", url=redis.url(db=3))
    c, d = start_node(wshub, redis, workers=1), start_node(wshub, redis, workers=1)
    for node, workers in ((a, 3), (b, 2), (c, 1), (d, 1)):
        wait_for(node, lambda s: s["wshub_redis_up"] == workers)
    conns = client_list(redis)
    named = {"wshub-alpha-0", "wshub-alpha-1", "wshub-alpha-2", "wshub-beta.2-0", "wshub-beta.2-1"}
    assert named <= set(conns) and len(conns) == len(named) + 2, sorted(conns)
    made = sorted(set(conns) - named)
    assert all(re.fullmatch(r"wshub-[0-9a-f]{12}-0", n) for n in made), made  # made at start, one per node
    for name, fields in conns.items():
        assert fields["resp"] == "3" and fields["db"] == ("3" if "beta" in name else "0"), fields
    ma, mb = member_on_worker(a, 0, "across"), member_on_worker(b, 1, "across")
    redis.wait_numsub(channel("across"), 2)
    ma.send_text("db 0 to db 3")
    mb.expect_message(OP_TEXT, "db 0 to db 3")


# ------------------------------------------------- namespaces in channels
def test_rooms_of_different_namespaces_never_meet(wshub, redis_servers):
    redis = redis_servers()
    nodes = [wshub("--workers", "1", "--route", "/a=raw", "--route", "/a:b=raw", "--route", "/ws=json",
                   "--redis", redis.url(), "--drain-timeout", "1s") for _ in range(3)]
    sender = open_ws(nodes[0], room_path("b:c", route="/a"))
    insider = open_ws(nodes[1], room_path("b:c", route="/a"))
    outsider = open_ws(nodes[2], room_path("c", route="/a:b"))
    redis.wait_numsub(channel("b:c", "/a"), 2)
    redis.wait_numsub(channel("c", "/a:b"), 1)
    sender.send_text("for room b:c of /a")
    insider.expect_message(OP_TEXT, "for room b:c of /a")
    assert_quiet(outsider)
