"""The built-in pages in headless Chromium, in real time (README "Built-in
pages", "wshub.js"): the chat demo between two tabs, the dashboard following
the connection count, wshub.js reconnecting to a restarted server and
joining its rooms again, a bearer. token from the browser. Each test leaves
a screenshot of every tab in its tmp_path when it fails (the path is
printed)."""

import asyncio
import json

from wshub_test import T
from wshub_test.client import RawClient
from wshub_test.jwt import Minter
from wshub_test.pages import (browser_for, chat_lines, demo_join, demo_say, element, hub_call, hub_connect,
                              hub_events, texts, wait_until)
from wshub_test.wslib import connect, recv_json, run, send_json


def page(server, path="/"):
    return f"http://{server.host}:{server.port}{path}"


def members(browser):
    return sorted(texts(browser, "#members li"))


def quiet_member(server, room):
    """A json client in `room` that never speaks, so the demo knows it only
    from the server's presence list: (client, its id)."""
    c = RawClient(server.host, server.port)
    c.handshake("/ws")
    welcome = json.loads(c.recv_frame().payload)
    c.send_text(json.dumps({"type": "join", "room": room}))
    joined = json.loads(c.recv_frame().payload)
    assert joined["type"] == "joined", joined
    return c, welcome["id"]


def test_demo_chat_between_two_tabs(server, tmp_path):
    quiet, quiet_id = quiet_member(server, "chess")
    with quiet, browser_for(tmp_path) as b:
        b.get(page(server))
        ann = b.current_window_handle
        demo_join(b, "ann", "chess")
        someone = f"#{quiet_id}"
        wait_until(b, lambda b: members(b) == [someone, "ann (you)"], "the quiet member, from the list")
        b.switch_to.new_window("tab")
        bob = b.current_window_handle
        b.get(page(server))
        demo_join(b, "bob", "chess")
        # Each sees both, by name (the hello and its answers), and the quiet one.
        wait_until(b, lambda b: members(b) == [someone, "ann", "bob (you)"], "bob's tab lists ann and bob")
        b.switch_to.window(ann)
        wait_until(b, lambda b: members(b) == [someone, "ann (you)", "bob"], "ann's tab lists ann and bob")

        demo_say(b, "hello bob")
        b.switch_to.window(bob)
        wait_until(b, lambda b: ("ann", "hello bob") in chat_lines(b), "ann's message in bob's tab")
        demo_say(b, "hi ann, à bientôt")
        b.switch_to.window(ann)
        wait_until(b, lambda b: ("bob", "hi ann, à bientôt") in chat_lines(b), "bob's message in ann's tab")
        assert chat_lines(b) == [("ann", "hello bob"), ("bob", "hi ann, à bientôt")]

        b.switch_to.window(bob)
        element(b, "leave-button").click()
        wait_until(b, lambda b: members(b) == [], "bob's tab empty after leaving")
        b.switch_to.window(ann)
        wait_until(b, lambda b: members(b) == [someone, "ann (you)"], "ann's tab without bob")
        assert any(t.endswith("bob left") for t in texts(b, "#log li.system")), texts(b, "#log li")
        quiet.close()
        wait_until(b, lambda b: members(b) == ["ann (you)"], "ann's tab without the quiet member")


def test_demo_finds_another_route_with_ws_parameter(wshub, tmp_path):
    s = wshub("--route", "/chat=json")
    with browser_for(tmp_path) as b:
        b.get(page(s, "/?ws=/chat&name=cy&room=tea"))
        assert element(b, "name").get_attribute("value") == "cy"
        element(b, "join-button").click()
        wait_until(b, lambda b: members(b) == ["cy (you)"], "joined tea over /chat")


def dashboard_value(b, metric):
    return b.execute_script(
        "const e = document.querySelector(`[data-metric='${arguments[0]}'] .value`); return e && e.textContent;",
        metric)


def test_dashboard_follows_the_connection_count(server, tmp_path):
    with browser_for(tmp_path) as b:
        b.get(page(server, "/dashboard"))
        wait_until(b, lambda b: dashboard_value(b, "wshub_connections") == "0", "0 connections drawn")
        clients = [RawClient(server.host, server.port) for _ in range(3)]
        try:
            for c in clients:
                c.handshake("/echo")
            wait_until(b, lambda b: dashboard_value(b, "wshub_connections") == "3", "3 connections drawn")
            points = b.execute_script(
                "return document.querySelector(\"[data-metric='wshub_connections'] polyline\")"
                ".getAttribute('points').split(' ').length")
            assert points >= 2, points  # a line, not a dot
        finally:
            for c in clients:
                c.close()
        wait_until(b, lambda b: dashboard_value(b, "wshub_connections") == "0", "back to 0 connections")
        assert element(b, "status").get_attribute("data-state") == "open"


async def python_member(server, room, path="/ws", **kw):
    """A json client that has joined `room`: (connection, its welcome)."""
    ws = await connect(server, path, **kw)
    welcome = await recv_json(ws)
    await send_json(ws, {"type": "join", "room": room})
    while (m := await recv_json(ws))["type"] != "joined":
        pass
    return ws, welcome


async def next_message(ws):
    while True:
        m = await recv_json(ws, T)
        if m["type"] == "message":
            return m


def test_client_rejoins_after_a_server_restart(wshub, tmp_path):
    first = wshub("--workers", "1")
    port = first.port
    with browser_for(tmp_path) as b:
        b.get(page(first, "/wshub.js"))  # a page of the server's origin to run in
        got = hub_connect(b, url="/ws", minDelay=100, maxDelay=500)
        assert "welcome" in got, got
        assert hub_call(b, "hub.join('chess')")["value"]["type"] == "joined"
        assert first.stop() == 0  # a drain: every connection gets 1001

        wait_until(b, lambda b: hub_events(b, "close"), "the browser saw the server go")
        second = wshub("--workers", "1", port=port)
        wait_until(b, lambda b: len(hub_events(b, "welcome")) == 2, "welcomed by the restarted server")
        wait_until(b, lambda b: len(hub_events(b, "joined")) == 2, "chess joined again, unasked")
        assert hub_events(b, "joined")[1]["room"] == "chess"
        assert hub_call(b, "hub.rooms()")["value"] == ["chess"]

        async def hear_the_browser():
            ws, welcome = await python_member(second, "chess")
            python_id = welcome["id"]
            try:
                listed = hub_call(b, "hub.members('chess')")["value"]
                mine = hub_events(b, "welcome")[1]["id"]
                assert sorted(m["id"] for m in listed["members"]) == sorted([mine, python_id]), listed
                assert hub_call(b, "hub.message('chess', { text: 'after the restart' })")["value"]
                m = await next_message(ws)
                assert m["data"] == {"text": "after the restart"}, m
                assert m["from"] == hub_events(b, "welcome")[1]["id"], m
            finally:
                await ws.close()

        run(hear_the_browser())
        # Requests after the restart are matched to their replies again.
        assert hub_call(b, "hub.leave('chess')")["value"]["type"] == "left"
        assert hub_call(b, "hub.leave('chess')")["error"] == "not_member"


def test_bearer_token_from_the_browser(wshub, tmp_path):
    secret = "a-test-secret-of-32-bytes-or-so!"
    secret_file = tmp_path / "jwt.secret"
    secret_file.write_text(secret)
    minter = Minter(secret)
    s = wshub("--route", "/ws=json", "--route", "/private=json,auth", "--jwt-secret-file", str(secret_file),
              "--subprotocol", "wshub")
    with browser_for(tmp_path) as b:
        b.get(page(s))
        refused = hub_connect(b, url="/private", token=minter.wrong_secret(sub="mallory"), reconnect=False)
        assert "close" in refused and refused["close"]["code"] == 1006, refused

        got = hub_connect(b, url="/private", token=minter.token(sub="alice"), reconnect=False)
        assert got.get("welcome", {}).get("user") == "alice", got
        assert got["protocol"] == "wshub", got  # the token is never echoed

        async def hear_alice():
            ws, _ = await python_member(s, "vault", path="/private",
                                        extra_headers={"Authorization": "Bearer " + minter.token(sub="bob")})
            try:
                assert hub_call(b, "hub.join('vault')")["value"]["type"] == "joined"
                assert hub_call(b, "hub.message('vault', 'from the browser')")["value"]
                m = await next_message(ws)
                assert (m["from"], m["data"]) == ("alice", "from the browser"), m
            finally:
                await ws.close()

        run(hear_alice())
        # A token function is asked at each connect.
        got = hub_connect(b, url="/private", token=None, reconnect=False)
        assert "close" in got, got
        b.execute_script(f"window.jwt = {json.dumps(minter.token(sub='carol'))};")
        got = b.execute_async_script(
            "const done = arguments[0];"
            "import('/wshub.js').then(({ connect }) => {"
            "  const hub = connect({ url: '/private', token: async () => window.jwt, reconnect: false });"
            "  hub.on('welcome', (m) => done(m)); hub.on('close', (e) => done(e)); });")
        assert got.get("user") == "carol", got


def test_backoff_is_capped_with_full_jitter(server, tmp_path):
    with browser_for(tmp_path) as b:
        b.get(page(server, "/wshub.js"))
        bounds = b.execute_async_script("""
            const done = arguments[0];
            import('/wshub.js').then(({ backoffDelay }) => {
              const at = (r) => [...Array(10).keys()].map((n) => backoffDelay(n, 250, 5000, () => r));
              done({ low: at(0), high: at(0.9999999), half: at(0.5) });
            });""")
    ceilings = [min(5000, 250 * 2 ** n) for n in range(10)]
    assert bounds["low"] == [0] * 10, bounds
    assert bounds["high"] == [c - 1 for c in ceilings], bounds
    assert bounds["half"] == [c // 2 for c in ceilings], bounds
