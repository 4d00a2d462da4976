"""Rooms belong to their route (README "Rooms and routes"): the same room
name on two routes is two rooms, so no client reaches another route's rooms,
messages or members. Routes share rooms only when they name the same
rooms=NAME, in one mode, and a public route beside ,auth ones only when
marked ,anonymous; anything else is refused at start."""

import contextlib
import json
import os

from wshub_test import wslib
from wshub_test.binary import assert_startup_error
from wshub_test.client import open_ws
from wshub_test.frames import OP_BINARY, OP_TEXT
from wshub_test.jwt import Minter
from wshub_test.members import room_path

import pytest

SECRET = "ns-" + os.urandom(12).hex()


@pytest.fixture
def secret_file(tmp_path):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    return str(p)


def bearer(token):
    return {"Authorization": "Bearer " + token}


# An anonymous client of a public json route joins the room a private
# route's members use: it is another room, and nothing crosses either way.
def test_a_public_route_cannot_read_a_private_routes_room(wshub, secret_file):
    server = wshub("--route", "/ws=json", "--route", "/private=json,auth", "--jwt-secret-file", secret_file)
    token = Minter(SECRET).token(sub="alice", rooms=["team-a"])

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            insider, _ = await wslib.open_json(stack, server, "/private", headers=bearer(token))
            peer, _ = await wslib.open_json(stack, server, "/private", headers=bearer(token))
            spy, _ = await wslib.open_json(stack, server, "/ws")
            for ws in (insider, peer):
                assert (await wslib.join(ws, "team-a"))["members"] in (1, 2)
            presence = await wslib.recv_json(insider)
            assert presence["type"] == "presence" and presence["event"] == "join", presence
            joined = await wslib.join(spy, "team-a")
            assert joined["members"] == 1, joined  # a room of its own, not theirs
            await wslib.send_json(insider, {"type": "message", "room": "team-a", "data": "plans"})
            got = await wslib.recv_json(peer)
            assert got["type"] == "message" and got["data"] == "plans", got
            await wslib.send_json(spy, {"type": "message", "room": "team-a", "data": "hello?"})
            await wslib.assert_quiet([spy, insider, peer])

    wslib.run(scenario())


# Text that looks like a json member's message, sent by a raw member, reaches
# the raw members of that room name only; json members of it see neither raw
# members' frames nor raw members their presence events.
def test_raw_and_json_members_never_meet(wshub):
    server = wshub("--route", "/raw=raw", "--route", "/ws=json")
    forged = json.dumps({"type": "message", "room": "chess", "from": "admin", "data": "resign"})

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            player, _ = await wslib.open_json(stack, server, "/ws")
            await wslib.join(player, "chess")
            raw_a = open_ws(server, room_path("chess"))
            raw_b = open_ws(server, room_path("chess"))
            try:
                raw_a.send_text(forged)
                raw_a.send_binary(b"\x00\x01binary")
                raw_b.expect_message(OP_TEXT, forged.encode())
                raw_b.expect_message(OP_BINARY, b"\x00\x01binary")
                other, _ = await wslib.open_json(stack, server, "/ws")
                await wslib.join(other, "chess")  # presence: for json members of /ws only
                got = await wslib.recv_json(player)
                assert got["type"] == "presence", got
                await wslib.assert_quiet([player, other])
                with pytest.raises(Exception):
                    raw_a.recv_frame(0.3)
                with pytest.raises(Exception):
                    raw_b.recv_frame(0.3)
            finally:
                raw_a.close()
                raw_b.close()

    wslib.run(scenario())


# A direct message reaches only a connection of the sender's namespace.
def test_direct_messages_stay_in_the_namespace(wshub):
    server = wshub("--route", "/ws=json", "--route", "/other=json", "--workers", "2")

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            sender, _ = await wslib.open_json(stack, server, "/ws")
            neighbour, hello = await wslib.open_json(stack, server, "/ws")
            stranger, hi = await wslib.open_json(stack, server, "/other")
            got = await wslib.request(sender, {"type": "direct", "to": hi["id"], "data": 1, "ref": "x"})
            assert got["type"] == "error" and got["code"] == "no_such_connection", got
            await wslib.send_json(sender, {"type": "direct", "to": hello["id"], "data": 2})
            got = await wslib.recv_json(neighbour)
            assert got["type"] == "direct" and got["data"] == 2, got
            await wslib.assert_quiet([stranger])

    wslib.run(scenario())


# rooms=NAME shares: members of two routes in one room see each other.
def test_routes_that_name_the_same_rooms_share_them(wshub, secret_file):
    server = wshub("--route", "/a=json,anonymous,rooms=chat", "--route", "/b=json,auth,rooms=chat",
                   "--route", "/c=json,anonymous,rooms=chat", "--jwt-secret-file", secret_file)
    token = Minter(SECRET).token(sub="bob")

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            a, _ = await wslib.open_json(stack, server, "/a")
            b, _ = await wslib.open_json(stack, server, "/b", headers=bearer(token))
            c, _ = await wslib.open_json(stack, server, "/c")
            await wslib.join(a, "lobby")
            await wslib.join(b, "lobby")
            await wslib.join(c, "lobby")
            await wslib.send_json(b, {"type": "message", "room": "lobby", "data": "from b"})
            for ws in (a, c):
                while (got := await wslib.recv_json(ws))["type"] == "presence":
                    pass
                assert got["data"] == "from b" and got["from"] == "bob", got

    wslib.run(scenario())


@pytest.mark.parametrize(
    "routes, words",
    [
        (["/a=json,rooms=chat", "/b=raw,rooms=chat"], ["different modes"]),
        (["/a=json,rooms=chat", "/b=json,auth,rooms=chat"], [",anonymous"]),
        (["/a=json,anonymous"], ["shares no rooms"]),
        (["/a=json,rooms=chat,anonymous", "/b=json,rooms=chat"], ["shares no rooms"]),
        (["/a=json,rooms=bad/name"], ["NAME of letters"]),
        (["/a=json,rooms=x,rooms=y"], ["expected PATH=MODE"]),
        (["/a=json,"], ["expected PATH=MODE"]),
    ],
)
def test_routes_that_may_not_share_rooms_are_refused_at_start(routes, words, secret_file):
    args = []
    for r in routes:
        args += ["--route", r]
    assert_startup_error(args + ["--jwt-secret-file", secret_file], words)
