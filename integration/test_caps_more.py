"""More caps (README.md, "Flags"): --max-conns-per-ip (429 with
Retry-After: 1, per client address, shared by the workers, a refused client
takes no slot); churn at 20,000 connect/join/leave cycles releasing every fd,
room slot and per-address slot; json-mode direct messages across workers to
live and just-closed connections.

Client addresses: the server listens on 127.0.0.1, and loopback accepts from
any 127.x source, so a client bound to 127.0.0.2 is another address."""

import asyncio
import contextlib
import json
import socket
import time

from wshub_test import T
from wshub_test.churn import churn_cycle, in_batches
from wshub_test.client import upgrade_attempt
from wshub_test.frames import OP_TEXT
from wshub_test.members import member, room_path
from wshub_test.proc import fd_count, stable_fd_count, wait_fds_at_most
from wshub_test.wslib import assert_quiet, open_json, recv_json, send_json

A1, A2, A3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


# ------------------------------------------------------ --max-conns-per-ip
def refused(server, path, source, status=429):
    resp, c = upgrade_attempt(server, path, source=source)
    got = resp.status
    if c is not None:
        c.close()
    assert got == status, f"{path} from {source}: got {got}, want {status} ({resp!r})"
    if status == 429:
        assert resp.header("Retry-After") == ["1"], f"Retry-After {resp.header('Retry-After')!r} in {resp!r}"
        assert resp.body, f"429 without a body: {resp!r}"
    return resp


def opened(server, path, source):
    resp, c = upgrade_attempt(server, path, source=source)
    got = resp.status
    assert got == 101, f"{path} from {source}: got {got} {resp.body!r}, want 101"
    return c


def opened_eventually(server, path, source, timeout=3.0):
    """A slot freed by a close comes back once the server has processed it;
    429 answers in between are retried (and 503: the process-wide cap is
    checked first, and its slot comes back at the same moment)."""
    deadline = time.monotonic() + timeout
    while True:
        resp, c = upgrade_attempt(server, path, source=source)
        got = resp.status
        if got == 101:
            return c
        assert got in (429, 503), f"{path} from {source}: got {got} {resp!r}"
        assert time.monotonic() < deadline, f"{path} from {source}: still 429 {timeout}s after a slot was freed"
        time.sleep(0.02)


def json_welcome(c):
    f = c.recv_frame()
    assert f.opcode == OP_TEXT, f
    msg = json.loads(f.payload)
    assert msg["type"] == "welcome", msg
    return msg["id"]


def test_max_conns_per_ip_429_and_other_addresses_unaffected(wshub):
    server = wshub("--max-conns-per-ip", "3", "--workers", "2")
    held = []
    try:
        # Three routes from 127.0.0.1 share its three slots.
        held += [opened(server, "/echo", A1), opened(server, room_path("a"), A1), opened(server, "/ws", A1)]
        for path in ("/echo", room_path("a"), room_path("b"), "/ws"):
            resp = refused(server, path, A1)
            assert resp.status_line.startswith("HTTP/1.1 429"), resp.status_line
        # Another address has slots of its own, as many, and no more.
        held += [opened(server, "/echo", A2), opened(server, room_path("a"), A2), opened(server, "/ws", A2)]
        refused(server, "/echo", A2)
        held.append(opened(server, "/echo", A3))
        # Those open still work: room a has a member from each address.
        held[0].echo_roundtrip("still open")
        held[1].send_text("from .1")
        held[4].expect_message(OP_TEXT, "from .1")
        # One from 127.0.0.1 leaves cleanly: exactly one new one fits again.
        held.pop(0).close_cleanly()
        held.append(opened_eventually(server, "/echo", A1))
        refused(server, "/echo", A1)
        # One leaves by dropping TCP: its slot comes back too.
        held.pop(0).close()
        held.append(opened_eventually(server, room_path("c"), A1))
        refused(server, room_path("c"), A1)
        refused(server, "/ws", A2)
    finally:
        for c in held:
            c.close()


def test_max_conns_per_ip_refusals_take_no_slot(wshub):
    """--max-conns 4 and --max-room-conns 1 beside --max-conns-per-ip 2: after
    twelve 429s for room x from 127.0.0.1, 127.0.0.2 can still take two
    connections, one of them in room x, so none of the refused kept a
    process-wide slot or a place in room x, and then the process is full."""
    server = wshub("--max-conns-per-ip", "2", "--max-conns", "4", "--max-room-conns", "1", "--workers", "2")
    held = [opened(server, room_path("a"), A1), opened(server, room_path("b"), A1)]
    try:
        for _ in range(12):
            refused(server, room_path("x"), A1)
        held.append(opened(server, room_path("x"), A2))
        held.append(opened(server, "/echo", A2))
        refused(server, "/echo", A3, status=503)  # and the process-wide cap is exact
        # 127.0.0.1 gets a slot back when one of its own leaves.
        held.pop(0).close_cleanly()
        held.append(opened_eventually(server, room_path("a"), A1))
    finally:
        for c in held:
            c.close()


def test_max_conns_per_ip_counts_websocket_connections_only(wshub):
    """Plain TCP connections that never finish a request, and requests
    refused before the upgrade (404, 400), take none of an address's slots."""
    server = wshub("--max-conns-per-ip", "2")
    idle = []
    try:
        for _ in range(5):
            s = socket.create_connection((server.host, server.port), timeout=T)
            idle.append(s)
        idle[0].sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n")  # half a request
        refused(server, "/nowhere", A1, status=404)
        refused(server, "/raw?room=", A1, status=400)
        a = opened(server, "/echo", A1)
        b = opened(server, room_path("r"), A1)
        refused(server, "/echo", A1)
        a.close_cleanly()
        b.close_cleanly()
    finally:
        for s in idle:
            s.close()


def test_max_conns_per_ip_is_shared_by_the_workers(wshub):
    """Six json connections from 127.0.0.1 (their ids tell the worker: with
    two workers all six on one has odds 1 in 32), then the seventh is refused
    whichever worker takes it, and 127.0.0.2 is not."""
    server = wshub("--max-conns-per-ip", "6", "--workers", "2")
    held = [opened(server, "/ws", A1) for _ in range(6)]
    try:
        workers = {json_welcome(c) & 0xFF for c in held}
        for _ in range(8):
            refused(server, "/ws", A1)
        held.append(opened(server, "/ws", A2))
        print(f"six connections from {A1} on workers {sorted(workers)}")
    finally:
        for c in held:
            c.close()


# ------------------------------------------------------------------ churn
CYCLES = 20000
BATCH = 200
PER_IP = 250  # --max-conns-per-ip: a batch plus room for late leaves


def test_churn_20000_cycles_releases_every_fd_room_and_address_slot(wshub):
    """20,000 connect/join/leave cycles, 200 at a time, leaving in four ways
    (close handshake, FIN right after the 101, a message then a TCP reset, a
    close frame then FIN), one in twenty refused with 400 instead. Room cap 1:
    cycle i joins shared room c{i % 200} (held by one cycle of a batch at a
    time; 503 while the previous holder's leave is being processed is retried)
    and its own room u{i}. All from 127.0.0.1 under --max-conns-per-ip 250
    (429 retried the same way). Afterwards: the fds are back to the baseline,
    every one of the 20,200 rooms can be joined again, and exactly 250
    connections from 127.0.0.1 fit again."""
    server = wshub("--max-room-conns", "1", "--max-rooms-per-conn", str(BATCH), "--workers", "2",
                   "--max-conns-per-ip", str(PER_IP))
    host, port = server.host, server.port
    baseline = stable_fd_count(server.pid)
    stats = {"retries": 0, "refused400": 0, "peak_fds": baseline}

    async def cycle(i):
        j = i % BATCH

        def refused(status, head, body, deadline):
            assert (status, b"room is full" in body) == (503, True) or status == 429, f"cycle {i}: {head!r} {body!r}"
            assert time.monotonic() < deadline, f"cycle {i}: still {status} 5s later (slot leaked?): {body!r}"

        def joined():
            if j == BATCH - 1:
                stats["peak_fds"] = max(stats["peak_fds"], fd_count(server.pid))

        await churn_cycle(host, port, i, room_path(f"c{j}", f"u{i}"), stats, refused, joined)

    t0 = time.monotonic()
    asyncio.run(asyncio.wait_for(in_batches(cycle, CYCLES, BATCH), 45))
    took = time.monotonic() - t0
    after = wait_fds_at_most(server.pid, baseline + 2, timeout=6)
    print(f"churn: {CYCLES} cycles in {took:.1f}s, {stats['retries']} retries on 503/429, "
          f"{stats['refused400']} refused with 400; fds {baseline} -> peak {stats['peak_fds']} -> {after}", flush=True)
    assert after <= baseline + 2, f"fd leak: {after} fds after the churn, baseline {baseline}"

    # Every room slot came back (cap 1: a leaked slot is a 503): one
    # connection takes the 200 shared rooms, a hundred take the 20,000 own
    # rooms, 200 each; then those 101 and 149 more are exactly the 250
    # connections 127.0.0.1 may have.
    held = []
    try:
        held.append(member(server, path=room_path(*(f"c{j}" for j in range(BATCH)))))
        for k in range(CYCLES // BATCH):
            held.append(member(server, path=room_path(*(f"u{i}" for i in range(k * BATCH, (k + 1) * BATCH))),
                               ))
        while len(held) < PER_IP:
            held.append(member(server, path="/echo"))
        refused(server, "/echo", A1)
        refused(server, room_path("u12345"), A2, status=503)
        refused(server, room_path("c42"), A2, status=503)
    finally:
        for c in held:
            c.close()
    wait_fds_at_most(server.pid, baseline + 2)


# ------------------------------------------------- json direct, two workers
def direct(to, data, ref=None):
    msg = '{"type":"direct","to":%d,"data":%s' % (to, data)
    if ref is not None:
        msg += ',"ref":%s' % json.dumps(ref)
    return msg + "}"


class JClient:
    def __init__(self, ws, cid):
        self.ws = ws
        self.id = cid
        self.worker = cid & 0xFF
        self.slot = (cid >> 8) & ((1 << 22) - 1)

    def __repr__(self):
        return f"JClient(id={self.id}, worker={self.worker}, slot={self.slot})"


async def open_jclient(stack, server):
    ws, welcome = await open_json(stack, server, "/ws")
    return JClient(ws, welcome["id"])


async def open_on_both_workers(stack, server, per_worker, limit=64):
    """Opens json clients until each worker has `per_worker` of them; returns
    {worker: [clients]} (extra clients stay open)."""
    by = {0: [], 1: []}
    for _ in range(limit):
        c = await open_jclient(stack, server)
        assert c.worker in by, f"id {c.id}: worker {c.worker} with --workers 2"
        by[c.worker].append(c)
        if all(len(v) >= per_worker for v in by.values()):
            return by
    raise AssertionError(f"{limit} connections did not give {per_worker} on each worker: {by}")


async def expect_direct(c, sender, data_raw):
    text = await asyncio.wait_for(c.ws.recv(), T)
    got = json.loads(text)
    assert got["type"] == "direct" and got["from"] == sender.id, (got, sender)
    assert ('"data":' + data_raw) in text, f"data not forwarded byte for byte: {text!r}, want {data_raw!r}"


async def expect_no_such(c, to, ref):
    code = await direct_reply(c, to, ref)
    assert code == "no_such_connection", (
        f"direct from {c} to id {to} (worker {to & 0xFF}, slot {(to >> 8) & ((1 << 22) - 1)}, generation {to >> 30}): "
        + ("no error: taken as delivered" if code is None else f"error {code}") + f", want no_such_connection (ref {ref})")


async def direct_reply(c, to, ref):
    """Sends a direct with `ref`, then a rooms request with ref "mark": the
    direct's error (if any) comes first. Returns the error code or None."""
    await send_json(c.ws, direct(to, '"poll"', ref))
    await send_json(c.ws, {"type": "rooms", "ref": "mark"})
    got = await recv_json(c.ws)
    if got.get("type") == "rooms":
        assert got.get("ref") == "mark", got
        return None
    assert got.get("type") == "error" and got.get("ref") == ref, got
    mark = await recv_json(c.ws)
    assert mark.get("type") == "rooms" and mark.get("ref") == "mark", mark
    return got["code"]


def test_direct_across_workers_live_and_just_closed(wshub):
    server = wshub("--workers", "2")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            by = await open_on_both_workers(stack, server, 3)
            (a0, a1, a2), (b0, b1, b2) = by[0][:3], by[1][:3]
            # Live, both directions across workers, and on one worker.
            await send_json(a0.ws, direct(b0.id, '{"x" : [1, 2]}'))
            await expect_direct(b0, a0, '{"x" : [1, 2]}')
            await send_json(b0.ws, direct(a0.id, '"back"'))
            await expect_direct(a0, b0, '"back"')
            await send_json(a0.ws, direct(a1.id, '"same worker"'))
            await expect_direct(a1, a0, '"same worker"')
            await assert_quiet([a0.ws], 0.25)
            await assert_quiet([b0.ws], 0.25)

            # Closed with a close handshake: once it is done, a direct to it
            # from either worker is refused at once.
            for gone, senders in ((b1, (a0, b0)), (a1, (b0, a0))):
                await gone.ws.close()
                for k, s in enumerate(senders):
                    await expect_no_such(s, gone.id, [gone.id, k])
                await send_json(senders[0].ws, direct(senders[1].id, '"still fine"'))
                await expect_direct(senders[1], senders[0], '"still fine"')

            # Dropped without a close frame: refused as soon as the server
            # has seen the EOF (well within a second).
            for gone, s in ((b2, a0), (a2, b0)):
                gone.ws.transport.abort()
                deadline = time.monotonic() + 2
                while (code := await direct_reply(s, gone.id, "poll")) is None:
                    assert time.monotonic() < deadline, f"direct to dropped {gone} still accepted 2s later"
                    await asyncio.sleep(0.02)
                assert code == "no_such_connection", code

            # The freed slots are taken again by new clients with new ids:
            # the old ids stay refused, the new ones are delivered to.
            again = await open_on_both_workers(stack, server, 2)
            new = [c for v in again.values() for c in v]
            old_ids = {a1.id, a2.id, b1.id, b2.id}
            assert not old_ids & {c.id for c in new}, "an id was given out twice"
            for gone_id in sorted(old_ids):
                await expect_no_such(a0, gone_id, gone_id)
                await expect_no_such(b0, gone_id, gone_id)
            for c in new:
                await send_json(a0.ws, direct(c.id, '"hi new"'))
                await expect_direct(c, a0, '"hi new"')
                await send_json(b0.ws, direct(c.id, '"hi new"'))
                await expect_direct(c, b0, '"hi new"')
            for c in (a0, b0, *new):
                await assert_quiet([c.ws], 0.1)

    asyncio.run(asyncio.wait_for(main(), 30))


def test_direct_to_ids_that_were_never_given_out(wshub):
    """Ids no connection has: a worker index past --workers, a slot never
    used, a generation never reached, and 0 (generations start at 1, so no
    connection has id 0). Each is no_such_connection from either worker,
    including while slot 0 of worker 0 is free."""
    server = wshub("--workers", "2")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            by = await open_on_both_workers(stack, server, 2)
            senders = [by[0][0], by[1][0]]
            first = min((c for v in by.values() for c in v if c.worker == 0), key=lambda c: c.slot)
            ids = [
                (5 << 8) | 2,  # worker 2 of 2
                (3 << 30) | (5 << 8) | 255,  # worker 255
                (1 << 30) | (4000000 << 8) | 1,  # a slot never used on worker 1
                (1 << 30) | (4000000 << 8) | 0,
                (0x7FFFFF << 30) | (first.slot << 8),  # a generation not reached
                0,
            ]
            for to in ids:
                for s in senders:
                    await expect_no_such(s, to, [to, s.worker])
            # Free worker 0's lowest slot (0, unless another connection held
            # it first) and ask again for id 0 from both workers.
            if first is senders[0]:
                senders[0] = by[0][1]
            await first.ws.close()
            for s in senders:
                await expect_no_such(s, 0, ["zero", s.worker, first.slot])

    asyncio.run(asyncio.wait_for(main(), 20))
