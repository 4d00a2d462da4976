"""A proxy route's upstream failing a client's upgrade: every upstream
refusing connections (502 "upstream connect failed"), answering another
status (502 "upstream refused the upgrade: ..."), answering what is not a
valid upgrade (502 "upstream's answer is not a WebSocket upgrade: ..."),
closing, or saying nothing in --upstream-timeout (504) -- never a 101,
always counted; upstreams that fail set aside for the next clients, those
that merely refuse not."""

import base64
import http
import time

import pytest

from wshub_test import T
from wshub_test.admission import deltas
from wshub_test.client import open_ws, upgrade_attempt
from wshub_test.frames import accept_for
from wshub_test.upstream import (  # noqa: F401 (upstreams: a fixture)
    REJECTED_UPSTREAM,
    counters,
    expect_counter_deltas,
    proxy_route,
    refused_url,
    upstream_failure,
    upstreams,
)


def assert_upstream_refusal(resp, status, body, exact=True):
    """A refusal of `status` with the body `body` and a newline (exact), or
    one starting with `body`."""
    reasons = {502: "Bad Gateway", 504: "Gateway Timeout"}
    assert resp.status == status, f"wanted {status}, got {resp!r}"
    assert resp.status_line == f"HTTP/1.1 {status} {reasons[status]}", resp.status_line
    assert not resp.header("Sec-WebSocket-Accept"), resp
    text = resp.body.decode("utf-8", "replace")
    if exact:
        assert text == body + "\n", f"body {text!r}, wanted {body + chr(10)!r}"
    else:
        assert text.startswith(body) and text.endswith("\n"), f"body {text!r}, wanted {body!r}..."


def fail_once(server, path, status, body, exact=True, failure=None, extra_failures=0):
    """One client refused with `status` and `body`; the counters move by one
    refusal and the given failure (plus `extra_failures` of it)."""
    before = counters(server)
    resp, c = upgrade_attempt(server, path)
    assert c is None, f"a 101 for a failing upstream: {resp!r}"
    assert_upstream_refusal(resp, status, body, exact)
    want = {REJECTED_UPSTREAM: 1}
    if failure:
        want[upstream_failure(failure)] = 1 + extra_failures
    expect_counter_deltas(server, before, want)
    return resp


def test_every_upstream_refusing_connections_502(wshub):
    server = wshub("--route", proxy_route("/p", refused_url(), refused_url()))
    # Each upstream tried once for the client, then it has nowhere to go.
    fail_once(server, "/p", 502, "upstream connect failed", failure="connect", extra_failures=1)
    resp, c = upgrade_attempt(server, "/p")
    assert c is None
    assert_upstream_refusal(resp, 502, "upstream connect failed")


@pytest.mark.parametrize("status", [http.HTTPStatus.NOT_FOUND, http.HTTPStatus.FORBIDDEN,
                                    http.HTTPStatus.UNAUTHORIZED, http.HTTPStatus.INTERNAL_SERVER_ERROR,
                                    http.HTTPStatus.SERVICE_UNAVAILABLE, http.HTTPStatus.OK])
def test_upstream_answering_another_status_502(wshub, upstreams, status):
    up = upstreams.ws(refuse=(status, b"no websocket here\n"))
    server = wshub("--route", proxy_route("/p", up.url()))
    fail_once(server, "/p", 502, f"upstream refused the upgrade: {status.value} {status.phrase}", failure="refused")
    assert len(up.requests) == 1


def script_answer(raw):
    """An upstream script: reads the request, answers `raw` (bytes, or a
    function of the request giving them), then waits for the proxy's EOF."""
    def script(peer):
        req = peer.read_request()
        peer.send(raw(req) if callable(raw) else raw)
        assert peer.wait_eof(), "the proxy kept the failed upstream connection open"
        return req
    return script


def head(*lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def accept_of(req):
    return accept_for(req.one("Sec-WebSocket-Key"))


INVALID_101 = {
    "bad_accept": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + base64.b64encode(b"x" * 20).decode()),
    "no_accept": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade"),
    "no_upgrade": lambda req: head("HTTP/1.1 101 Switching Protocols", "Connection: Upgrade",
                                   "Sec-WebSocket-Accept: " + accept_of(req)),
    "upgrade_h2c": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: h2c", "Connection: Upgrade",
                                    "Sec-WebSocket-Accept: " + accept_of(req)),
    "no_connection": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                                      "Sec-WebSocket-Accept: " + accept_of(req)),
    "unoffered_protocol": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                                           "Connection: Upgrade", "Sec-WebSocket-Accept: " + accept_of(req),
                                           "Sec-WebSocket-Protocol: never-offered"),
    "unoffered_extension": lambda req: head("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
                                            "Connection: Upgrade", "Sec-WebSocket-Accept: " + accept_of(req),
                                            "Sec-WebSocket-Extensions: permessage-deflate"),
    "http10": lambda req: head("HTTP/1.0 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                               "Sec-WebSocket-Accept: " + accept_of(req)),
    "garbage": lambda req: b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    "bare_lf": lambda req: (f"HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n"
                            f"Sec-WebSocket-Accept: {accept_of(req)}\n\n").encode(),
}


@pytest.mark.parametrize("case", sorted(INVALID_101))
def test_upstream_answer_not_a_websocket_upgrade_502(wshub, upstreams, case):
    up = upstreams.raw(script_answer(INVALID_101[case]))
    server = wshub("--route", proxy_route("/p", up.url()))
    fail_once(server, "/p", 502, "upstream's answer is not a WebSocket upgrade: ", exact=False, failure="invalid")
    up.wait_peer(0)


def test_upstream_protocol_answer_with_an_offer_still_checked(wshub, upstreams):
    """The client offered a and b; the upstream answers c: not an upgrade."""
    up = upstreams.raw(script_answer(lambda req: head(
        "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
        "Sec-WebSocket-Accept: " + accept_of(req), "Sec-WebSocket-Protocol: c")))
    server = wshub("--route", proxy_route("/p", up.url()))
    before = counters(server)
    resp, c = upgrade_attempt(server, "/p", protocols=["a", "b"])
    assert c is None
    assert_upstream_refusal(resp, 502, "upstream's answer is not a WebSocket upgrade: ", exact=False)
    expect_counter_deltas(server, before, {REJECTED_UPSTREAM: 1, upstream_failure("invalid"): 1})
    assert up.wait_peer(0).tokens("Sec-WebSocket-Protocol") == ["a", "b"]


def test_upstream_closing_without_an_answer_502(wshub, upstreams):
    def script(peer):
        peer.read_request()
        peer.close()

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    before = counters(server)
    resp, c = upgrade_attempt(server, "/p")
    assert c is None and resp.status == 502, resp
    assert resp.body.startswith(b"upstream") and resp.body.endswith(b"\n"), resp
    # One refusal, and one failure under whichever reason wshub files it.
    moved = deltas(before, counters(server))
    failures = {k: v for k, v in moved.items() if k.startswith("wshub_upstream_failures_total")}
    assert moved.get(REJECTED_UPSTREAM) == 1 and list(failures.values()) == [1], moved


def silent(peer):
    """An upstream that accepts and never answers; returns whether the
    proxy closed the connection (within T after the test's timeout)."""
    return peer.wait_eof(2 * T)


def test_silent_upstream_504(wshub, upstreams):
    up = upstreams.raw(silent)
    server = wshub("--upstream-timeout", "500ms", "--route", proxy_route("/p", up.url()))
    fail_once(server, "/p", 504, "upstream did not answer in time", failure="timeout")
    assert up.wait_peer(0, timeout=3 * T), "the proxy kept the silent upstream's connection"


def test_upstream_stalling_inside_its_answer_504(wshub, upstreams):
    def script(peer):
        peer.read_request()
        peer.send(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")
        return peer.wait_eof(2 * T)

    up = upstreams.raw(script)
    server = wshub("--upstream-timeout", "500ms", "--route", proxy_route("/p", up.url()))
    fail_once(server, "/p", 504, "upstream did not answer in time", failure="timeout")
    assert up.wait_peer(0, timeout=3 * T)


def test_upstream_answering_within_the_timeout_is_fine(wshub, upstreams):
    def script(peer):
        peer.read_request()
        time.sleep(0.3)
        peer.answer_101()
        f = peer.recv_client_frame()
        peer.send_frame(f.opcode, f.payload)
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return close

    up = upstreams.raw(script)
    server = wshub("--upstream-timeout", "3s", "--route", proxy_route("/p", up.url()))
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("late but fine")
        c.send_close(1000)
        c.expect_close(1000)
    assert up.wait_peer(0).close_code == 1000


# ------------------------------------------------- set aside, or not


def test_a_4xx_upstream_is_not_set_aside(wshub, upstreams):
    bad = upstreams.ws(refuse=(http.HTTPStatus.NOT_FOUND, b"gone\n"))
    good = upstreams.ws()
    server = wshub("--workers", "1", "--route", proxy_route("/p", bad.url(), good.url()))
    statuses = []
    for _ in range(6):
        resp, c = upgrade_attempt(server, "/p")
        statuses.append(resp.status)
        if c:
            c.close_cleanly()
    # Taken in turn every time: its refusal is the upstream's answer, not a fault.
    assert sorted(statuses) == [101] * 3 + [502] * 3, statuses
    assert statuses[0::2] == [statuses[0]] * 3 and statuses[1::2] == [statuses[1]] * 3, statuses
    assert len(bad.requests) == 3 and len(good.requests) == 3


def failing_upstream(upstreams, kind):
    """An upstream failing every client in the way `kind` says: (it, how
    many connections it has seen)."""
    if kind == "5xx":
        up = upstreams.ws(refuse=(http.HTTPStatus.INTERNAL_SERVER_ERROR, b"down\n"))
        return up, lambda: len(up.requests)
    if kind == "invalid":
        up = upstreams.raw(script_answer(INVALID_101["bad_accept"]))
    else:
        up = upstreams.raw(silent)
    return up, lambda: len(up.peers)


@pytest.mark.parametrize("kind", ["5xx", "invalid", "timeout"])
def test_a_failing_upstream_is_set_aside(wshub, upstreams, kind):
    bad, seen_by_bad = failing_upstream(upstreams, kind)
    good = upstreams.ws()
    server = wshub("--workers", "1", "--upstream-timeout", "300ms",
                   "--route", proxy_route("/p", bad.url(), good.url()))
    statuses = []
    for _ in range(8):
        resp, c = upgrade_attempt(server, "/p")
        statuses.append(resp.status)
        if c:
            c.close_cleanly()
    # Its client gets the 502 or 504; later ones skip it for 0.5 s and more
    # (doubling): not taken in turn for every other client.
    failed = [s for s in statuses if s != 101]
    assert 1 <= len(failed) <= 3, statuses
    assert set(failed) == {504 if kind == "timeout" else 502}, statuses
    assert seen_by_bad() == len(failed)
    assert len(good.requests) == statuses.count(101)
