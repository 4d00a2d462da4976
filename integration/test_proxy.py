"""wshub behind a real nginx (README "Behind a proxy and TLS"), with that
section's configuration and a self-signed certificate: wss:// end to end
(echo, a json room), --max-conns-per-ip per real client address, the logs'
peer= and via=, X-Forwarded-For forged directly (ignored) and through nginx
(the real client counts), and Forwarded from a trusted peer. Clients come
from distinct loopback addresses (127.0.0.2, 127.0.0.3 ...); nginx reaches
wshub from 127.0.0.1, the one trusted proxy. Skipped without nginx or
openssl (a failure where CI is set)."""

import asyncio
import contextlib
import http.client
import json
import re
import time

import pytest
import websockets

from wshub_test import T
from wshub_test.client import RawClient, upgrade_attempt
from wshub_test.proxy import Nginx, make_certificate, tool
from wshub_test.wslib import connect, join, open_json, recv_json, run, send_json

VIA_NGINX = re.compile(r"^127\.0\.0\.1:\d+$")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    tool("nginx")
    return make_certificate(str(tmp_path_factory.mktemp("tls")))


@pytest.fixture
def behind_nginx(wshub, certificate, tmp_path):
    """Factory: wshub(*flags) trusting 127.0.0.1, and nginx in front of it:
    (server, proxy). nginx stops before wshub's own checks at teardown."""
    proxies = []

    def start(*flags):
        server = wshub("--trusted-proxy", "127.0.0.1", "--log-format", "json", *flags)
        proxy = Nginx(tmp_path / f"nginx{len(proxies)}", server.port, *certificate)
        proxies.append(proxy)
        return server, proxy.start()

    yield start
    for proxy in proxies:
        proxy.stop()


def events(server, event):
    return [o for o in map(json.loads, server.stderr.splitlines()) if o.get("event") == event]


def wait_event(server, event, pred, count=1, timeout=T):
    """The `event` log lines for which pred holds, once there are `count`.
    (A worker writes its lines after its answers of the same pass, so a
    line may come a moment after the client has its answer.)"""
    deadline = time.monotonic() + timeout
    while True:
        found = [o for o in events(server, event) if pred(o)]
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"no {event!r} line as wanted within {timeout}s; stderr:\n{server.stderr[-4000:]}")
        time.sleep(0.02)


def via_nginx(client):
    """A log line's pred: from `client` (port 0: nginx gives none), via nginx."""
    return lambda o: o.get("peer") == f"{client}:0" and VIA_NGINX.match(o.get("via", ""))


def through(proxy, path, source, **kw):
    """websockets.connect to nginx over TLS, from the loopback address `source`."""
    return connect(proxy, path, ssl=proxy.context, local_addr=(source, 0), **kw)


async def refused_through(proxy, path, source, headers=None):
    """The HTTP status of an upgrade through nginx that does not open."""
    with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
        async with through(proxy, path, source, extra_headers=headers):
            pass
    return refused.value.status_code


def https_get(proxy, path, source):
    conn = http.client.HTTPSConnection(proxy.host, proxy.port, context=proxy.context, timeout=T,
                                       source_address=(source, 0))
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_wss_echo_and_a_json_room_through_nginx(behind_nginx):
    server, proxy = behind_nginx("--log-level", "debug")

    async def scenario():
        async with through(proxy, "/echo", "127.0.0.2") as ws:
            await ws.send("hello over TLS")
            assert await asyncio.wait_for(ws.recv(), T) == "hello over TLS"
            await ws.send(b"\x00\xffbinary")
            assert await asyncio.wait_for(ws.recv(), T) == b"\x00\xffbinary"
        async with contextlib.AsyncExitStack() as stack:
            a, _ = await open_json(stack, proxy, ssl=proxy.context, local_addr=("127.0.0.3", 0))
            b, welcome_b = await open_json(stack, proxy, ssl=proxy.context, local_addr=("127.0.0.4", 0))
            await join(a, "lobby")
            await join(b, "lobby")
            presence = await recv_json(a)
            assert presence == {"type": "presence", "room": "lobby", "event": "join", "id": welcome_b["id"]}
            await send_json(a, {"type": "message", "room": "lobby", "data": {"move": "e4"}})
            got = await recv_json(b)
            assert got["type"] == "message" and got["room"] == "lobby" and got["data"] == {"move": "e4"}, got

    run(scenario())
    # Each client by its own address, each through nginx.
    for client, route in (("127.0.0.2", "/echo"), ("127.0.0.3", "/ws"), ("127.0.0.4", "/ws")):
        wait_event(server, "opened", lambda o: via_nginx(client)(o) and o["route"] == route)
    wait_event(server, "closed", lambda o: via_nginx("127.0.0.2")(o) and o["code"] == 1000)


def test_max_conns_per_ip_counts_each_client_behind_nginx(behind_nginx):
    """--max-conns-per-ip 2: 127.0.0.2 and 127.0.0.3 each get two, the third
    from either gets nginx's relay of wshub's 429, 127.0.0.4 still gets in,
    and a slot given back is 127.0.0.2's again."""
    server, proxy = behind_nginx("--max-conns-per-ip", "2")

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            held = {}
            for source in ("127.0.0.2", "127.0.0.3"):
                held[source] = [await stack.enter_async_context(through(proxy, "/echo", source)) for _ in range(2)]
                assert await refused_through(proxy, "/echo", source) == 429
            async with through(proxy, "/echo", "127.0.0.4") as ws:
                await ws.send("third address")
                assert await asyncio.wait_for(ws.recv(), T) == "third address"
            await held["127.0.0.2"][0].close()
            deadline = time.monotonic() + T
            while True:  # the slot comes back once wshub has seen the close
                try:
                    async with through(proxy, "/echo", "127.0.0.2") as ws:
                        await ws.send("again")
                        assert await asyncio.wait_for(ws.recv(), T) == "again"
                    break
                except websockets.exceptions.InvalidStatusCode as e:
                    assert e.status_code == 429 and time.monotonic() < deadline, e
                    await asyncio.sleep(0.02)
            assert await refused_through(proxy, "/echo", "127.0.0.3") == 429

    run(scenario())
    for client in ("127.0.0.2", "127.0.0.3"):
        wait_event(server, "refused", lambda o: via_nginx(client)(o) and o["status"] == 429)
    refused = events(server, "refused")
    assert all(VIA_NGINX.match(o["via"]) and o["status"] == 429 for o in refused), refused


def test_logs_of_http_requests_through_nginx(behind_nginx, tmp_path):
    """GET /metrics, a 404 and a POST /publish through nginx: their lines
    name the client as peer= and nginx as via=."""
    token_file = tmp_path / "publish.token"
    token_file.write_text("a-publish-token-of-some-length\n")
    server, proxy = behind_nginx("--log-level", "debug", "--publish-token-file", str(token_file))
    assert https_get(proxy, "/metrics", "127.0.0.5")[0] == 200
    assert https_get(proxy, "/nowhere", "127.0.0.6")[0] == 404
    conn = http.client.HTTPSConnection(proxy.host, proxy.port, context=proxy.context, timeout=T,
                                       source_address=("127.0.0.7", 0))
    try:
        conn.request("POST", "/publish?room=chess&ns=/raw", body=b'{"score":3}',
                     headers={"Authorization": "Bearer a-publish-token-of-some-length"})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        assert json.loads(resp.read()) == {"room": "chess", "recipients": 0}
    finally:
        conn.close()
    wait_event(server, "http", lambda o: via_nginx("127.0.0.5")(o) and o["path"] == "/metrics")
    wait_event(server, "refused", lambda o: via_nginx("127.0.0.6")(o) and o["status"] == 404)
    wait_event(server, "publish", lambda o: via_nginx("127.0.0.7")(o) and o["room"] == "chess")


def test_forged_x_forwarded_for_sent_directly_is_ignored(wshub):
    """From 127.0.0.8, which no --trusted-proxy covers, X-Forwarded-For and
    Forwarded name other addresses each time: all count as 127.0.0.8, and
    the logs say so, with no via=."""
    server = wshub("--trusted-proxy", "127.0.0.1", "--max-conns-per-ip", "2", "--log-format", "json",
                   "--log-level", "debug")
    forged = [[("X-Forwarded-For", "198.51.100.1")], [("Forwarded", "for=198.51.100.2")],
              [("X-Forwarded-For", "127.0.0.1, 198.51.100.3")]]
    held = []
    try:
        for headers in forged[:2]:
            resp, c = upgrade_attempt(server, "/echo", headers=headers, source="127.0.0.8")
            assert resp.status == 101, resp
            held.append(c)
        resp, c = upgrade_attempt(server, "/echo", headers=forged[2], source="127.0.0.8")
        assert resp.status == 429, resp
    finally:
        for c in held:
            c.close()
    opened = wait_event(server, "opened", lambda o: o["peer"].startswith("127.0.0.8:"), count=2)
    refused = wait_event(server, "refused", lambda o: o["peer"].startswith("127.0.0.8:") and o["status"] == 429)
    assert len(opened) == 2 and all("via" not in o for o in opened + refused), opened + refused
    assert "198.51.100" not in server.stderr


def test_forged_x_forwarded_for_through_nginx_counts_the_real_client(behind_nginx):
    """Through nginx, 127.0.0.9 claims other addresses, trusted and not;
    nginx appends 127.0.0.9 and wshub, reading from the right, counts it:
    its third connection gets 429 whatever it claims, and 127.0.0.10
    claiming to be 127.0.0.9 is counted as itself."""
    server, proxy = behind_nginx("--max-conns-per-ip", "2", "--log-level", "debug")
    claims = ["198.51.100.4", "127.0.0.1", "198.51.100.5, 10.0.0.1"]

    async def scenario():
        async with contextlib.AsyncExitStack() as stack:
            for claim in claims[:2]:
                await stack.enter_async_context(
                    through(proxy, "/echo", "127.0.0.9", extra_headers={"X-Forwarded-For": claim}))
            assert await refused_through(proxy, "/echo", "127.0.0.9", {"X-Forwarded-For": claims[2]}) == 429
            async with through(proxy, "/echo", "127.0.0.10", extra_headers={"X-Forwarded-For": "127.0.0.9"}) as ws:
                await ws.send("me")
                assert await asyncio.wait_for(ws.recv(), T) == "me"

    run(scenario())
    opened = wait_event(server, "opened", via_nginx("127.0.0.9"), count=2)
    assert len(opened) == 2, opened
    wait_event(server, "refused", lambda o: via_nginx("127.0.0.9")(o) and o["status"] == 429)
    wait_event(server, "opened", via_nginx("127.0.0.10"))
    assert "198.51.100" not in server.stderr and '"peer":"127.0.0.1:' not in server.stderr


def test_forwarded_and_malformed_headers_from_a_trusted_peer(wshub):
    """Straight from 127.0.0.1, trusted through WSHUB_TRUSTED_PROXY: an RFC
    7239 Forwarded names an IPv6 client and its port; for=unknown, no header
    and a malformed X-Forwarded-For keep the peer (the last said at debug)."""
    server = wshub("--log-format", "json", "--log-level", "debug",
                   env={"WSHUB_TRUSTED_PROXY": "10.0.0.0/8,127.0.0.1"})
    cases = [
        ([("Forwarded", 'for=198.51.100.1, for="[2001:db8::7]:4711";proto=https')], "[2001:db8::7]:4711"),
        ([("X-Forwarded-For", "2001:db8::8"), ("X-Forwarded-For", "10.1.2.3")], "[2001:db8::8]:0"),
        ([("Forwarded", "for=unknown")], None),
        ([], None),
        ([("X-Forwarded-For", "203.0.113.1, not-an-address")], None),
    ]
    for headers, client in cases:
        with RawClient(server.host, server.port) as c:
            c.handshake(path="/echo", extra_headers=headers)
            c.echo_roundtrip("hi")
            own = f"127.0.0.1:{c.sock.getsockname()[1]}"
            c.close_cleanly()
        if client:
            got = wait_event(server, "closed", lambda o: o["peer"] == client)
            assert got[0]["via"] == own, got
        else:
            got = wait_event(server, "closed", lambda o: o["peer"] == own)
            assert "via" not in got[0], got
    bad = wait_event(server, "forwarded_malformed", lambda o: True)
    assert len(bad) == 1 and bad[0]["header"] == "X-Forwarded-For", bad
    assert bad[0]["why"] == "an X-Forwarded-For element is not an address", bad
