"""Connection ids across nodes (--redis, issue 20): each node claims a number
in Redis at start, which its connection ids carry (wshub_test.ids), so ids
are unique across the nodes and a json `direct` to a member of another node
goes through Redis to that node's worker, in order; a node restarted with
the same --node-id takes its number back, and a node whose Redis is away at
start still starts, with its id's hash for a number, and says so."""

import time

from wshub_test import T
from wshub_test.ids import describe, node_of
from wshub_test.json_member import JsonMember
from wshub_test.redis import redis_servers, start_node  # noqa: F401 (a fixture)


def members_on_both_workers(node):
    """A json member on each of `node`'s two workers: {worker: member}."""
    return {w: JsonMember(node, worker=w) for w in (0, 1)}


def log_line(node, event):
    for line in node.stderr.splitlines():
        if f" {event} " in line:
            return line
    return None


def test_ids_carry_a_claimed_node_number_and_direct_messages_cross_nodes(wshub, redis_servers):
    redis = redis_servers()
    nodes = [start_node(wshub, redis, "--node-id", f"node-{k}") for k in range(3)]
    members = [members_on_both_workers(n) for n in nodes]
    numbers = [{node_of(m.id) for m in by.values()} for by in members]
    assert all(len(n) == 1 and 0 not in n for n in numbers), numbers
    numbers = [n.pop() for n in numbers]
    assert len(set(numbers)) == 3, numbers
    for k, node in enumerate(nodes):
        line = log_line(node, "node_number")
        assert line and f"node=node-{k} number={numbers[k]}" in line, line
        assert redis.call("GET", f"wshub:node:{numbers[k]}") == f"node-{k}".encode()
        assert 0 < redis.call("PTTL", f"wshub:node:{numbers[k]}") <= 15000

    sender = members[0][0]
    # To each worker of the other nodes: numbered, so order shows; the
    # payload is forwarded byte for byte.
    n = 300
    for k in (1, 2):
        for w in (0, 1):
            for i in range(n):
                sender.send({"type": "direct", "to": members[k][w].id, "data": {"i": i, "to": [k, w]}})
    for k in (1, 2):
        for w in (0, 1):
            got = [members[k][w].recv() for _ in range(n)]
            for i, msg in enumerate(got):
                assert msg["type"] == "direct" and msg["from"] == sender.id, msg
                assert msg["data"] == {"i": i, "to": [k, w]}, f"node {k} worker {w}: message {i} is {msg}"
    # A member answers across nodes; the sender has no error and nothing else.
    members[2][1].send({"type": "direct", "to": sender.id, "data": "back", "ref": 7})
    reply = sender.recv()
    assert (reply["type"], reply["from"], reply["data"]) == ("direct", members[2][1].id, "back"), reply
    for by in members:
        for m in by.values():
            m.quiet()


def test_a_direct_to_a_closed_member_of_another_node_reaches_nobody(wshub, redis_servers):
    redis = redis_servers()
    a, b = start_node(wshub, redis), start_node(wshub, redis)
    sender, gone, stays = JsonMember(a), JsonMember(b), JsonMember(b)
    gone_id = gone.id
    gone.client.close_cleanly()
    # Its slot may go to the next connection, but with another id.
    newcomer = JsonMember(b)
    assert newcomer.id != gone_id
    sender.send({"type": "direct", "to": gone_id, "data": "late"})
    sender.send({"type": "direct", "to": stays.id, "data": "marker"})
    got = stays.recv()
    assert got["data"] == "marker", got
    for m in (sender, stays, newcomer):
        m.quiet()


def test_a_restarted_node_takes_its_number_back(wshub, redis_servers):
    redis = redis_servers()
    first = start_node(wshub, redis, "--node-id", "phoenix")
    number = node_of(JsonMember(first).id)
    other = start_node(wshub, redis, "--node-id", "bystander")
    assert node_of(JsonMember(other).id) != number
    first.stop()
    again = start_node(wshub, redis, "--node-id", "phoenix")
    assert node_of(JsonMember(again).id) == number


def test_a_node_without_redis_at_start_starts_with_an_unclaimed_number(wshub, redis_servers):
    redis = redis_servers(start=False)
    started = time.monotonic()
    node = start_node(wshub, redis, "--node-id", "early")
    line = log_line(node, "node_number_unclaimed")
    assert line and " warn " in line and "node=early" in line and "reason=" in line, node.stderr[-2000:]
    m = JsonMember(node)
    assert node_of(m.id) != 0, describe(m.id)
    # Refused at once: the claim's budget was not waited out.
    assert time.monotonic() - started < T


def test_a_node_renews_its_number_and_says_when_another_holds_it(wshub, redis_servers):
    redis = redis_servers(start=False)
    node = start_node(wshub, redis, "--node-id", "late", "--node-timeout", "600ms")
    number = node_of(JsonMember(node).id)
    key = f"wshub:node:{number}"
    redis.start()
    # Another node took the number while this one could not reach Redis.
    redis.call("SET", key, "squatter", "PX", "60000")
    deadline = time.monotonic() + T
    while not (line := log_line(node, "node_number_taken")):
        assert time.monotonic() < deadline, node.stderr[-2000:]
        time.sleep(0.02)
    assert " warn " in line and f"number={number}" in line and "holder=squatter" in line, line
    assert redis.call("GET", key) == b"squatter"  # left alone
    # Once free again, this node holds it, renewed every third of 600 ms.
    redis.call("DEL", key)
    deadline = time.monotonic() + T
    while redis.call("GET", key) != b"late":
        assert time.monotonic() < deadline, node.stderr[-2000:]
        time.sleep(0.02)
    time.sleep(1.5)  # 2.5 lifetimes of the key: only renewals keep it
    assert redis.call("GET", key) == b"late"
    assert 0 < redis.call("PTTL", key) <= 600


def test_two_processes_with_one_node_id_are_told_of_each_other(wshub, redis_servers):
    redis = redis_servers()
    first = start_node(wshub, redis, "--node-id", "twin", "--node-timeout", "1s")
    second = start_node(wshub, redis, "--node-id", "twin", "--node-timeout", "1s")
    # The second takes the number the first holds, as a restart would.
    assert node_of(JsonMember(first).id) == node_of(JsonMember(second).id)
    for node in (first, second):
        deadline = time.monotonic() + T
        while not (line := log_line(node, "node_number_shared")):
            assert time.monotonic() < deadline, node.stderr[-2000:]
            time.sleep(0.02)
        assert " warn " in line and "other=twin" in line, line
