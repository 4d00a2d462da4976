"""Raw mode rooms: fan-out to the other members, isolation between rooms,
several rooms per connection, message types, room-name decoding, delivery
across workers in publish order, leaving and re-joining."""

import asyncio
import os
import selectors
import time

import websockets

from wshub_test.frames import OP_TEXT, masked_frame
from wshub_test.members import member, room_path
from wshub_test.wslib import assert_quiet, connect, recv_n, run


def test_three_members_receive_each_others_messages_not_their_own(wshub):
    server = wshub()

    async def main():
        async with connect(server, room_path("r")) as a, connect(server, room_path("r")) as b, \
                connect(server, room_path("r")) as c:
            members = {"a": a, "b": b, "c": c}
            for name, ws in members.items():
                await ws.send(f"from {name}")
            for name, ws in members.items():
                got = await recv_n(ws, 2)
                want = sorted(f"from {o}" for o in members if o != name)
                assert sorted(got) == want, f"{name} got {got!r}, want {want!r}"
            await assert_quiet(list(members.values()))
            # A second round, one sender at a time, in order.
            for i in range(5):
                await a.send(f"a{i}")
            assert await recv_n(b, 5) == [f"a{i}" for i in range(5)]
            assert await recv_n(c, 5) == [f"a{i}" for i in range(5)]
            await assert_quiet([a, b, c])

    run(main())


def test_echo_self_delivers_own_messages(wshub):
    server = wshub("--echo-self", "true")

    async def main():
        async with connect(server, room_path("r")) as a, connect(server, room_path("r")) as b:
            await a.send("one")
            await a.send(b"\x00two")
            assert await recv_n(a, 2) == ["one", b"\x00two"]
            assert await recv_n(b, 2) == ["one", b"\x00two"]
            await b.send("three")
            assert await recv_n(a, 1) == ["three"]
            assert await recv_n(b, 1) == ["three"]
            await assert_quiet([a, b])

    run(main())


def test_echo_self_default_is_off_even_alone(wshub):
    server = wshub()

    async def main():
        async with connect(server, room_path("alone")) as a:
            await a.send("nobody hears this")
            await assert_quiet([a], 0.5)

    run(main())


def test_twenty_rooms_are_isolated(wshub):
    server = wshub("--workers", "2")
    rooms, per_room = 20, 3

    async def main():
        conns = await asyncio.gather(*(
            connect(server, room_path(f"room-{r}")) for r in range(rooms) for _ in range(per_room)))
        try:
            grid = [conns[r * per_room:(r + 1) * per_room] for r in range(rooms)]
            for r in range(rooms):
                for m, ws in enumerate(grid[r]):
                    await ws.send(f"room-{r} member-{m}")

            async def check(r, m, ws):
                got = await recv_n(ws, per_room - 1)
                want = sorted(f"room-{r} member-{o}" for o in range(per_room) if o != m)
                assert sorted(got) == want, f"room {r} member {m}: got {got!r}, want {want!r}"

            await asyncio.gather(*(check(r, m, ws) for r in range(rooms) for m, ws in enumerate(grid[r])))
            await assert_quiet(conns)
        finally:
            await asyncio.gather(*(ws.close() for ws in conns))

    run(main())


def test_member_of_two_rooms(wshub):
    server = wshub()

    async def main():
        async with connect(server, room_path("a", "b")) as x, connect(server, room_path("a")) as a, \
                connect(server, room_path("b")) as b, connect(server, room_path("b", "a")) as c:
            await x.send("from x")
            assert await recv_n(a, 1) == ["from x"]
            assert await recv_n(b, 1) == ["from x"]
            # c shares both rooms with x: it gets the message once per room.
            assert await recv_n(c, 2) == ["from x", "from x"]
            await a.send("from a")
            assert await recv_n(x, 1) == ["from a"]
            assert await recv_n(c, 1) == ["from a"]
            await b.send("from b")
            assert await recv_n(x, 1) == ["from b"]
            assert await recv_n(c, 1) == ["from b"]
            await assert_quiet([x, a, b, c])

    run(main())


def test_binary_stays_binary_text_stays_text(wshub):
    server = wshub()
    blobs = [b"", b"\xff\xfe\x00not utf-8", os.urandom(125), os.urandom(126), os.urandom(70000)]
    texts = ["", "héllo wörld ☃", "x" * 65536]

    async def main():
        async with connect(server, room_path("t")) as a, connect(server, room_path("t")) as b:
            sent = []
            for i in range(max(len(blobs), len(texts))):
                if i < len(blobs):
                    await a.send(blobs[i])
                    sent.append(blobs[i])
                if i < len(texts):
                    await a.send(texts[i])
                    sent.append(texts[i])
            got = await recv_n(b, len(sent))
            for g, s in zip(got, sent):
                assert type(g) is type(s), f"type changed: sent {type(s).__name__}, got {type(g).__name__}"
                assert g == s
            await assert_quiet([a, b])

    run(main())


def test_room_names_are_percent_decoded(wshub):
    server = wshub()

    async def main():
        # '+' in a query means a space, like %20; %2B is a literal '+': another room.
        async with connect(server, "/raw?room=a%20b") as p, connect(server, "/raw?room=a+b") as q, \
                connect(server, "/raw?room=ab") as other, connect(server, "/raw?room=%61%20%62") as r, \
                connect(server, "/raw?room=a%2Bb") as plus:
            await p.send("hi from p")
            assert await recv_n(q, 1) == ["hi from p"]
            assert await recv_n(r, 1) == ["hi from p"]
            await q.send("hi from q")
            assert await recv_n(p, 1) == ["hi from q"]
            assert await recv_n(r, 1) == ["hi from q"]
            await other.send("ab is another room")
            await plus.send("a+b (literal plus) is another room")
            await assert_quiet([p, q, r, other, plus])
            await r.send("hi from r")
            assert await recv_n(p, 1) == ["hi from r"]
            assert await recv_n(q, 1) == ["hi from r"]
            await assert_quiet([other, plus])

    run(main())


def test_default_room_is_lobby(wshub):
    server = wshub()

    async def main():
        async with connect(server, "/raw") as a, connect(server, "/raw?room=lobby") as b:
            await a.send("in the lobby")
            assert await recv_n(b, 1) == ["in the lobby"]
            await b.send("back")
            assert await recv_n(a, 1) == ["back"]

    run(main())


MEMBERS = 50
MESSAGES = 10_000
WINDOW = 256  # messages in flight at most: far under the 1024 queue limit


def test_ten_thousand_messages_in_order_to_fifty_members_across_workers(wshub):
    # 50 connections hashed over 4 SO_REUSEPORT sockets: the chance that some
    # worker gets none is about 4 * (3/4)^50, under 1e-5.
    server = wshub("--workers", "4")
    msgs = [(f"{i:05d}|" + "abcdefghij" * (i % 23)).encode() for i in range(MESSAGES)]
    members = [member(server, "big") for _ in range(MEMBERS)]
    pub = member(server, "big")
    try:
        sel = selectors.DefaultSelector()
        counts = [0] * MEMBERS
        for i, m in enumerate(members):
            assert not m.pending()
            m.sock.setblocking(False)
            sel.register(m.sock, selectors.EVENT_READ, i)
        sent = 0
        deadline = time.monotonic() + 20
        while min(counts) < MESSAGES:
            assert time.monotonic() < deadline, (
                f"timeout: sent {sent}, members received min {min(counts)} max {max(counts)}")
            low = min(counts)
            if sent < MESSAGES and sent - low < WINDOW:
                upto = min(MESSAGES, low + WINDOW)
                pub.send(b"".join(masked_frame(OP_TEXT, msgs[j]) for j in range(sent, upto)))
                sent = upto
            for key, _ in sel.select(timeout=1.0):
                i = key.data
                try:
                    data = members[i].sock.recv(1 << 18)
                except BlockingIOError:
                    continue
                assert data, f"member {i} got EOF after {counts[i]} messages"
                for f in members[i].feed(data):
                    fin, op, payload = f.fin, f.opcode, f.payload
                    n = counts[i]
                    assert (fin, op) == (True, OP_TEXT), f"member {i}: unexpected frame fin={fin} op={op:#x} at {n}"
                    assert n < MESSAGES, f"member {i}: extra message {payload[:40]!r}"
                    assert payload == msgs[n], (
                        f"member {i}: message #{n} is {payload[:40]!r}, want {msgs[n][:40]!r} (lost or reordered)")
                    counts[i] = n + 1
        assert counts == [MESSAGES] * MEMBERS
        # Nothing extra, and the publisher did not get its own messages.
        time.sleep(0.2)
        for i, m in enumerate(members):
            try:
                extra = m.sock.recv(1 << 16)
            except BlockingIOError:
                extra = None
            assert extra is None, f"member {i}: extra bytes after all messages: {extra[:60]!r}"
        pub.sock.settimeout(0.2)
        try:
            extra = pub.sock.recv(1 << 16)
        except OSError:
            extra = None
        assert extra is None, f"the publisher got bytes (its own messages?): {extra[:60]!r}"
        sel.close()
    finally:
        for m in members:
            m.close()
        pub.close()


def test_leaving_member_does_not_disturb_the_room_and_room_can_be_rejoined(wshub):
    server = wshub("--workers", "2")

    async def main():
        a = await connect(server, room_path("keep"))
        b = await connect(server, room_path("keep"))
        c = await connect(server, room_path("keep"))
        d = await connect(server, room_path("keep"))
        try:
            # c leaves cleanly, d drops its TCP connection without a close frame.
            await c.close()
            d.transport.abort()
            await asyncio.sleep(0.1)
            await a.send("after leave 1")
            assert await recv_n(b, 1) == ["after leave 1"]
            await b.send("after leave 2")
            assert await recv_n(a, 1) == ["after leave 2"]
            # A later joiner of the same name is a member like the others.
            async with connect(server, room_path("keep")) as e:
                await a.send("to b and e")
                assert await recv_n(b, 1) == ["to b and e"]
                assert await recv_n(e, 1) == ["to b and e"]
                await e.send("from e")
                assert await recv_n(a, 1) == ["from e"]
                assert await recv_n(b, 1) == ["from e"]
                await assert_quiet([a, b, e])
        finally:
            await a.close()
            await b.close()
        # Everyone left: the room is gone; the same name works again from scratch.
        async with connect(server, room_path("keep")) as f, connect(server, room_path("keep")) as g:
            await f.send("new life")
            assert await recv_n(g, 1) == ["new life"]
            await assert_quiet([f, g])

    run(main())


def test_member_that_leaves_stops_receiving(wshub):
    server = wshub()

    async def main():
        async with connect(server, room_path("r")) as a, connect(server, room_path("r")) as b:
            c = await connect(server, room_path("r"))
            await a.send("all three")
            assert await recv_n(b, 1) == ["all three"]
            assert await recv_n(c, 1) == ["all three"]
            await c.close()
            assert c.close_code == 1000
            await a.send("two left")
            assert await recv_n(b, 1) == ["two left"]
            try:
                await asyncio.wait_for(c.recv(), 0.5)
                raise AssertionError("a closed member received a message")
            except websockets.ConnectionClosed:
                pass

    run(main())
