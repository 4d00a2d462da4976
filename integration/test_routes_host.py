"""Host routes (README "Routes by host"): `--route HOST/PATH=MODE` serves
PATH only to requests whose Host names HOST (case aside, port and one
trailing dot dropped), before the route of PATH on any host; `*.SUFFIX`
admits any host below SUFFIX. Two hosts on one path are two routes: each its
own mode and its own rooms. A path that only host routes have is 404 for any
other Host. Every request here is sent with the Host header the test chooses
(the server resolves nothing: a Host is just a header)."""

import json
import time

import pytest

from wshub_test import T
from wshub_test.admission import expect_deltas, rejected, snapshot
from wshub_test.binary import assert_startup_error
from wshub_test.client import RawClient, check_refusal, http_exchange
from wshub_test.frames import OP_TEXT, make_key
from wshub_test.httpmsg import assert_switching, publish_request, upgrade_request


def open_on(server, host, target):
    """A RawClient upgraded on `target` with `Host: host`."""
    c = RawClient(server.host, server.port, timeout=T)
    try:
        key = make_key()
        c.send(upgrade_request(host, path=target, key=key))
        assert_switching(c.read_http_response(), key)
    except BaseException:
        c.close()
        raise
    return c


def status_on(server, host, target, omit=()):
    """The status of an upgrade request for `target` with `Host: host` (or
    with no Host when omit=("host",)); the refusal's framing checked."""
    return http_exchange(server, upgrade_request(host, path=target, omit=omit)).status


def welcome(c):
    """The json mode's first frame, its type."""
    f = c.recv_frame()
    assert f.opcode == OP_TEXT, f
    return json.loads(f.payload)["type"]


def echoes(c, text="ping"):
    c.send_text(text)
    f = c.recv_frame()
    return (f.opcode, f.payload) == (OP_TEXT, text.encode())


def test_two_hosts_on_one_path_are_two_routes(wshub):
    server = wshub("--route", "a.example/ws=echo", "--route", "B.Example/ws=json", "--route", "/ws=raw")
    a = open_on(server, "a.example", "/ws")
    assert echoes(a)
    b = open_on(server, "b.example", "/ws")
    assert welcome(b) == "welcome"
    # any other host: the route of /ws on any host, raw (no welcome, no echo)
    for host in (f"{server.host}:{server.port}", "c.example", "example", "a.example.org"):
        other = open_on(server, host, "/ws")
        other.send_text("ping")
        with pytest.raises(OSError):  # socket.timeout: raw sends nothing back to its sender
            other.recv_frame(timeout=0.3)
        other.close()
    for c in (a, b):
        c.close()


def test_host_matched_without_port_or_case(wshub):
    server = wshub("--route", "chat.example.com/chat=echo")
    for host in ("chat.example.com", "CHAT.Example.Com", "chat.example.com:8080", f"Chat.Example.COM:{server.port}",
                 "chat.example.com.", "chat.example.com.:443"):
        c = open_on(server, host, "/chat")
        assert echoes(c, host), host
        c.close()


def test_unknown_host_on_a_host_only_path_is_404(wshub):
    server = wshub("--route", "chat.example.com/chat=echo", "--route", "/echo=echo")
    before = snapshot(server)
    for host in ("other.example.com", "example.com", "chat.example.com.evil", "xchat.example.com",
                 f"{server.host}:{server.port}", "[::1]:8080"):
        assert status_on(server, host, "/chat") == 404, host
    # no Host at all: the path has no route for it either (404 before the
    # Host check); on a path-only route the missing Host is the 400 it is today
    assert status_on(server, "", "/chat", omit=("host",)) == 404
    assert status_on(server, "", "/echo", omit=("host",)) == 400
    expect_deltas(server, before, {rejected("not_found"): 7, rejected("bad_upgrade"): 1})


def test_wildcard_hosts_and_precedence(wshub):
    server = wshub("--route", "*.example.com/w=echo", "--route", "*.eu.example.com/w=json",
                   "--route", "exact.eu.example.com/w=raw")
    for host in ("a.example.com", "a.b.example.com", "eu.example.com", "A.Example.Com:99"):
        c = open_on(server, host, "/w")
        assert echoes(c), host
        c.close()
    for host in ("x.eu.example.com", "y.x.EU.example.com"):
        c = open_on(server, host, "/w")
        assert welcome(c) == "welcome", host
        c.close()
    exact = open_on(server, "exact.eu.example.com", "/w")
    exact.send_text("ping")
    with pytest.raises(OSError):
        exact.recv_frame(timeout=0.3)  # raw
    exact.close()
    for host in ("example.com", ".example.com", "example.com.evil", "aexample.com"):
        assert status_on(server, host, "/w") == 404, host


def test_rooms_of_each_host_are_their_own(wshub, tmp_path):
    token = tmp_path / "publish.token"
    token.write_text("pub-token-of-some-length\n")
    server = wshub("--route", "a.example/r=raw", "--route", "b.example/r=raw", "--route", "/r=raw",
                   "--route", "c.example/r=raw,rooms=shared", "--route", "/s=raw,rooms=shared",
                   "--publish-token-file", str(token))
    a1, a2 = open_on(server, "a.example", "/r?room=x"), open_on(server, "a.example:1", "/r?room=x")
    b = open_on(server, "b.example", "/r?room=x")
    anyhost = open_on(server, "elsewhere", "/r?room=x")
    c = open_on(server, "c.example", "/r?room=x")
    s = open_on(server, "elsewhere", "/s?room=x")
    a1.send_text("from a")
    assert a2.recv_frame().payload == b"from a"
    c.send_text("from c")
    assert s.recv_frame().payload == b"from c"  # rooms=shared: one namespace
    for quiet in (b, anyhost, c, s):
        with pytest.raises(OSError):
            f = quiet.recv_frame(timeout=0.3)
            pytest.fail(f"a frame crossed hosts: {f!r}")
    # /publish names a host route's own namespace HOST/PATH
    resp = http_exchange(server, publish_request(f"{server.host}:{server.port}", "x", "to b", "pub-token-of-some-length",
                                                 ns="b.example/r"))
    assert resp.status == 200, resp
    assert b.recv_frame().payload == b"to b"
    for quiet in (a1, a2, anyhost):
        with pytest.raises(OSError):
            quiet.recv_frame(timeout=0.3)
    for conn in (a1, a2, b, anyhost, c, s):
        conn.close()


def start_line(server):
    """The start log line. It follows the listeners, which may answer the
    readiness probe a moment before it is written: waited for, bounded."""
    deadline = time.monotonic() + T
    while True:
        start = [line for line in server.stderr.splitlines() if " start " in line]
        if start:
            return start[0]
        assert time.monotonic() < deadline, server.stderr
        time.sleep(0.02)


def test_start_log_shows_each_route_whole(wshub, tmp_path):
    secret = tmp_path / "jwt.secret"
    secret.write_text("a-secret-of-some-length\n")
    server = wshub("--route", "Chat.Example.com/ws=json,compress", "--route", "*.example.com/ws=raw",
                   "--route", "/admin=json,scope=admin:write,auth,rooms=ops", "--route", "/lobby=json,rooms=ops,anonymous",
                   "--jwt-secret-file", str(secret))
    line = start_line(server)
    assert ('routes="chat.example.com/ws=json,compress *.example.com/ws=raw '
            '/admin=json,auth,scope=admin:write,rooms=ops /lobby=json,rooms=ops,anonymous"') in line, line


@pytest.mark.parametrize("spec, words", [
    ("[::1]/ws=echo", ["expected PATH=MODE"]),
    ("a..example/ws=echo", ["expected PATH=MODE"]),
    ("a.example:8080/ws=echo", ["expected PATH=MODE"]),
    ("a.*.example/ws=echo", ["expected PATH=MODE"]),
])
def test_bad_hosts_refused_at_start(spec, words):
    assert_startup_error(["--route", spec], words)


def test_same_host_and_path_twice_refused_at_start():
    line = assert_startup_error(["--route", "a.example/ws=echo", "--route", "A.EXAMPLE/ws=json"], ["twice"])
    assert "a.example/ws is given twice" in line, line


def test_environment_list_keeps_options_with_their_route(wshub):
    server = wshub(env={"WSHUB_ROUTE": "a.example/ws=echo,compress,/ws=json,rooms=lobby,/raw=raw"})
    line = start_line(server)
    assert 'routes="a.example/ws=echo,compress /ws=json,rooms=lobby /raw=raw"' in line, line
    c = open_on(server, "a.example", "/ws")
    assert echoes(c)
    c.close()
    j = open_on(server, "b.example", "/ws")
    assert welcome(j) == "welcome"
    j.close()


def test_unrouted_host_request_is_refused_like_any_404(wshub):
    """The 404's framing (Content-Length, Connection: close, then EOF) is
    every refusal's."""
    server = wshub("--route", "a.example/ws=echo")
    with RawClient(server.host, server.port) as c:
        c.send(upgrade_request("b.example", path="/ws"))
        resp = c.read_http_response()
        assert resp.status == 404, resp
        check_refusal(c, resp)
