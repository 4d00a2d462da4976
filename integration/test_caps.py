"""Connection and room caps (README.md, "Flags"): --max-conns, --max-room-conns,
--max-rooms-per-conn, --max-conns-per-ip (429 with Retry-After: 1, per client
address, shared by the workers), bad room names; a refused client takes no
slot; churn (2,000 and 20,000 connect/join/leave cycles) releases every fd,
room slot and per-address slot; a thousand clients at once, and abrupt
disconnects and bad input, leave no fd behind.

Client addresses: the server listens on 127.0.0.1, and loopback accepts from
any 127.x source, so a client bound to 127.0.0.2 is another address."""

import asyncio
import json
import socket
import time

import pytest
import websockets

from wshub_test import T
from wshub_test.churn import churn_cycle, in_batches
from wshub_test.client import RawClient, assert_alive, http_exchange, open_ws, upgrade_attempt
from wshub_test.frames import OP_TEXT, build_frame
from wshub_test.ids import worker_of
from wshub_test.httpmsg import upgrade_request
from wshub_test.members import member, room_path
from wshub_test.proc import fd_count, stable_fd_count, wait_fds_at_most


def refusal(server, path):
    """An upgrade for `path` that must be refused: returns the response (its
    framing checked: Content-Length, Connection: close, then EOF)."""
    resp = http_exchange(server, upgrade_request(f"{server.host}:{server.port}", path=path))
    assert resp.status != 101, f"{path}: upgrade accepted, wanted a refusal"
    return resp


def assert_refused(server, path, status, body_contains=None):
    resp = refusal(server, path)
    assert resp.status == status, f"{path[:80]}: got {resp.status} {resp.body!r}, want {status}"
    if body_contains:
        assert body_contains.encode() in resp.body, f"{path[:80]}: body {resp.body!r} lacks {body_contains!r}"
    return resp


def join_eventually(server, path, timeout=3.0):
    """Joins once the slot is back (a leave is processed asynchronously);
    503 answers in between are retried."""
    deadline = time.monotonic() + timeout
    while True:
        resp, c = upgrade_attempt(server, path)
        if c is not None:
            return c
        assert resp.status == 503, f"{path}: got {resp!r}, want 101 or 503"
        assert time.monotonic() < deadline, f"{path}: still refused with 503 {timeout}s after a slot was freed"
        time.sleep(0.02)


# ------------------------------------------------------------- --max-conns
def test_max_conns_refuses_with_503_retry_after_and_frees_slots(wshub):
    server = wshub("--max-conns", "3")
    open_ = [open_ws(server, "/echo"), open_ws(server, room_path("r")), open_ws(server, "/echo")]
    try:
        for path in ("/echo", room_path("r"), room_path("other")):
            resp = assert_refused(server, path, 503)
            assert resp.header("Retry-After") == ["1"], f"Retry-After {resp.header('Retry-After')!r} in {resp!r}"
            assert resp.body, "503 without a body"
        # The open ones still work.
        open_[0].echo_roundtrip("still open")
        # One leaves cleanly: exactly one new connection fits again.
        open_.pop(0).close_cleanly()
        open_.append(join_eventually(server, "/echo"))
        assert_refused(server, "/echo", 503)
        # One drops TCP without a close frame: its slot comes back too.
        open_.pop(0).close()
        open_.append(join_eventually(server, room_path("r")))
        assert_refused(server, "/echo", 503)
        open_[0].echo_roundtrip("after churn")
    finally:
        for c in open_:
            c.close()


def test_a_client_close_frees_its_slot_while_the_client_still_holds_tcp(wshub):
    # Once both close frames are through, the server closes TCP at once
    # (RFC 6455 section 5.5.1) rather than wait for the client's EOF: its
    # place under --max-conns is back while the client's socket is still open.
    server = wshub("--max-conns", "1", "--close-timeout", "30s")
    first = open_ws(server, "/echo")
    try:
        first.send_close(1000, "done")
        first.expect_close(1000)  # our answer, then EOF; this side stays open
        second = open_ws(server, "/echo")  # at once, no retry
        second.echo_roundtrip("in the freed slot")
        second.close_cleanly()
    finally:
        first.close()


# -------------------------------------------------------- --max-room-conns
def test_max_room_conns_full_room_refused_other_rooms_fine(wshub):
    server = wshub("--max-room-conns", "2")
    x1 = member(server, "x")
    x2 = member(server, "x")
    held = [x1, x2]
    try:
        assert_refused(server, room_path("x"), 503, "room is full")
        assert_refused(server, room_path("x"), 503, "room is full")
        y1 = member(server, "y")
        held.append(y1)
        # Room y has a free slot but x is full: refused, and it must not keep
        # the slot it may have taken in y.
        assert_refused(server, room_path("y", "x"), 503, "room is full")
        y2 = member(server, "y")
        held.append(y2)
        assert_refused(server, room_path("y"), 503, "room is full")
        # x1 leaves: x has a slot again, once.
        x1.close_cleanly()
        held.remove(x1)
        x3 = join_eventually(server, room_path("x"))
        held.append(x3)
        assert_refused(server, room_path("x"), 503, "room is full")
        # The room works with its new member.
        x3.send_text("hello x2")
        x2.expect_message(OP_TEXT, "hello x2")
        x2.send_text("hello x3")
        x3.expect_message(OP_TEXT, "hello x3")
        # An abrupt leave frees the slot as well.
        y1.close()
        held.remove(y1)
        held.append(join_eventually(server, room_path("y")))
    finally:
        for c in held:
            c.close()


def test_max_room_conns_applies_to_the_default_lobby(wshub):
    server = wshub("--max-room-conns", "2")
    a = member(server, path="/raw")
    b = member(server, path="/raw?room=lobby")
    try:
        assert_refused(server, "/raw", 503, "room is full")
        assert_refused(server, "/raw?room=lobby", 503, "room is full")
        member(server, "not-lobby").close()
    finally:
        a.close()
        b.close()


# ---------------------------------------------------- --max-rooms-per-conn
def test_max_rooms_per_conn(wshub):
    # Room cap 1: any slot a refused client kept would show as a 503 later.
    server = wshub("--max-rooms-per-conn", "2", "--max-room-conns", "1")
    assert_refused(server, room_path("a", "b", "c"), 400)
    assert_refused(server, room_path("a", "b", "c", "d", "e"), 400)
    ab = member(server, "a", "b")
    c = member(server, "c")
    try:
        ab.send_text("to a and b")
        assert_refused(server, room_path("a"), 503, "room is full")
    finally:
        ab.close_cleanly()
        c.close_cleanly()


def test_max_rooms_per_conn_default_is_16(wshub):
    server = wshub()
    rooms = [f"r{i}" for i in range(17)]
    assert_refused(server, room_path(*rooms), 400)
    c = member(server, *rooms[:16])
    c.close_cleanly()


# --------------------------------------------------------- bad room names
BAD_NAMES = [
    pytest.param("room=", id="empty"),
    pytest.param("room", id="no-equals"),
    pytest.param("room=" + "a" * 129, id="129-bytes"),
    pytest.param("room=" + "%41" * 129, id="129-bytes-encoded"),
    pytest.param("room=" + "%C3%A9" * 65, id="130-bytes-utf8"),
    pytest.param("room=a%00b", id="nul"),
    pytest.param("room=a%01b", id="ctrl-01"),
    pytest.param("room=a%0Ab", id="lf"),
    pytest.param("room=a%0Db", id="cr"),
    pytest.param("room=a%09b", id="tab"),
    pytest.param("room=a%1Fb", id="ctrl-1f"),
    pytest.param("room=a%7Fb", id="del"),
    pytest.param("room=ok&room=", id="good-then-empty"),
    pytest.param("room=ok&room=" + "b" * 129, id="good-then-long"),
    pytest.param("room=%zz", id="bad-escape"),
    pytest.param("room=a%4", id="truncated-escape"),
]


@pytest.mark.parametrize("query", BAD_NAMES)
def test_bad_room_name_is_400(wshub, query):
    server = wshub("--max-room-conns", "1")
    assert_refused(server, "/raw?" + query, 400)
    # Nothing was kept: room "ok" (cap 1) is free, and the server is fine.
    c = member(server, "ok")
    c.close_cleanly()


GOOD_NAMES = [
    pytest.param("room=" + "a" * 128, "a" * 128, id="128-bytes"),
    pytest.param("room=" + "%41" * 128, "A" * 128, id="128-bytes-encoded"),
    pytest.param("room=" + "%C3%A9" * 64, "é" * 64, id="128-bytes-utf8"),
    pytest.param("room=x", "x", id="one-byte"),
    pytest.param("room=%E2%98%83%20snow", "☃ snow", id="utf8-and-space"),
]


@pytest.mark.parametrize("query,name", GOOD_NAMES)
def test_room_name_limits_accepted(wshub, query, name):
    server = wshub()
    a = member(server, path="/raw?" + query)
    b = member(server, name)  # the same room, spelled by room_path
    try:
        a.send_text("same room")
        b.expect_message(OP_TEXT, "same room")
    finally:
        a.close()
        b.close()


# ------------------------------------------------------ --max-conns-per-ip
A1, A2, A3 = "127.0.0.1", "127.0.0.2", "127.0.0.3"


def refused_from(server, path, source, status=429):
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
            resp = refused_from(server, path, A1)
            assert resp.status_line.startswith("HTTP/1.1 429"), resp.status_line
        # Another address has slots of its own, as many, and no more.
        held += [opened(server, "/echo", A2), opened(server, room_path("a"), A2), opened(server, "/ws", A2)]
        refused_from(server, "/echo", A2)
        held.append(opened(server, "/echo", A3))
        # Those open still work: room a has a member from each address.
        held[0].echo_roundtrip("still open")
        held[1].send_text("from .1")
        held[4].expect_message(OP_TEXT, "from .1")
        # One from 127.0.0.1 leaves cleanly: exactly one new one fits again.
        held.pop(0).close_cleanly()
        held.append(opened_eventually(server, "/echo", A1))
        refused_from(server, "/echo", A1)
        # One leaves by dropping TCP: its slot comes back too.
        held.pop(0).close()
        held.append(opened_eventually(server, room_path("c"), A1))
        refused_from(server, room_path("c"), A1)
        refused_from(server, "/ws", A2)
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
            refused_from(server, room_path("x"), A1)
        held.append(opened(server, room_path("x"), A2))
        held.append(opened(server, "/echo", A2))
        refused_from(server, "/echo", A3, status=503)  # and the process-wide cap is exact
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
        refused_from(server, "/nowhere", A1, status=404)
        refused_from(server, "/raw?room=", A1, status=400)
        a = opened(server, "/echo", A1)
        b = opened(server, room_path("r"), A1)
        refused_from(server, "/echo", A1)
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
        workers = {worker_of(json_welcome(c)) for c in held}
        for _ in range(8):
            refused_from(server, "/ws", A1)
        held.append(opened(server, "/ws", A2))
        print(f"six connections from {A1} on workers {sorted(workers)}")
    finally:
        for c in held:
            c.close()


# ------------------------------------------------------------------ churn
CYCLES = 2000
BATCH = 100


def test_churn_releases_every_fd_and_room_slot(wshub):
    """2,000 connect/join/leave cycles, 100 at a time, leaving in four ways
    (close handshake, FIN right after the 101, a message then an abort, a close
    frame then FIN) plus refused (400) attempts. Room cap 1: cycle i joins
    shared room c{i%100} (each held by one cycle of a batch at a time; 503
    while the previous holder's leave is processed is retried) and its own
    room u{i}. Afterwards the fds are back to baseline and every one of those
    2,100 rooms can be joined again."""
    server = wshub("--max-room-conns", "1", "--max-rooms-per-conn", "100", "--workers", "2")
    host, port = server.host, server.port
    baseline = stable_fd_count(server.pid)
    stats = {"retries": 0, "refused400": 0}

    async def cycle(i):
        j = i % BATCH

        def refused(status, head, body, deadline):
            assert status == 503 and b"room is full" in body, f"cycle {i}: {head!r} {body!r}"
            assert time.monotonic() < deadline, f"cycle {i}: room c{j} still full 5s later (slot leaked?)"

        await churn_cycle(host, port, i, room_path(f"c{j}", f"u{i}"), stats, refused)

    asyncio.run(asyncio.wait_for(in_batches(cycle, CYCLES, BATCH), 40))
    after = wait_fds_at_most(server.pid, baseline + 2, timeout=6)
    assert after <= baseline + 2, f"fd leak: {after} fds after the churn, baseline {baseline}"
    print(f"churn: {CYCLES} cycles, {stats['retries']} retries on 503, {stats['refused400']} refused with 400; "
          f"fds {baseline} -> {after}", flush=True)

    # Every room slot came back: one connection takes all 100 shared rooms,
    # twenty take the 2,000 own rooms (cap 1: a leaked slot is a 503).
    holders = [member(server, path=room_path(*(f"c{j}" for j in range(BATCH))))]
    try:
        for k in range(CYCLES // 100):
            rooms = [f"u{i}" for i in range(k * 100, (k + 1) * 100)]
            holders.append(member(server, path=room_path(*rooms)))
        assert_refused(server, room_path("c5"), 503, "room is full")
        assert_refused(server, room_path("u1234"), 503, "room is full")
    finally:
        for c in holders:
            c.close()
    wait_fds_at_most(server.pid, baseline + 2)


PER_IP_CYCLES = 20000
PER_IP_BATCH = 200
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
    server = wshub("--max-room-conns", "1", "--max-rooms-per-conn", str(PER_IP_BATCH), "--workers", "2",
                   "--max-conns-per-ip", str(PER_IP))
    host, port = server.host, server.port
    baseline = stable_fd_count(server.pid)
    stats = {"retries": 0, "refused400": 0, "peak_fds": baseline}

    async def cycle(i):
        j = i % PER_IP_BATCH

        def refused(status, head, body, deadline):
            assert (status, b"room is full" in body) == (503, True) or status == 429, f"cycle {i}: {head!r} {body!r}"
            assert time.monotonic() < deadline, f"cycle {i}: still {status} 5s later (slot leaked?): {body!r}"

        def joined():
            if j == PER_IP_BATCH - 1:
                stats["peak_fds"] = max(stats["peak_fds"], fd_count(server.pid))

        await churn_cycle(host, port, i, room_path(f"c{j}", f"u{i}"), stats, refused, joined)

    t0 = time.monotonic()
    asyncio.run(asyncio.wait_for(in_batches(cycle, PER_IP_CYCLES, PER_IP_BATCH), 45))
    took = time.monotonic() - t0
    after = wait_fds_at_most(server.pid, baseline + 2, timeout=6)
    print(f"churn: {PER_IP_CYCLES} cycles in {took:.1f}s, {stats['retries']} retries on 503/429, "
          f"{stats['refused400']} refused with 400; fds {baseline} -> peak {stats['peak_fds']} -> {after}", flush=True)
    assert after <= baseline + 2, f"fd leak: {after} fds after the churn, baseline {baseline}"

    # Every room slot came back (cap 1: a leaked slot is a 503): one
    # connection takes the 200 shared rooms, a hundred take the 20,000 own
    # rooms, 200 each; then those 101 and 149 more are exactly the 250
    # connections 127.0.0.1 may have.
    held = []
    try:
        held.append(member(server, path=room_path(*(f"c{j}" for j in range(PER_IP_BATCH)))))
        for k in range(PER_IP_CYCLES // PER_IP_BATCH):
            held.append(member(server, path=room_path(*(f"u{i}" for i in range(k * PER_IP_BATCH, (k + 1) * PER_IP_BATCH))),
                               ))
        while len(held) < PER_IP:
            held.append(member(server, path="/echo"))
        refused_from(server, "/echo", A1)
        refused_from(server, room_path("u12345"), A2, status=503)
        refused_from(server, room_path("c42"), A2, status=503)
    finally:
        for c in held:
            c.close()
    wait_fds_at_most(server.pid, baseline + 2)


# ------------------------------------------- many clients, no fd left behind
N = 1000
MESSAGES = 3
SLACK = 2  # fds the server may hold beyond its baseline once all are closed


def test_thousand_clients(wshub):
    server = wshub("--ping-interval", "0")
    baseline = stable_fd_count(server.pid)

    async def main():
        async def connect(i):
            return await websockets.connect(
                server.url(), max_size=None, ping_interval=None, compression=None,
                open_timeout=20, close_timeout=10)

        clients = await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(N))), 30)
        assert len(clients) == N
        # Every connection is held open by the server at the same time.
        during = fd_count(server.pid)
        assert during >= baseline + N, f"server has {during} fds with {N} clients open (baseline {baseline})"

        async def talk(i, ws):
            for j in range(MESSAGES):
                msg = f"client {i} message {j}" if j % 2 == 0 else f"bin {i}.{j}".encode()
                await ws.send(msg)
                got = await ws.recv()
                assert got == msg, f"client {i}: got {got!r}, want {msg!r}"

        await asyncio.wait_for(asyncio.gather(*(talk(i, ws) for i, ws in enumerate(clients))), 30)

        async def close(ws):
            await ws.close(1000, "done")
            assert ws.close_code == 1000, ws.close_code

        await asyncio.wait_for(asyncio.gather(*(close(ws) for ws in clients)), 30)

    asyncio.run(main())
    after = wait_fds_at_most(server.pid, baseline + SLACK, timeout=3.0)
    assert after <= baseline + SLACK, f"fd leak: {after} fds after all clients closed, baseline {baseline}"
    assert_alive(server)


def test_no_fd_leak_after_abrupt_disconnects_and_bad_input(wshub):
    server = wshub("--handshake-timeout", "500ms", "--max-message", "1KiB")
    baseline = stable_fd_count(server.pid)
    socks = []
    for i in range(50):
        c = RawClient(server.host, server.port)
        kind = i % 5
        if kind == 0:
            pass  # connect, say nothing, drop
        elif kind == 1:
            c.send(b"GET /echo HTTP/1.1\r\nHost: x\r\n")  # half a request
        elif kind == 2:
            c.handshake()
            c.send(build_frame(OP_TEXT, b"x" * 100)[:50])  # half a frame
        elif kind == 3:
            c.send(b"BROKEN\r\n\r\n")  # 400
        else:
            c.handshake()
            c.send(build_frame(OP_TEXT, b"", length=5000))  # 1009
        socks.append(c)
    during = fd_count(server.pid)
    assert during >= baseline + 10
    for c in socks:
        c.close()
    after = wait_fds_at_most(server.pid, baseline + SLACK, timeout=3.0)
    assert after <= baseline + SLACK, f"fd leak: {after} fds after abrupt disconnects, baseline {baseline}"
    assert_alive(server)
