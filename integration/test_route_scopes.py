"""Scopes per route (README "Admission: scopes per route"):
`--route PATH=MODE,auth,scope=S[,scope=T...]` lets in only tokens whose
`scope` claim holds every one of them. A valid token without one gets 403
with `WWW-Authenticate: Bearer realm="wshub", error="insufficient_scope",
scope="S T"` (RFC 6750 section 3) and a body naming the first one missing,
counted as wshub_connections_rejected_total{reason="insufficient_scope"} (and
not as an auth failure, which is a 401); a bad token is still the 401 it
was. A json refresh is held to the same scopes. scope= without ,auth does
not start."""

import contextlib
import json
import os
import time

import pytest

from wshub_test import wslib
from wshub_test.admission import auth_failure, bearer, expect_deltas, rejected, snapshot, upgrade_ok
from wshub_test.binary import assert_startup_error
from wshub_test.client import RawClient, upgrade_attempt
from wshub_test.frames import OP_TEXT, make_key
from wshub_test.httpmsg import assert_switching, upgrade_request
from wshub_test.jwt import Minter

SECRET = "scopes-secret-" + os.urandom(12).hex()
M = Minter(SECRET)
CHALLENGE = 'Bearer realm="wshub", error="insufficient_scope", scope="admin:write audit"'


@pytest.fixture
def server(wshub, tmp_path):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    return wshub("--route", "/admin=json,auth,scope=admin:write,scope=audit", "--route", "/member=json,auth",
                 "--route", "ops.example/raw=raw,auth,scope=ops", "--jwt-secret-file", str(p))


def refused_403(server, path, token):
    resp, c = upgrade_attempt(server, path, headers=[bearer(token)])
    assert c is None and resp.status == 403, resp
    return resp


def test_all_scopes_let_in(server):
    before = snapshot(server)
    for scope in ("admin:write audit", "audit publish admin:write", "x admin:write y audit z"):
        c = upgrade_ok(server, "/admin", headers=[bearer(M.token(sub="root", scope=scope))])
        f = c.recv_frame()
        assert f.opcode == OP_TEXT and json.loads(f.payload)["type"] == "welcome", f
        c.close()
    # the route beside it asks for no scope
    upgrade_ok(server, "/member", headers=[bearer(M.token(sub="bob"))]).close()
    expect_deltas(server, before, {})


def test_a_missing_scope_is_403_with_the_challenge(server):
    before = snapshot(server)
    cases = [
        ("admin:write", "audit"),
        ("audit", "admin:write"),
        (None, "admin:write"),  # no scope claim at all
        ("", "admin:write"),
        ("admin:writer audit", "admin:write"),  # scopes are whole words
        ("ADMIN:WRITE AUDIT", "admin:write"),  # and case-sensitive
    ]
    for scope, missing in cases:
        token = M.token(sub="eve") if scope is None else M.token(sub="eve", scope=scope)
        resp = refused_403(server, "/admin", token)
        assert resp.reason == "Forbidden", resp
        assert resp.header("WWW-Authenticate") == [CHALLENGE], resp
        assert resp.body == f"forbidden: the token's scope has no {missing}\n".encode(), resp
    expect_deltas(server, before, {rejected("insufficient_scope"): len(cases)})


def test_a_bad_token_is_still_401(server):
    before = snapshot(server)
    forged = Minter("not-the-secret").token(sub="eve", scope="admin:write audit")
    resp, c = upgrade_attempt(server, "/admin", headers=[bearer(forged)])
    assert c is None and resp.status == 401, resp
    assert resp.header("WWW-Authenticate") == ['Bearer realm="wshub", error="invalid_token"'], resp
    resp, c = upgrade_attempt(server, "/admin")
    assert c is None and resp.status == 401, resp
    expect_deltas(server, before, {rejected("unauthorized"): 2, auth_failure("bad_signature"): 1,
                                   auth_failure("missing"): 1})


def test_a_host_route_with_its_scope(server):
    """The scope of the route the Host finds: ops.example/raw asks for ops."""

    def attempt(token):
        with RawClient(server.host, server.port) as c:
            key = make_key()
            c.send(upgrade_request("ops.example", path="/raw?room=r", key=key, extra_headers=[bearer(token)]))
            resp = c.read_http_response()
            if resp.status == 101:
                assert_switching(resp, key)
            return resp

    before = snapshot(server)
    assert attempt(M.token(sub="op", scope="ops")).status == 101
    resp = attempt(M.token(sub="op", scope="admin:write audit"))
    assert resp.status == 403, resp
    assert resp.header("WWW-Authenticate") == ['Bearer realm="wshub", error="insufficient_scope", scope="ops"'], resp
    expect_deltas(server, before, {rejected("insufficient_scope"): 1})


def test_the_refusal_is_logged_with_its_reason(server):
    refused_403(server, "/admin", M.token(sub="eve", scope="audit"))
    for _ in range(100):
        lines = [line for line in server.stderr.splitlines() if " refused " in line]
        if lines:
            break
        time.sleep(0.02)
    assert any("status=403" in line and "reason=insufficient_scope" in line for line in lines), lines


def test_a_refresh_is_held_to_the_route_scopes(server):
    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            ws, _ = await wslib.open_json(stack, server, "/admin",
                                          headers=[bearer(M.token(sub="root", scope="admin:write audit"))])
            got = await wslib.request(ws, {"type": "refresh", "ref": 1,
                                           "token": M.token(sub="root", scope="admin:write")})
            assert got == {"type": "error", "code": "bad_token", "message": "insufficient_scope", "ref": 1}, got
            got = await wslib.request(ws, {"type": "refresh", "ref": 2,
                                           "token": M.token(sub="root", scope="audit admin:write")})
            assert got == {"type": "refreshed", "ref": 2}, got

    wslib.run(scenario())


@pytest.mark.parametrize("routes, words", [
    (["/a=json,scope=admin"], ["expected ,auth beside scope="]),
    (["/a=json,auth,scope=admin,scope=admin"], ["expected PATH=MODE"]),
    (["/a=json,auth,scope="], ["expected PATH=MODE"]),
    (["/a=json,auth,scope=a\"b"], ["expected PATH=MODE"]),
])
def test_bad_scope_options_do_not_start(tmp_path, routes, words):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    args = [a for r in routes for a in ("--route", r)] + ["--jwt-secret-file", str(p)]
    assert_startup_error(args, words)


def test_scopes_in_the_environment(wshub, tmp_path):
    """WSHUB_ROUTE's commas: each spec keeps its ,auth and every ,scope=."""
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    server = wshub("--jwt-secret-file", str(p),
                   env={"WSHUB_ROUTE": "/admin=json,auth,scope=admin:write,scope=audit,/open=echo"})
    resp, c = upgrade_attempt(server, "/admin", headers=[bearer(M.token(sub="x", scope="audit"))])
    assert c is None and resp.status == 403 and resp.header("WWW-Authenticate") == [CHALLENGE], resp
    upgrade_ok(server, "/admin", headers=[bearer(M.token(sub="x", scope="audit admin:write"))]).close()
    upgrade_ok(server, "/open").close()
