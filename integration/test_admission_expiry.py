"""A token's lifetime on an open connection (README "Tokens that expire"):
when its exp (plus --jwt-leeway) passes, the connection is closed with 4001
"token expired", unless a json client sent a fresh token first
({"type":"refresh"}), verified like the first: same user, its rooms claim
allowing every room the connection is in."""

import contextlib
import os
import time

import pytest

from wshub_test import wslib
from wshub_test.client import open_ws
from wshub_test.frames import OP_CLOSE
from wshub_test.jwt import Minter
from wshub_test.metrics import scrape

SECRET = "exp-" + os.urandom(12).hex()


@pytest.fixture
def server(wshub, tmp_path):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    return wshub("--route", "/p=json,auth", "--route", "/r=raw,auth", "--route", "/ws=json",
                 "--jwt-secret-file", str(p), "--jwt-leeway", "0s")


def token(sub="alice", lifetime=2, **claims):
    return Minter(SECRET).token(exp=Minter.now() + lifetime, sub=sub, **claims)


def bearer(tok):
    return {"Authorization": "Bearer " + tok}


async def closed_with(ws, timeout):
    """Waits for the server's close; returns (code, reason)."""
    try:
        while True:
            await wslib.asyncio.wait_for(ws.recv(), timeout)
    except wslib.websockets.ConnectionClosed as e:
        return e.rcvd.code, e.rcvd.reason


def test_an_expired_token_closes_the_connection_with_4001(server):
    before = scrape(server).get('wshub_connections_closed_total{code="4001"}', 0)

    async def scenario():
        async with wslib.connect(server, "/p", extra_headers=bearer(token(lifetime=2))) as ws:
            opened = time.monotonic()
            code, reason = await closed_with(ws, 8)
            assert (code, reason) == (4001, "token expired"), (code, reason)
            assert time.monotonic() - opened > 0.5  # not at once: at its exp

    wslib.run(scenario())
    assert scrape(server)['wshub_connections_closed_total{code="4001"}'] == before + 1


def test_raw_connections_are_closed_too(server):
    c = open_ws(server, "/r?room=x", extra_headers=[("Authorization", "Bearer " + token(lifetime=2))])
    try:
        f = c.recv_frame(8)
        assert f.opcode == OP_CLOSE and f.close_code == 4001 and f.close_reason == b"token expired", f
    finally:
        c.close()


def test_a_fresh_token_keeps_the_connection_open(server):
    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            ws, _ = await wslib.open_json(stack, server, "/p", headers=bearer(token(lifetime=2, rooms=["team-*"])))
            await wslib.join(ws, "team-a")
            for name, tok, why in [
                ("another user", token(sub="mallory", lifetime=60), "other_user"),
                ("a room it is in not allowed", token(lifetime=60, rooms=["other"]), "rooms_claim"),
                ("expired", token(lifetime=-5), "expired"),
                ("forged", Minter("not-the-secret").token(sub="alice"), "bad_signature"),
            ]:
                got = await wslib.request(ws, {"type": "refresh", "token": tok, "ref": name})
                assert got == {"type": "error", "code": "bad_token", "message": why, "ref": name}, got
            got = await wslib.request(ws, {"type": "refresh", "token": token(lifetime=60, rooms=["team-*"]), "ref": 1})
            assert got == {"type": "refreshed", "ref": 1}, got
            await wslib.asyncio.sleep(3)  # past the first token's exp
            got = await wslib.request(ws, {"type": "rooms"})
            assert got["rooms"] == ["team-a"], got

    wslib.run(scenario())


def test_refresh_on_a_public_route_is_refused(server):
    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            ws, _ = await wslib.open_json(stack, server, "/ws")
            got = await wslib.request(ws, {"type": "refresh", "token": token()})
            assert got["type"] == "error" and got["message"] == "not_authenticated", got

    wslib.run(scenario())
