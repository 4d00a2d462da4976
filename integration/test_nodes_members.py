"""Members across nodes (--redis, issue 20): the `members` count in `joined`
and the --max-room-conns cap count every node's members; a node killed with
SIGKILL is dropped by the others once unheard for 3/4 of --node-timeout, and
their members hear its members' presence `leave`; a node drained with
SIGTERM says goodbye first, so the others' members hear the leaves at once,
while it is still draining.

A worker learns who is in a room on the other nodes when its first member
joins it (it asks, and they answer through Redis): a test that wants exact
counts lets that answer arrive before it counts (settle())."""

import time

from wshub_test import T
from wshub_test.client import open_ws, upgrade_attempt
from wshub_test.json_member import JsonMember
from wshub_test.redis import channel, redis_servers, start_node  # noqa: F401 (a fixture)

SETTLE = 0.5  # seconds for a question to other nodes and their answers


def settle():
    time.sleep(SETTLE)


def presences(member, n, timeout=T):
    """The next n presence events of `member`, as (event, id)."""
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < n:
        msg = member.recv(max(0.01, deadline - time.monotonic()))
        assert msg["type"] == "presence", msg
        got.append((msg["event"], msg["id"]))
    return got


def test_joined_counts_the_members_of_every_node(wshub, redis_servers):
    redis = redis_servers()
    nodes = [start_node(wshub, redis) for _ in range(3)]
    room = "census"
    members = []
    # The first member of the room on each worker: its count may not have
    # the other nodes' yet (its worker is asking); the next on that worker has.
    for k, node in enumerate(nodes):
        first = JsonMember(node, worker=0)
        first.join(room)
        members.append(first)
        settle()
        second = JsonMember(node, worker=0)
        reply = second.join(room)
        members.append(second)
        assert reply == {"type": "joined", "room": room, "members": len(members)}, (k, reply)
    # Leaving is counted too, once it has crossed.
    members[0].send({"type": "leave", "room": room})
    settle()
    last = JsonMember(nodes[2], worker=0)
    assert last.join(room)["members"] == len(members)  # 6 - 1 + this one


def test_max_room_conns_caps_the_room_across_nodes(wshub, redis_servers):
    redis = redis_servers()
    a, b = (start_node(wshub, redis, "--max-room-conns", "4", workers=1) for _ in range(2))
    room = "small"
    held = [JsonMember(a), JsonMember(a)]
    for m in held:
        assert m.join(room)["type"] == "joined"
    held.append(JsonMember(b))
    assert held[-1].join(room)["type"] == "joined"
    settle()
    held.append(JsonMember(b))
    assert held[-1].join(room) == {"type": "joined", "room": room, "members": 4}
    settle()
    for node in (a, b):
        refused = JsonMember(node).join(room)
        assert refused["type"] == "error" and refused["code"] == "room_full", refused
    # raw members of the same room name are another namespace; of /raw's
    # own room the cap holds across nodes the same way.
    raw_room = "small-raw"
    raw = [open_ws(node, f"/raw?room={raw_room}", timeout=T) for node in (a, a, b)]
    settle()
    raw.append(open_ws(b, f"/raw?room={raw_room}", timeout=T))
    settle()
    for node in (a, b):
        resp, _ = upgrade_attempt(node, f"/raw?room={raw_room}")
        assert resp.status == 503, resp.status
    held[0].send({"type": "leave", "room": room})
    settle()
    assert JsonMember(b).join(room)["type"] == "joined"


def test_a_killed_node_is_dropped_and_its_members_leave(wshub, redis_servers):
    redis = redis_servers()
    timeout_s = 2.0
    a = start_node(wshub, redis, "--node-timeout", f"{int(timeout_s * 1000)}ms")
    b = start_node(wshub, redis, "--node-timeout", f"{int(timeout_s * 1000)}ms", workers=1)
    room = "lobby"
    gone = [JsonMember(a), JsonMember(a)]
    for m in gone:
        m.join(room)
    watchers = [JsonMember(b)]
    watchers[0].join(room)
    settle()
    watchers.append(JsonMember(b))
    assert watchers[1].join(room)["members"] == 4
    presences(watchers[0], 1)  # the second watcher's join
    a.kill_on_purpose()
    killed = time.monotonic()
    for w in watchers:
        got = presences(w, 2, timeout=3 * timeout_s)
        assert sorted(got) == sorted(("leave", m.id) for m in gone), got
    took = time.monotonic() - killed
    print(f"\nkilled node's presence dropped after {took:.2f}s (--node-timeout {timeout_s}s)")
    assert took < timeout_s + SETTLE, took
    latecomer = JsonMember(b)
    assert latecomer.join(room)["members"] == 3
    for w in watchers:
        assert presences(w, 1) == [("join", latecomer.id)]
        w.quiet()
    assert " info node_gone " in b.stderr, b.stderr[-2000:]


def test_a_drained_node_says_goodbye_before_it_exits(wshub, redis_servers):
    redis = redis_servers()
    # The others would drop it only after a minute: the leaves that arrive
    # at once are the goodbye's.
    a = start_node(wshub, redis, "--node-timeout", "60s", "--drain-timeout", "5s")
    b = start_node(wshub, redis, "--node-timeout", "60s", workers=1)
    room = "lobby"
    leaving = [JsonMember(a, worker=0), JsonMember(a, worker=1)]
    for m in leaving:
        m.join(room)
    scout = JsonMember(b)
    scout.join(room)
    settle()
    watcher = JsonMember(b)
    assert watcher.join(room)["members"] == 4
    presences(scout, 1)  # the watcher's join
    scout.client.close_cleanly()
    assert presences(leaving[0], 4) == [("join", leaving[1].id), ("join", scout.id), ("join", watcher.id),
                                        ("leave", scout.id)]
    assert presences(leaving[1], 3) == [("join", scout.id), ("join", watcher.id), ("leave", scout.id)]
    assert presences(watcher, 1) == [("leave", scout.id)]
    a.process.send_signal(15)
    got = presences(watcher, 2, timeout=4)
    # a still drains: its members have not answered its close.
    assert a.process.poll() is None, "the node exited before its goodbye arrived"
    assert sorted(got) == sorted(("leave", m.id) for m in leaving), got
    for m in leaving:
        m.client.close()
    a.process.wait(T)
    watcher.quiet()
    latecomer = JsonMember(b)
    assert latecomer.join(room)["members"] == 2
    assert channel(room, "/ws") in redis.channels()


def test_after_a_redis_restart_the_lists_hold_who_is_still_there(wshub, redis_servers):
    redis = redis_servers()
    a = start_node(wshub, redis, workers=1)
    b = start_node(wshub, redis, workers=1)
    # In `shared`, a keeps a member; in `alone`, its only member leaves.
    shared, alone = "shared", "alone"
    stays, goes = JsonMember(a), JsonMember(a)
    stays.join(shared)
    goes.join(shared)
    goes.join(alone)
    scouts = [JsonMember(b), JsonMember(b)]
    scouts[0].join(shared)
    scouts[1].join(alone)
    settle()
    watcher = JsonMember(b)
    assert watcher.join(shared)["members"] == 4
    assert watcher.join(alone)["members"] == 3
    redis.stop()
    # Its leaves are lost with Redis away (never replayed).
    goes.client.close()
    redis.start()
    deadline = time.monotonic() + T
    while b.stderr.count(" info redis_up ") < 2 or a.stderr.count(" info redis_up ") < 2:
        assert time.monotonic() < deadline, (a.stderr[-1500:], b.stderr[-1500:])
        time.sleep(0.02)
    settle()
    newcomer = JsonMember(b)
    # a said it was back (b forgot its members) and listed those it has.
    assert newcomer.join(shared)["members"] == 4  # stays, a scout, watcher and itself
    assert newcomer.join(alone)["members"] == 3  # a scout, watcher and itself


def test_members_lists_the_other_nodes_members(wshub, redis_servers):
    redis = redis_servers()
    a, b = (start_node(wshub, redis) for _ in range(2))
    room = "roll-call"
    on_a = [JsonMember(a, worker=0), JsonMember(a, worker=1)]
    on_b = [JsonMember(b, worker=0)]
    for m in on_a + on_b:
        m.join(room)
    settle()
    asker = on_a[0]
    asker.send({"type": "members", "room": room, "ref": 1})
    reply = asker.recv()
    while reply["type"] == "presence":
        reply = asker.recv()
    assert reply["type"] == "members" and reply["truncated"] is False, reply
    assert sorted(e["id"] for e in reply["members"]) == sorted(m.id for m in on_a + on_b), reply
