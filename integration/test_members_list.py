"""The `json` presence list (README.md, "JSON protocol"): `members` and
`join` with "list":true name every member of a room, on every worker, with
the user of token holders; a room the asker is not in is refused; past
--max-members-list the list is cut and says so; a list refreshed after
leaves and closes has none of the gone."""

import contextlib

from wshub_test.jwt import Minter
from wshub_test.wslib import join, open_json, recv_json, request, run, send_json

SECRET = "members-list-secret-0123456789abcdef"


async def open_many(stack, server, n, path="/ws", headers=None):
    """n json connections: [(ws, id)]."""
    out = []
    for _ in range(n):
        ws, welcome = await open_json(stack, server, path, headers=headers)
        out.append((ws, welcome["id"]))
    return out


async def list_of(ws, room, ref="who"):
    """The room's list, past the presence events other members caused."""
    await send_json(ws, {"type": "members", "room": room, "ref": ref})
    got = await recv_json(ws)
    while got["type"] == "presence":
        got = await recv_json(ws)
    assert got["type"] == "members" and got["room"] == room and got["ref"] == ref, got
    return got


def ids(entries):
    return sorted(e["id"] for e in entries)


def test_members_lists_every_worker(wshub):
    server = wshub("--workers", "2")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            clients = await open_many(stack, server, 6)
            assert len({cid & 63 for _, cid in clients}) == 2, "connections on both workers"
            for ws, _ in clients:
                await join(ws, "chess")
            # Presence events from the joins after each one are in flight:
            # ask on a connection of its own in the room, joined last.
            asker, asker_id = (await open_many(stack, server, 1))[0]
            await join(asker, "chess")
            got = await list_of(asker, "chess")
            assert ids(got["members"]) == sorted([cid for _, cid in clients] + [asker_id]), got
            assert got["truncated"] is False
            assert all(set(e) == {"id"} for e in got["members"]), got  # anonymous: no user
            assert list(got)[-1] == "ref", got

    run(main())


def test_join_with_list_includes_self_and_others(wshub):
    server = wshub("--workers", "2")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            (a, a_id), (b, b_id) = await open_many(stack, server, 2)
            first = await join(a, "go", list=True)
            assert ids(first["list"]) == [a_id] and first["truncated"] is False, first
            second = await join(b, "go", list=True)
            assert second["members"] == 2 and ids(second["list"]) == sorted([a_id, b_id]), second
            plain = await join(b, "other")
            assert "list" not in plain and "truncated" not in plain, plain
            bad = await request(b, {"type": "join", "room": "x", "list": 1, "ref": 3})
            assert bad["type"] == "error" and bad["code"] == "bad_request" and bad["ref"] == 3, bad

    run(main())


def test_members_of_a_room_not_joined_is_refused(wshub):
    server = wshub()

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            (a, _), (b, _) = await open_many(stack, server, 2)
            await join(a, "secret-room")
            got = await request(b, {"type": "members", "room": "secret-room", "ref": 9})
            assert got == {"type": "error", "code": "not_member", "message": "not a member of this room", "ref": 9}
            got = await request(b, {"type": "members", "ref": 10})
            assert got["type"] == "error" and got["code"] == "bad_request", got

    run(main())


def test_past_the_bound_the_list_is_cut(wshub):
    server = wshub("--workers", "2", "--max-members-list", "3")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            clients = await open_many(stack, server, 5)
            for ws, _ in clients:
                await join(ws, "big")
            ws, _ = clients[-1]
            got = await list_of(ws, "big")
            everyone = {cid for _, cid in clients}
            assert len(got["members"]) == 3 and set(ids(got["members"])) <= everyone, got
            assert got["truncated"] is True, got
            joined = await join(ws, "big", list=True)  # already a member: the list all the same
            assert len(joined["list"]) == 3 and joined["truncated"] is True, joined

    run(main())


def test_gone_members_leave_the_list(wshub):
    server = wshub("--workers", "2")

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            clients = await open_many(stack, server, 4)
            for ws, _ in clients:
                await join(ws, "room")
            asker, asker_id = clients[0]
            leaver, leaver_id = clients[1]
            await request(leaver, {"type": "leave", "room": "room"})
            closer, closer_id = clients[2]
            await closer.close()
            # The close is seen by its worker in its own time: ask until it is.
            for _ in range(100):
                got = await list_of(asker, "room")
                if closer_id not in ids(got["members"]):
                    break
            assert ids(got["members"]) == sorted([asker_id, clients[3][1]]), got

    run(main())


def test_token_holders_are_listed_with_their_user(wshub, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text(SECRET)
    server = wshub("--workers", "2", "--route", "/ws=json,auth", "--jwt-secret-file", str(secret))
    minter = Minter(SECRET)

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            users = ["alice", "bob", "carol"]
            conns = []
            for user in users:
                auth = [("Authorization", "Bearer " + minter.token(sub=user))]
                ws, welcome = await open_json(stack, server, "/ws", headers=auth)
                await join(ws, "team")
                conns.append((ws, welcome["id"], user))
            got = await list_of(conns[0][0], "team")
            assert sorted((e["id"], e["user"]) for e in got["members"]) == sorted((i, u) for _, i, u in conns), got
            # A fresh token for the same user leaves the name as it was.
            await send_json(conns[1][0], {"type": "refresh", "token": minter.token(sub="bob")})
            refreshed = await recv_json(conns[1][0])
            while refreshed["type"] == "presence":
                refreshed = await recv_json(conns[1][0])
            assert refreshed["type"] == "refreshed", refreshed
            got = await list_of(conns[2][0], "team")
            assert {e["user"] for e in got["members"]} == set(users), got

    run(main())
