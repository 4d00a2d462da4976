"""Several nodes over a Redis Cluster (--redis-cluster, issue 20): three wshub
nodes on three joined redis-servers, rooms on every shard. Each room's
channel is SSUBSCRIBEd on the primary that serves its slot, by every worker
with members in it; raw messages cross in order and once; json presence, the
cluster-wide count and direct messages cross; each node claims its number in
the cluster's {PREFIX}:node:N."""

import time

from test_nodes import collect
from wshub_test.frames import OP_TEXT, masked_frame
from wshub_test.ids import node_of
from wshub_test.json_member import JsonMember
from wshub_test.members import member_on_worker
from wshub_test.redis import channel
from wshub_test.redis_cluster import redis_cluster  # noqa: F401 (a fixture)

QUIET = 0.4


def start_cluster_node(wshub, cluster, *extra, workers=2):
    node = wshub("--workers", str(workers), "--route", "/raw=raw", "--route", "/ws=json",
                 "--redis-cluster", cluster.seeds(), "--drain-timeout", "1s", *extra)
    deadline = time.monotonic() + 10
    while " info start " not in node.stderr:
        assert time.monotonic() < deadline, node.stderr[-2000:]
        time.sleep(0.01)
    return node


def wait_shard_subscribers(cluster, name, count, timeout=10):
    deadline = time.monotonic() + timeout
    while (got := cluster.shard_subscribers(name)) != count:
        assert time.monotonic() < deadline, f"{name}: {got} shard subscribers, wanted {count}"
        time.sleep(0.02)


def test_raw_rooms_on_every_shard_cross_in_order(wshub, redis_cluster):
    nodes = [start_cluster_node(wshub, redis_cluster) for _ in range(3)]
    # Rooms until each of the three primaries serves one.
    rooms, owners = [], set()
    for k in range(200):
        owner = redis_cluster.owner_of(channel(f"r{k}")).port
        if owner not in owners:
            owners.add(owner)
            rooms.append(f"r{k}")
        if len(rooms) == 3:
            break
    assert len(rooms) == 3, owners
    n = 500
    for room in rooms:
        pub = member_on_worker(nodes[0], 0, room)
        readers = [member_on_worker(nodes[1], 1, room), member_on_worker(nodes[2], 0, room)]
        wait_shard_subscribers(redis_cluster, channel(room), 3)
        pub.send(b"".join(masked_frame(OP_TEXT, f"{room}:{i:04d}".encode()) for i in range(n)))
        got = collect({r: n for r in readers})
        for r in readers:
            assert got[r] == [f"{room}:{i:04d}" for i in range(n)], (room, len(got[r]))
        for c in readers + [pub]:
            frames, eof = c.drain_frames(QUIET)
            assert not frames and not eof, (room, frames[:3])
    for node in nodes:
        line = next(l for l in node.stderr.splitlines() if " node_number " in l)
        assert " info " in line, line


def test_json_presence_counts_and_direct_messages_cross_a_cluster(wshub, redis_cluster):
    a, b = (start_cluster_node(wshub, redis_cluster, workers=1) for _ in range(2))
    room = "lobby"
    first = JsonMember(a)
    first.join(room)
    scout = JsonMember(b)
    scout.join(room)
    assert first.recv() == {"type": "presence", "room": room, "event": "join", "id": scout.id}
    time.sleep(0.5)  # b's worker hears who is in the room
    second = JsonMember(b)
    assert second.join(room) == {"type": "joined", "room": room, "members": 3}
    for m in (first, scout):
        assert m.recv() == {"type": "presence", "room": room, "event": "join", "id": second.id}
    assert node_of(first.id) != node_of(second.id)
    first.send({"type": "direct", "to": second.id, "data": {"hi": 1}})
    got = second.recv()
    assert (got["type"], got["from"], got["data"]) == ("direct", first.id, {"hi": 1}), got
    number = node_of(first.id)
    owner = redis_cluster.owner_of(f"{{wshub}}:node:{number}")
    assert owner.call("GET", f"{{wshub}}:node:{number}") is not None
    for m in (first, scout, second):
        frames, eof = m.client.drain_frames(QUIET)
        assert not frames and not eof, frames[:3]
