"""The `json` route mode (README.md, "JSON protocol") through a real client
(the `websockets` library): welcome, join/leave/presence, room messages,
direct messages (also across workers, to live, just-closed and never-given
ids), rooms listing, "ref", every error code reached by a real request, and
binary frames refused with 1003.

Room and direct payloads must come back byte for byte, so those checks match
the raw frame text, not only its parsed value.
"""

import asyncio
import contextlib
import json
import re
import time

import pytest
import websockets

from wshub_test import T, wslib  # T: seconds, bound for every single network wait
from wshub_test.ids import describe, make_id, slot_of, worker_of
from wshub_test.wslib import assert_quiet, join, open_json, recv_json, recv_text, request, run, send_json

QUIET = 0.25  # seconds of silence that count as "nothing was sent"
ROUTE = "/ws"  # the default json route


def connect(server, path=ROUTE, **kw):
    return wslib.connect(server, path, **kw)


async def assert_alive(ws):
    """The connection still answers requests (after an error, say)."""
    got = await request(ws, {"type": "rooms", "ref": "alive?"})
    assert got["type"] == "rooms" and got["ref"] == "alive?", got


class Client:
    """A json connection and its id (wshub_test.ids: its worker and slot)."""

    def __init__(self, ws, welcome):
        self.ws = ws
        self.id = welcome["id"]
        self.worker = worker_of(self.id)
        self.slot = slot_of(self.id)

    def __repr__(self):
        return f"Client(id={self.id}, worker={self.worker}, slot={self.slot})"


async def open_client(stack, server, path=ROUTE):
    ws, welcome = await open_json(stack, server, path)
    return Client(ws, welcome)


async def open_clients(stack, server, n, path=ROUTE):
    return [await open_client(stack, server, path) for _ in range(n)]


async def join_all(clients, room):
    """Joins one by one (so the counts are exact); everyone already in sees
    each newcomer's presence. Presences from other workers may overtake each
    other, so each client's are compared as a set."""
    for i, c in enumerate(clients):
        got = await join(c.ws, room)
        assert got["members"] == i + 1, got
    for i, c in enumerate(clients):
        seen = [await recv_json(c.ws) for _ in clients[i + 1:]]
        want = [{"type": "presence", "room": room, "event": "join", "id": o.id} for o in clients[i + 1:]]
        assert sorted(seen, key=lambda p: p["id"]) == sorted(want, key=lambda p: p["id"]), (seen, want)


def check_ts(ts):
    now = time.time() * 1000
    assert isinstance(ts, int) and abs(ts - now) < 5000, (ts, now)


def room_message_re(room_json, sender, data_raw):
    """The exact frame a room message arrives as (data verbatim)."""
    return re.compile(
        r'\{"type":"message","room":' + re.escape(room_json) + r',"from":' + str(sender)
        + r',"data":' + re.escape(data_raw) + r',"ts":(\d+)\}\Z'
    )


def direct_re(sender, data_raw):
    return re.compile(r'\{"type":"direct","from":' + str(sender) + r',"data":' + re.escape(data_raw)
                      + r',"ts":(\d+)\}\Z')


def expect_match(pattern, text):
    m = pattern.match(text)
    assert m, f"{text!r} does not match {pattern.pattern!r}"
    check_ts(int(m.group(1)))
    assert json.loads(text)  # and it is valid JSON


# ---------------------------------------------------------------- welcome
def test_welcome_on_default_route(wshub):
    server = wshub("--workers", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            ws = await stack.enter_async_context(connect(server))
            text = await recv_text(ws)
            assert re.fullmatch(r'\{"type":"welcome","id":\d+\}', text), text
            a = json.loads(text)["id"]
            b = (await open_client(stack, server)).id
            assert a != b
            for i in (a, b):
                assert isinstance(i, int) and 0 <= i < 2**53

    run(main())


def test_welcome_on_custom_route(wshub):
    server = wshub("--route", "/chat=json")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            c = await open_client(stack, server, "/chat")
            assert isinstance(c.id, int)
            await assert_alive(c.ws)

    run(main())


# ---------------------------------------------------------- room messages
def test_three_clients_exchange_room_messages(wshub):
    server = wshub("--route", "/ws=json")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            clients = await open_clients(stack, server, 3)
            await join_all(clients, "lobby")
            for n, sender in enumerate(clients):
                data = json.dumps({"n": n, "text": f"hello from {n}"})
                await send_json(sender.ws, {"type": "message", "room": "lobby", "data": json.loads(data)})
                for other in clients:
                    if other is sender:
                        continue
                    text = await recv_text(other.ws)
                    expect_match(room_message_re('"lobby"', sender.id, data), text)
                    got = json.loads(text)
                    assert got["room"] == "lobby" and got["from"] == sender.id
                    assert got["data"] == {"n": n, "text": f"hello from {n}"}
            # The sender never gets its own message without --echo-self.
            await assert_quiet([c.ws for c in clients], QUIET)

    run(main())


DATA_CASES = [
    ("object_spacing", '{"b":1, "a" : [1.50e3]}'),
    ("object_empty", "{}"),
    ("object_dup_keys_nested", '{"k":1,"k":2}'),  # only top-level keys must be unique
    ("array", '[1,"two",[3],{"four":4},null,true,false]'),
    ("array_empty", "[ ]"),
    ("string_escapes", r'"q\" b\\ s\/ \b\f\n\r\t \u0000 \u00e9 \ud83d\ude00"'),
    ("string_unicode", '"héllo wörld € 𝄞 日本語"'),
    ("string_empty", '""'),
    ("number_int", "42"),
    ("number_negative_exp", "-0.5e-3"),
    ("number_big", "123456789012345678901234567890"),
    ("number_exp_upper", "1E+2"),
    ("true", "true"),
    ("false", "false"),
    ("null", "null"),
    ("deep_32", "[" * 32 + "]" * 32),
]


@pytest.mark.parametrize("data", [d for _, d in DATA_CASES], ids=[n for n, _ in DATA_CASES])
def test_data_arrives_byte_identical(wshub, data):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join_all([a, b], "r")
            # Whitespace around the value is not part of it.
            await send_json(a.ws, '{"type":"message", "room":"r","data" : \t' + data + ' \n}')
            expect_match(room_message_re('"r"', a.id, data), await recv_text(b.ws))
            await send_json(b.ws, '{"data":' + data + ',"to":' + str(a.id) + ',"type":"direct"}')
            expect_match(direct_re(b.id, data), await recv_text(a.ws))
            await assert_quiet([a.ws, b.ws], QUIET)

    run(main())


def test_large_data_arrives_byte_identical(wshub):
    server = wshub()
    data = json.dumps({"blob": "x" * 200_000, "list": list(range(5000))}, separators=(", ", " : "))

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join_all([a, b], "big")
            for _ in range(2):  # a second one after the server's buffers were trimmed
                await send_json(a.ws, '{"type":"message","room":"big","data":' + data + "}")
                expect_match(room_message_re('"big"', a.id, data), await recv_text(b.ws))
            await assert_alive(a.ws)

    run(main())


def test_echo_self(wshub):
    server = wshub("--route", "/ws=json", "--echo-self", "true")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join_all([a, b], "r")
            await send_json(a.ws, '{"type":"message","room":"r","data":[1, 2]}')
            for c in (a, b):
                expect_match(room_message_re('"r"', a.id, "[1, 2]"), await recv_text(c.ws))
            await assert_quiet([a.ws, b.ws], QUIET)

    run(main())


def test_room_names_are_decoded_and_reencoded(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            # "été" written with escapes by a, in plain UTF-8 by b: one room.
            got = await request(a.ws, r'{"type":"join","room":"\u00e9t\u00e9"}')
            assert got == {"type": "joined", "room": "été", "members": 1}, got
            got = await request(b.ws, '{"type":"join","room":"été"}')
            assert got["room"] == "été" and got["members"] == 2, got
            assert (await recv_json(a.ws))["id"] == b.id
            # Quotes and backslashes in a name are escaped on the way out.
            odd = 'a"b\\c/d'
            got = await request(a.ws, {"type": "join", "room": odd})
            assert got["room"] == odd, got
            got = await request(a.ws, {"type": "rooms"})
            assert got["rooms"] == ["été", odd], got
            await send_json(b.ws, r'{"type":"message","room":"\u00e9t\u00e9","data":1}')
            expect_match(room_message_re('"été"', b.id, "1"), await recv_text(a.ws))

    run(main())


# --------------------------------------------------- join, leave, presence
def test_presence_join_leave_and_disconnect(wshub):
    server = wshub("--workers", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b, c, d = await open_clients(stack, server, 4)
            await join_all([a, b, c, d], "p")
            # Joining again: joined, no presence for anyone.
            got = await request(b.ws, {"type": "join", "room": "p"})
            assert got["type"] == "joined" and got["room"] == "p", got
            await assert_quiet([a.ws, c.ws, d.ws], QUIET)

            # An explicit leave.
            got = await request(b.ws, {"type": "leave", "room": "p"})
            assert got == {"type": "left", "room": "p"}, got
            for x in (a, c, d):
                assert await recv_json(x.ws) == {"type": "presence", "room": "p", "event": "leave", "id": b.id}
            await assert_quiet([b.ws], QUIET)

            # A clean close (close handshake).
            await asyncio.wait_for(c.ws.close(), T)
            for x in (a, d):
                assert await recv_json(x.ws) == {"type": "presence", "room": "p", "event": "leave", "id": c.id}

            # An abrupt one (TCP gone, no close frame).
            d.ws.transport.abort()
            assert await recv_json(a.ws) == {"type": "presence", "room": "p", "event": "leave", "id": d.id}
            await assert_quiet([a.ws, b.ws], QUIET)

            # Member counts follow.
            got = await join(b.ws, "p")
            assert got["members"] == 2, got
            assert (await recv_json(a.ws))["event"] == "join"

    run(main())


def test_disconnect_presence_in_every_room(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b, c = await open_clients(stack, server, 3)
            await join_all([a, b], "one")
            await join_all([c, b], "two")
            await join(b.ws, "solo")
            await asyncio.wait_for(b.ws.close(), T)
            assert await recv_json(a.ws) == {"type": "presence", "room": "one", "event": "leave", "id": b.id}
            assert await recv_json(c.ws) == {"type": "presence", "room": "two", "event": "leave", "id": b.id}
            await assert_quiet([a.ws, c.ws], QUIET)

    run(main())


def test_rooms_listing_and_leave(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            assert await request(a.ws, {"type": "rooms"}) == {"type": "rooms", "rooms": []}
            for r in ("x", "y", "z"):
                await join(a.ws, r)
            got = await request(a.ws, {"type": "rooms"})
            assert got["rooms"] == ["x", "y", "z"], got
            got = await request(a.ws, {"type": "leave", "room": "y"})
            assert got == {"type": "left", "room": "y"}, got
            got = await request(a.ws, {"type": "rooms"})
            assert sorted(got["rooms"]) == ["x", "z"], got
            assert await request(a.ws, {"type": "rooms"}) == got  # stable
            # No longer a member of y: messages and a second leave are refused.
            got = await request(a.ws, {"type": "message", "room": "y", "data": 1})
            assert got["code"] == "not_member", got
            got = await request(a.ws, {"type": "leave", "room": "y"})
            assert got["code"] == "not_member", got
            # b's own listing is its own.
            assert await request(b.ws, {"type": "rooms"}) == {"type": "rooms", "rooms": []}
            await assert_quiet([a.ws, b.ws], QUIET)

    run(main())


def test_password_is_accepted_and_ignored(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join(a.ws, "locked", password="secret")
            got = await join(b.ws, "locked", password="other")
            assert got["members"] == 2, got

    run(main())


# ---------------------------------------------------------------- direct
def test_direct_messages_both_ways(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b, c = await open_clients(stack, server, 3)
            await send_json(a.ws, '{"type":"direct","to":%d,"data":{"hi" : "b"}}' % b.id)
            expect_match(direct_re(a.id, '{"hi" : "b"}'), await recv_text(b.ws))
            await send_json(b.ws, '{"type":"direct","to":%d,"data":"back","ref":1}' % a.id)
            expect_match(direct_re(b.id, '"back"'), await recv_text(a.ws))
            # No room is needed, nobody else hears it and the sender gets no reply.
            await assert_quiet([a.ws, b.ws, c.ws], QUIET)

    run(main())


def test_direct_and_rooms_across_workers(wshub):
    server = wshub("--workers", "2", "--route", "/ws=json")
    n = 12  # with two workers, all on one worker has odds 2**-11

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            clients = await open_clients(stack, server, n)
            assert len({c.id for c in clients}) == n
            # Every ordered pair, so any cross-worker pair is covered.
            for s in clients:
                for t in clients:
                    if s is not t:
                        await send_json(s.ws, '{"type":"direct","to":%d,"data":[%d,%d]}' % (t.id, s.id, t.id))
            for t in clients:
                senders = set()
                for _ in range(n - 1):
                    text = await recv_text(t.ws)
                    got = json.loads(text)
                    assert got["type"] == "direct" and got["data"] == [got["from"], t.id], got
                    expect_match(direct_re(got["from"], "[%d,%d]" % (got["from"], t.id)), text)
                    senders.add(got["from"])
                assert senders == {s.id for s in clients if s is not t}
            # A room spanning both workers: counts, presence and fan-out.
            await join_all(clients, "wide")
            await send_json(clients[0].ws, '{"type":"message","room":"wide","data":"all"}')
            for c in clients[1:]:
                expect_match(room_message_re('"wide"', clients[0].id, '"all"'), await recv_text(c.ws))
            await assert_quiet([c.ws for c in clients], QUIET)

    run(main())


# ---------------------------------- direct across workers, to ids not live
def direct(to, data, ref=None):
    msg = '{"type":"direct","to":%d,"data":%s' % (to, data)
    if ref is not None:
        msg += ',"ref":%s' % json.dumps(ref)
    return msg + "}"


async def open_on_both_workers(stack, server, per_worker, limit=64):
    """Opens json clients until each worker has `per_worker` of them; returns
    {worker: [clients]} (extra clients stay open)."""
    by = {0: [], 1: []}
    for _ in range(limit):
        c = await open_client(stack, server)
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
        f"direct from {c} to id {to} ({describe(to)}): "
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
                make_id(worker=2, slot=5),  # worker 2 of 2
                make_id(worker=63, slot=5, generation=3),  # worker 63
                make_id(worker=1, slot=1000000, generation=1),  # a slot never used on worker 1
                make_id(worker=0, slot=1000000, generation=1),
                make_id(worker=0, slot=first.slot, generation=(1 << 17) - 1),  # a generation not reached
                make_id(node=3, worker=0, slot=first.slot, generation=1),  # another node's (none here)
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


# ------------------------------------------------------------------ ref
REFS = ['1', '"abc"', '{"k": [1, 2]}', '[]', 'null', 'true', '-1.5e3']


@pytest.mark.parametrize("ref", REFS)
def test_ref_echoed_verbatim(wshub, ref):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            requests = [
                ('{"type":"join","room":"r","ref":%s}', "joined"),
                ('{"ref":%s,"type":"rooms"}', "rooms"),
                ('{"type":"leave","ref" : %s,"room":"r"}', "left"),
                ('{"type":"leave","room":"r","ref":%s}', "error"),  # not_member
                ('{"type":"bogus","ref":%s}', "error"),
            ]
            for req, reply_type in requests:
                await send_json(a.ws, req % ref)
                text = await recv_text(a.ws)
                assert json.loads(text)["type"] == reply_type, text
                assert text.endswith(',"ref":' + ref + "}"), text
            # A successful room message has no reply, ref or not.
            await join(a.ws, "r")
            await send_json(a.ws, '{"type":"message","room":"r","data":0,"ref":%s}' % ref)
            await assert_quiet([a.ws], QUIET)

    run(main())


def test_no_ref_when_request_does_not_parse(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            for text in ('{"type":"rooms","ref":1,"ref":2}', '{"type":"rooms","ref":1', '["ref",1]'):
                got = await request(a.ws, text)
                assert got["code"] == "bad_json" and "ref" not in got, got

    run(main())


# --------------------------------------------------------------- errors
ERROR_CASES = [
    # (name, request text, expected code)
    ("bad_json_truncated", "{", "bad_json"),
    ("bad_json_array", "[1]", "bad_json"),
    ("bad_json_string", '"join"', "bad_json"),
    ("bad_json_duplicate_key", '{"a":1,"a":2}', "bad_json"),
    ("bad_json_duplicate_type_escaped", r'{"type":"rooms","typ\u0065":"rooms"}', "bad_json"),
    ("bad_json_trailing_comma", '{"type":"rooms",}', "bad_json"),
    ("bad_json_trailing_text", '{"type":"rooms"} x', "bad_json"),
    ("bad_json_empty", "", "bad_json"),
    ("bad_json_lone_surrogate", r'{"type":"rooms","x":"\ud800"}', "bad_json"),
    ("bad_json_too_deep", '{"type":"message","room":"r","data":' + "[" * 33 + "]" * 33 + "}", "bad_json"),
    ("bad_json_too_many_members", "{" + ",".join('"k%d":%d' % (i, i) for i in range(17)) + "}", "bad_json"),
    ("unknown_type_missing", '{"room":"r"}', "unknown_type"),
    ("unknown_type_empty_object", "{}", "unknown_type"),
    ("unknown_type_unknown", '{"type":"shout"}', "unknown_type"),
    ("unknown_type_case", '{"type":"JOIN","room":"r"}', "unknown_type"),
    ("unknown_type_number", '{"type":1}', "unknown_type"),
    ("unknown_type_null", '{"type":null}', "unknown_type"),
    ("unknown_type_array", '{"type":["join"]}', "unknown_type"),
    ("bad_request_join_no_room", '{"type":"join"}', "bad_request"),
    ("bad_request_join_room_number", '{"type":"join","room":5}', "bad_request"),
    ("bad_request_join_room_null", '{"type":"join","room":null}', "bad_request"),
    ("bad_request_leave_room_array", '{"type":"leave","room":["r"]}', "bad_request"),
    ("bad_request_message_no_room", '{"type":"message","data":1}', "bad_request"),
    ("bad_request_message_no_data", '{"type":"message","room":"r"}', "bad_request"),
    ("bad_request_direct_no_to", '{"type":"direct","data":1}', "bad_request"),
    ("bad_request_direct_to_string", '{"type":"direct","to":"1","data":1}', "bad_request"),
    ("bad_request_direct_to_negative", '{"type":"direct","to":-1,"data":1}', "bad_request"),
    ("bad_request_direct_to_fraction", '{"type":"direct","to":1.5,"data":1}', "bad_request"),
    ("bad_request_direct_to_exponent", '{"type":"direct","to":1e3,"data":1}', "bad_request"),
    ("bad_request_direct_to_2_64", '{"type":"direct","to":18446744073709551616,"data":1}', "bad_request"),
    ("bad_request_direct_no_data", '{"type":"direct","to":1}', "bad_request"),
    ("bad_room_empty", '{"type":"join","room":""}', "bad_room"),
    ("bad_room_129_bytes", '{"type":"join","room":"%s"}' % ("r" * 129), "bad_room"),
    ("bad_room_129_bytes_utf8", '{"type":"join","room":"%s"}' % ("é" * 64 + "r"), "bad_room"),
    ("bad_room_control_escaped", r'{"type":"join","room":"a\u0001b"}', "bad_room"),
    ("bad_room_tab", r'{"type":"join","room":"a\tb"}', "bad_room"),
    ("bad_room_del", '{"type":"join","room":"a\x7fb"}', "bad_room"),
    ("not_member_message", '{"type":"message","room":"elsewhere","data":1}', "not_member"),
    ("not_member_leave", '{"type":"leave","room":"elsewhere"}', "not_member"),
    ("no_such_connection", '{"type":"direct","to":987654321,"data":1}', "no_such_connection"),
    ("no_such_connection_huge_id", '{"type":"direct","to":18446744073709551615,"data":1}', "no_such_connection"),
]


@pytest.mark.parametrize("text,code", [(t, c) for _, t, c in ERROR_CASES], ids=[n for n, _, _ in ERROR_CASES])
def test_error_codes(wshub, text, code):
    # One worker: an unknown id is then surely not live anywhere (a send to
    # another worker's id is handed over without an answer, see README).
    server = wshub("--workers", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            got = await request(a.ws, text)
            assert got["type"] == "error" and got["code"] == code, got
            assert isinstance(got["message"], str) and got["message"], got
            assert set(got) == {"type", "code", "message"}, got
            await assert_alive(a.ws)
            # ... and again with a ref, where the request parses.
            if code != "bad_json" and text.startswith("{") and text != "{}":
                got = await request(a.ws, text[:-1] + ',"ref":"e"}')
                assert got["code"] == code and got["ref"] == "e", got
            await assert_alive(a.ws)

    run(main())


def test_room_name_of_128_bytes_is_fine(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            await join(a.ws, "r" * 128)
            await join(a.ws, "é" * 64)

    run(main())


def test_room_full(wshub):
    server = wshub("--max-room-conns", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join(a.ws, "r")
            got = await request(b.ws, {"type": "join", "room": "r", "ref": 7})
            assert got["type"] == "error" and got["code"] == "room_full" and got["ref"] == 7, got
            assert await request(b.ws, {"type": "rooms"}) == {"type": "rooms", "rooms": []}
            await assert_quiet([a.ws], QUIET)  # no presence for a refused join
            await join(b.ws, "other")  # b is still usable
            assert (await request(a.ws, {"type": "leave", "room": "r"}))["type"] == "left"
            got = await join(b.ws, "r")
            assert got["members"] == 1, got

    run(main())


def test_too_many_rooms(wshub):
    server = wshub("--max-rooms-per-conn", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            await join(a.ws, "first")
            got = await request(a.ws, {"type": "join", "room": "second"})
            assert got["type"] == "error" and got["code"] == "too_many_rooms", got
            await join(a.ws, "first")  # already a member: still fine
            assert await request(a.ws, {"type": "rooms"}) == {"type": "rooms", "rooms": ["first"]}
            await request(a.ws, {"type": "leave", "room": "first"})
            await join(a.ws, "second")

    run(main())


def test_direct_to_closed_connection(wshub):
    server = wshub("--workers", "1")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a = await open_client(stack, server)
            async with connect(server) as ws:
                gone = (await recv_json(ws))["id"]
                await send_json(a.ws, '{"type":"direct","to":%d,"data":"hi?"}' % gone)
                await assert_quiet([a.ws], QUIET)  # live: delivered, no answer
            got = await request(a.ws, '{"type":"direct","to":%d,"data":"hi?","ref":[0]}' % gone)
            assert got["code"] == "no_such_connection" and got["ref"] == [0], got
            await assert_alive(a.ws)

    run(main())


# ---------------------------------------------------------------- binary
def test_binary_frame_closes_1003(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            a, b = await open_clients(stack, server, 2)
            await join_all([a, b], "r")
            await send_json(a.ws, b'{"type":"rooms"}')
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(a.ws.recv(), T)
            assert a.ws.close_code == 1003, a.ws.close_code
            assert a.ws.close_reason == "json mode accepts text frames only", a.ws.close_reason
            assert await recv_json(b.ws) == {"type": "presence", "room": "r", "event": "leave", "id": a.id}
            await assert_alive(b.ws)

    run(main())
