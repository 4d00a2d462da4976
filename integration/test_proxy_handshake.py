"""A proxy route's upgrade: what the upstream receives (target, Host, the
client's end-to-end headers and none of its hop-by-hop or forwarding ones,
wshub's own forwarding headers, the offered subprotocols, on ,auth routes
the user and never the token), the subprotocol the upstream chose in the
client's 101, admission refusals that never reach an upstream, and frames
sent behind either side's head. Upstreams failing the upgrade are in
test_proxy_failures.py."""

import asyncio
import base64
import os

import pytest
import websockets

from wshub_test import T
from wshub_test.admission import bearer, rejected
from wshub_test.binary import free_port
from wshub_test.client import RawClient, open_ws, upgrade_attempt
from wshub_test.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_TEXT,
    build_frame,
    close_payload,
    make_key,
)
from wshub_test.jwt import Minter
from wshub_test.metrics import wait_for
from wshub_test.upstream import (  # noqa: F401 (upstreams: a fixture)
    client_message,
    counters,
    expect_counter_deltas,
    proxy_route,
    refused_url,
    upstreams,
)
from wshub_test.wslib import run

SECRET = "proxy-secret-" + os.urandom(8).hex()
M = Minter(SECRET)


@pytest.fixture
def recorder(upstreams):
    """An echo upstream recording what it receives."""
    return upstreams.ws()


def seen(up, i=0):
    """The i-th request `up` received (waiting for it)."""
    return up.wait_requests(i + 1)[i]


def proxied_client(server, path="/p", **kw):
    """An open RawClient through the proxy; echoes once to prove the hop."""
    c = open_ws(server, path, timeout=T, **kw)
    c.echo_roundtrip("through")
    return c


# ------------------------------------------------------- what the upstream gets


@pytest.mark.parametrize("query", ["", "?a=1", "?a=1&b=%2F%20x&c", "?room=x&room=y"])
def test_target_is_upath_and_the_clients_query(wshub, recorder, query):
    server = wshub("--route", proxy_route("/p", recorder.url("/up/deeper")))
    with proxied_client(server, "/p" + query) as c:
        c.close_cleanly()
    assert seen(recorder).target == "/up/deeper" + query


def test_target_with_root_upath(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url("/")))
    with proxied_client(server, "/p?x=1") as c:
        c.close_cleanly()
    assert seen(recorder).target == "/?x=1"


def test_host_is_the_upstreams_address(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    with proxied_client(server) as c:
        c.close_cleanly()
    assert seen(recorder).one("Host") == f"127.0.0.1:{recorder.port}"


END_TO_END = [
    ("Origin", "https://app.example"),
    ("Cookie", "session=abc; theme=dark"),
    ("User-Agent", "proxy-suite/1.0 (test)"),
    ("X-Foo", "bar baz"),
    ("Accept-Language", "fr-CH, fr;q=0.9"),
    ("Authorization", "Basic dXNlcjpwYXNz"),  # on a public route: the upstream's business
]


def test_end_to_end_headers_are_passed_on(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    with proxied_client(server, extra_headers=END_TO_END + [("X-Multi", "one"), ("X-Multi", "two")]) as c:
        c.close_cleanly()
    req = seen(recorder)
    for name, value in END_TO_END:
        assert req.header(name) == [value], f"{name}: {req.header(name)!r}, wanted [{value!r}]"
    assert req.tokens("X-Multi") == ["one", "two"], req


@pytest.mark.parametrize("header", [
    ("Keep-Alive", "timeout=5"),
    ("TE", "trailers"),
    ("Proxy-Authorization", "Basic cHJveHk6cHc="),
    ("Proxy-Connection", "keep-alive"),
], ids=lambda h: h[0])
def test_hop_by_hop_header_not_passed_on(wshub, recorder, header):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    with proxied_client(server, extra_headers=[header, ("X-Kept", "yes")]) as c:
        c.close_cleanly()
    req = seen(recorder)
    assert req.header(header[0]) == [], f"{header[0]} passed on: {req!r}"
    assert req.header("X-Kept") == ["yes"], req


def test_headers_named_in_connection_not_passed_on(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    key = make_key()
    lines = [
        "GET /p HTTP/1.1", f"Host: {server.host}:{server.port}", "Upgrade: websocket",
        "Connection: keep-alive, Upgrade, X-Hop-One", "Connection: x-hop-two",
        f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
        "X-Hop-One: secret 1", "X-Hop-Two: secret 2", "X-Kept: yes",
    ]
    with RawClient(server.host, server.port, timeout=T) as c:
        c.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        resp = c.read_http_response()
        assert resp.status == 101, resp
        c.echo_roundtrip("hop")
        c.close_cleanly()
    req = seen(recorder)
    assert req.header("X-Hop-One") == [] and req.header("X-Hop-Two") == [], (
        f"Connection-named header passed on: {req!r}")
    assert req.header("X-Kept") == ["yes"], req
    connection = [t.lower() for t in req.tokens("Connection")]
    assert connection == ["upgrade"], f"Connection {req.header('Connection')!r}"


def test_the_handshakes_own_headers_are_wshubs(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    key = make_key()
    with RawClient(server.host, server.port, timeout=T) as c:
        resp = c.handshake("/p", key=key, extra_headers=[
            ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
        assert resp.header("Sec-WebSocket-Extensions") == [], f"extension in the client's 101: {resp!r}"
        c.echo_roundtrip("own")
        c.close_cleanly()
    req = seen(recorder)
    assert req.method == "GET"
    assert req.one("Upgrade").lower() == "websocket"
    assert req.one("Sec-WebSocket-Version") == "13"
    upstream_key = req.one("Sec-WebSocket-Key")
    assert upstream_key != key, "the client's Sec-WebSocket-Key passed on"
    assert len(base64.b64decode(upstream_key, validate=True)) == 16, upstream_key
    assert req.header("Sec-WebSocket-Extensions") == [], f"extension offer passed on: {req!r}"


def test_forwarding_headers_name_the_client(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    c = RawClient(server.host, server.port, timeout=T, source="127.0.0.7")
    with c:
        key = make_key()
        c.send(("GET /p HTTP/1.1\r\nHost: front.example:8443\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        assert c.read_http_response().status == 101
        c.echo_roundtrip("fwd")
        c.close_cleanly()
    req = seen(recorder)
    assert req.one("X-Forwarded-For") == "127.0.0.7"
    assert req.one("X-Forwarded-Proto") == "http"
    assert req.one("X-Forwarded-Host") == "front.example:8443"
    assert req.one("Forwarded") == "for=127.0.0.7;proto=http"
    assert req.one("Host") == f"127.0.0.1:{recorder.port}"


def test_clients_own_forwarding_headers_are_dropped(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    forged = [("X-Forwarded-For", "6.6.6.6"), ("x-forwarded-for", "7.7.7.7, 8.8.8.8"),
              ("Forwarded", "for=6.6.6.6;proto=https"), ("X-Wshub-User", "admin")]
    with proxied_client(server, extra_headers=forged, source="127.0.0.8") as c:
        c.close_cleanly()
    req = seen(recorder)
    assert req.header("X-Forwarded-For") == ["127.0.0.8"], req
    assert req.header("Forwarded") == ["for=127.0.0.8;proto=http"], req
    assert req.header("X-Wshub-User") == [], f"a client's X-Wshub-User passed on: {req!r}"


def test_clients_forwarded_proto_and_host_do_not_reach_the_upstream_beside_wshubs(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    forged = [("X-Forwarded-Proto", "https"), ("X-Forwarded-Host", "evil.example")]
    with proxied_client(server, extra_headers=forged) as c:
        c.close_cleanly()
    req = seen(recorder)
    assert req.header("X-Forwarded-Proto") == ["http"], req
    assert req.header("X-Forwarded-Host") == [f"{server.host}:{server.port}"], req


def test_forwarding_headers_of_an_ipv6_client(wshub, upstreams):
    up = upstreams.ws()
    port = free_port()
    server = wshub("--listen", f"[::1]:{port}", "--route", proxy_route("/p", up.url()), listen=False, ready=False)
    server.host, server.port = "::1", port
    server.wait_ready()

    async def main():
        async with websockets.connect(f"ws://[::1]:{port}/p", open_timeout=T, close_timeout=T,
                                      ping_interval=None, compression=None) as ws:
            await ws.send("v6")
            assert await asyncio.wait_for(ws.recv(), T) == "v6"

    run(main())
    req = seen(up)
    assert req.one("X-Forwarded-For") == "::1"
    assert req.one("Forwarded") == 'for="[::1]";proto=http'
    assert req.one("X-Forwarded-Host") == f"[::1]:{port}"


# ---------------------------------------------------------------- subprotocols


@pytest.mark.parametrize("offered,supported", [
    (["a", "b", "c"], ["b"]),
    (["a", "b"], ["b", "a"]),
    (["a"], ["z"]),
    ([], ["a"]),
])
def test_client_gets_the_subprotocol_the_upstream_chose(wshub, upstreams, offered, supported):
    up = upstreams.ws(subprotocols=supported)
    # wshub's own --subprotocol does not decide on a proxy route.
    server = wshub("--subprotocol", "a", "--route", proxy_route("/p", up.url()))

    async def main():
        async with websockets.connect(server.url("/p"), subprotocols=offered or None, open_timeout=T,
                                      close_timeout=T, ping_interval=None, compression=None) as ws:
            await ws.send("proto")
            assert await asyncio.wait_for(ws.recv(), T) == "proto"
            return ws.subprotocol

    got = run(main())
    assert seen(up).tokens("Sec-WebSocket-Protocol") == offered, seen(up)
    chosen = up.wait_closes(1)[0].subprotocol
    assert got == chosen, f"the client got {got!r}, the upstream chose {chosen!r}"
    assert chosen in set(offered) & set(supported) or (chosen is None and not set(offered) & set(supported))


def test_raw_101_carries_the_upstreams_choice(wshub, upstreams):
    up = upstreams.ws(subprotocols=["chat.v2"])
    server = wshub("--route", proxy_route("/p", up.url()))
    with proxied_client(server, protocols=["chat.v1", "chat.v2"]) as c:
        assert c.upgrade_response.header("Sec-WebSocket-Protocol") == ["chat.v2"], c.upgrade_response
        c.close_cleanly()


# ----------------------------------------------------------------- ,auth routes


@pytest.fixture
def auth_server(wshub, recorder, tmp_path):
    secret = tmp_path / "jwt.secret"
    secret.write_text(SECRET + "\n")
    return wshub("--jwt-secret-file", str(secret), "--route", proxy_route("/a", recorder.url(), options=",auth"),
                 "--route", proxy_route("/s", recorder.url(), options=",auth,scope=admin"))


def assert_no_token(req, token):
    assert req.header("Authorization") == [], f"Authorization passed on: {req!r}"
    for name, value in req.headers:
        assert token not in value, f"the token reached the upstream in {name}"
    assert token not in req.target, f"the token reached the upstream in {req.target!r}"


def test_auth_by_header_gives_the_user_and_no_authorization(auth_server, recorder):
    token = M.token(sub="alice")
    with proxied_client(auth_server, "/a?x=1", extra_headers=[bearer(token), ("X-Wshub-User", "mallory")]) as c:
        c.close_cleanly()
    req = seen(recorder)
    assert req.header("X-Wshub-User") == ["alice"], req
    assert req.target == "/up?x=1"
    assert_no_token(req, token)


@pytest.mark.parametrize("query,want", [
    ("?token={t}", "/up"),
    ("?x=1&token={t}&y=2", "/up?x=1&y=2"),
    ("?token={t}&room=a", "/up?room=a"),
    ("?room=a&token={t}", "/up?room=a"),
])
def test_auth_by_query_leaves_token_out_of_the_target(auth_server, recorder, query, want):
    token = M.token(sub="bob")
    with proxied_client(auth_server, "/a" + query.format(t=token)) as c:
        c.close_cleanly()
    req = seen(recorder)
    assert req.target == want, req.target
    assert req.header("X-Wshub-User") == ["bob"], req
    assert_no_token(req, token)


@pytest.mark.parametrize("offer,passed", [
    (["chat", "bearer.{t}"], ["chat"]),
    (["bearer.{t}", "chat", "x"], ["chat", "x"]),
    (["bearer.{t}"], []),
])
def test_auth_by_subprotocol_passes_the_other_offers(wshub, upstreams, tmp_path, offer, passed):
    up = upstreams.ws(subprotocols=["chat"])
    secret = tmp_path / "jwt.secret"
    secret.write_text(SECRET)
    server = wshub("--jwt-secret-file", str(secret), "--route", proxy_route("/a", up.url(), options=",auth"))
    token = M.token(sub="carol")
    with proxied_client(server, "/a", protocols=[o.format(t=token) for o in offer]) as c:
        answered = c.upgrade_response.header("Sec-WebSocket-Protocol")
        assert answered == (["chat"] if "chat" in passed else []), c.upgrade_response
        assert token.encode() not in c.upgrade_response.raw_head
        c.close_cleanly()
    req = seen(up)
    assert req.tokens("Sec-WebSocket-Protocol") == passed, req
    assert req.header("X-Wshub-User") == ["carol"], req
    assert_no_token(req, token)


# --------------------------------------------- admission before any upstream


def assert_refused_before_upstream(server, up, path, status, reason, headers=(), n_seen=0, source=None):
    """An upgrade refused with `status`, counted as `reason` and not as an
    upstream's failure; the upstream saw nothing of it."""
    before = counters(server)
    resp, c = upgrade_attempt(server, path, headers=headers, source=source)
    assert c is None and resp.status == status, f"{path} {headers}: wanted {status}, got {resp!r}"
    assert len(up.requests) == n_seen, f"the upstream saw a refused client: {up.requests[n_seen:]}"
    expect_counter_deltas(server, before, {rejected(reason): 1})


def test_admission_refusals_never_reach_the_upstream(auth_server, recorder):
    assert_refused_before_upstream(auth_server, recorder, "/a", 401, "unauthorized")
    assert_refused_before_upstream(auth_server, recorder, "/a", 401, "unauthorized",
                                   headers=[bearer(M.wrong_secret(sub="x"))])
    assert_refused_before_upstream(auth_server, recorder, "/s", 403, "insufficient_scope",
                                   headers=[bearer(M.token(sub="x", scope="user"))])
    with proxied_client(auth_server, "/s", extra_headers=[bearer(M.token(sub="x", scope="admin"))]) as c:
        c.close_cleanly()
    assert seen(recorder).header("X-Wshub-User") == ["x"]


def test_origin_refusal_never_reaches_the_upstream(wshub, recorder):
    server = wshub("--allow-origin", "https://ok.example", "--route", proxy_route("/p", recorder.url()))
    assert_refused_before_upstream(server, recorder, "/p", 403, "origin",
                                   headers=[("Origin", "https://evil.example")])
    with proxied_client(server, extra_headers=[("Origin", "https://ok.example")]) as c:
        c.close_cleanly()
    assert seen(recorder).header("Origin") == ["https://ok.example"]


def test_caps_refusals_never_reach_the_upstream(wshub, recorder):
    server = wshub("--max-conns", "2", "--max-conns-per-ip", "1", "--route", proxy_route("/p", recorder.url()))
    first = proxied_client(server, source="127.0.0.2")
    second = None
    try:
        assert_refused_before_upstream(server, recorder, "/p", 429, "max_conns_per_ip", n_seen=1,
                                       source="127.0.0.2")
        second = proxied_client(server, source="127.0.0.3")
        assert_refused_before_upstream(server, recorder, "/p", 503, "max_conns", n_seen=2, source="127.0.0.4")
    finally:
        for c in (first, second):
            if c:
                c.close_cleanly()


# --------------------------------------------- bytes around the two handshakes


def test_frames_pipelined_behind_the_clients_head_reach_the_upstream(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    frames = (build_frame(OP_TEXT, b"piped text") + build_frame(OP_BINARY, b"\x01\x02piped")
              + build_frame(OP_TEXT, b"frag-", fin=False) + build_frame(OP_CONT, b"mented"))
    with RawClient(server.host, server.port, timeout=T) as c:
        c.handshake("/p", trailing=frames)
        for op, payload in ((OP_TEXT, b"piped text"), (OP_BINARY, b"\x01\x02piped"), (OP_TEXT, b"frag-mented")):
            got = client_message(c)
            assert got == (op, payload), got
        c.close_cleanly()


def test_close_pipelined_behind_the_clients_head(wshub, recorder):
    server = wshub("--route", proxy_route("/p", recorder.url()))
    with RawClient(server.host, server.port, timeout=T) as c:
        c.handshake("/p", trailing=build_frame(OP_CLOSE, close_payload(4001, "now")))
        c.expect_close(4001)
    assert recorder.wait_closes(1)[0][:2] == (4001, "now")


def test_frames_behind_the_upstreams_101_reach_the_client(wshub, upstreams):
    def script(peer):
        peer.handshake(trailing=build_frame(OP_TEXT, b"hello first", mask=False)
                       + build_frame(OP_BINARY, b"\x00second", mask=False))
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return close

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    with open_ws(server, "/p", timeout=T) as c:
        assert client_message(c) == (OP_TEXT, b"hello first")
        assert client_message(c) == (OP_BINARY, b"\x00second")
        c.close_cleanly()
    assert up.wait_peer(0).close_code == 1000


def test_a_failing_route_leaves_the_others_working(wshub, upstreams):
    good = upstreams.ws()
    server = wshub("--upstream-timeout", "500ms", "--route", proxy_route("/dead", refused_url()),
                   "--route", proxy_route("/p", good.url()), "--route", "/echo=echo")
    resp, c = upgrade_attempt(server, "/dead")
    assert c is None and resp.status == 502
    with proxied_client(server) as c:
        c.close_cleanly()
    wait_for(server, lambda s: s["wshub_upstream_connections"] == 0)
    resp, c = upgrade_attempt(server, "/dead")
    assert c is None and resp.status == 502
