"""Connection and room caps: --max-conns, --max-room-conns,
--max-rooms-per-conn, bad room names; a refused client takes no slot; churn
releases every fd and every room slot."""

import asyncio
import time

import pytest

from wshub_test.churn import churn_cycle, in_batches
from wshub_test.client import http_exchange, open_ws, upgrade_attempt
from wshub_test.frames import OP_TEXT
from wshub_test.httpmsg import upgrade_request
from wshub_test.members import member, room_path
from wshub_test.proc import stable_fd_count, wait_fds_at_most


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
