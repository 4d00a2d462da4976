"""POST /publish?room=R&ns=N (README "Operations: POST /publish"): a back
end's message to a room of one route's namespace, token-protected, delivered
by the hub as that route's mode has it read (raw members: as is; json
members: in the message envelope); every refusal with its exact status,
headers and count."""

import base64
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from wshub_test import T
from wshub_test.client import RawClient, http_exchange, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_TEXT
from wshub_test.jwt import Minter
from wshub_test.members import member, member_on_worker, room_path
from wshub_test.metrics import scrape

TOKEN = "pub-" + os.urandom(12).hex()


@pytest.fixture
def token_file(tmp_path):
    p = tmp_path / "publish.token"
    p.write_text(TOKEN + "\n")
    return str(p)


def publish(server, room="news", body=b"", token=TOKEN, ctype="text/plain", method="POST", path=None,
            headers=None, ns="/raw"):
    """One request with http.client: (status, headers {lower name: value},
    body). ns=None: no ns= parameter."""
    conn = http.client.HTTPConnection(server.host, server.port, timeout=T)
    try:
        h = {}
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if ctype:
            h["Content-Type"] = ctype
        h.update(headers or {})
        target = path or "/publish?room=" + urllib.parse.quote(room, safe="")
        if not path and ns is not None:
            target += "&ns=" + urllib.parse.quote(ns, safe="/")
        conn.request(method, target, body=body if method != "GET" else None, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


def ok(server, room, body, **kw):
    status, headers, data = publish(server, room, body, **kw)
    assert status == 200, (status, data)
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    return json.loads(data)


def json_member(server, room):
    c = open_ws(server, "/ws")
    assert json.loads(c.recv_frame().payload)["type"] == "welcome"
    c.send_text(json.dumps({"type": "join", "room": room}))
    joined = json.loads(c.recv_frame().payload)
    assert joined["type"] == "joined", joined
    return c


def next_data(client, timeout=T):
    """The next data frame, skipping json presence events (raw members of a
    room that json members join get them too)."""
    while True:
        f = client.recv_frame(timeout)
        if f.opcode == OP_TEXT and f.payload.startswith(b'{"type":"presence"'):
            continue
        return f


def expect(client, opcode, payload):
    f = next_data(client)
    assert (f.opcode, f.fin, f.payload) == (opcode, True, payload), f


def assert_nothing(client, quiet=0.3):
    with pytest.raises(socket.timeout):
        f = next_data(client, quiet)
        pytest.fail(f"unexpected frame {f!r}")


def counts(server):
    s = scrape(server)
    return {k.split('"')[1]: v for k, v in s.items() if k.startswith("wshub_publish_requests_total{")}


def start(wshub, token_file, *extra):
    return wshub("--workers", "2", "--route", "/raw=raw", "--route", "/ws=json", "--route", "/echo=echo",
                 "--publish-token-file", token_file, *extra)


# -------------------------------------------------------------- delivery


def test_each_namespace_reads_it_in_its_mode(wshub, token_file):
    server = start(wshub, token_file)
    raw0 = member_on_worker(server, 0, "news")
    raw1 = member_on_worker(server, 1, "news")
    js = json_member(server, "news")
    other = member(server, "sports")
    members = [raw0, raw1, js]

    # urllib, a JSON body: raw members read it as is, the json member of the
    # room of the same name on /ws nothing
    req = urllib.request.Request(f"http://{server.host}:{server.port}/publish?room=news&ns=/raw",
                                 data=b'{"price": 42}', method="POST",
                                 headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=T) as r:
        assert r.status == 200
        assert json.loads(r.read()) == {"room": "news", "recipients": 2}
    for c in (raw0, raw1):
        expect(c, OP_TEXT, b'{"price": 42}')
    assert_nothing(js)

    # the same to /ws's namespace: the json member reads the envelope
    before = time.time() * 1000
    assert ok(server, "news", b'{"price": 42}', ns="/ws") == {"room": "news", "recipients": 1}
    env = json.loads(next_data(js).payload)
    assert env.pop("ts") >= before - 1000 and env == {"type": "message", "room": "news", "from": "publish",
                                                      "data": {"price": 42}}, env

    # text that is not JSON: a JSON string for json members
    text = "caf\u00e9 \"au\" lait\n".encode()
    assert ok(server, "news", text) == {"room": "news", "recipients": 2}
    assert ok(server, "news", text, ns="/ws") == {"room": "news", "recipients": 1}
    for c in (raw0, raw1):
        expect(c, OP_TEXT, text)
    assert json.loads(next_data(js).payload)["data"] == text.decode()

    # binary: a binary frame as is; base64 for json members
    blob = bytes(range(256)) * 4
    assert ok(server, "news", blob, ctype="Application/Octet-Stream")["recipients"] == 2
    assert ok(server, "news", blob, ctype="Application/Octet-Stream", ns="/ws")["recipients"] == 1
    for c in (raw0, raw1):
        expect(c, OP_BINARY, blob)
    env = json.loads(next_data(js).payload)
    assert env["encoding"] == "base64" and base64.b64decode(env["data"]) == blob, env

    # an empty body is a message too; a room nobody is in has 0 recipients
    assert ok(server, "news", b"")["recipients"] == 2
    for c in (raw0, raw1):
        expect(c, OP_TEXT, b"")
    assert ok(server, "empty room", b"x") == {"room": "empty room", "recipients": 0}
    assert_nothing(other)
    assert_nothing(js)
    for c in members + [other]:
        c.close_cleanly()
    c = counts(server)
    assert c["200"] == 8 and sum(c.values()) == 8, c


# With rooms in several namespaces a publish must say which; with one route
# that has rooms, it need not.
def test_the_namespace_is_named_when_there_is_a_choice(wshub, token_file):
    server = start(wshub, token_file)
    for ns, why in ((None, b"ns= is required"), ("/nowhere", b"names no route"), ("/echo", None)):
        status, _, data = publish(server, "news", b"x", ns=ns)
        if why:
            assert status == 400 and why in data, (ns, status, data)
        else:
            assert status == 200 and json.loads(data)["recipients"] == 0, (ns, data)
    status, _, data = publish(server, path="/publish?room=news&ns=/raw&ns=/ws", body=b"x")
    assert status == 400 and b"exactly one ns=" in data, data
    alone = wshub("--route", "/raw=raw", "--route", "/echo=echo", "--publish-token-file", token_file)
    m = member(alone, "news")
    assert ok(alone, "news", b"no ns needed", ns=None)["recipients"] == 1
    m.expect_message(OP_TEXT, b"no ns needed")
    m.close_cleanly()


def test_recipients_follow_joins_across_workers(wshub, token_file):
    server = start(wshub, token_file)
    got = [ok(server, "r", b"0")["recipients"]]
    clients = []
    for i in range(4):
        clients.append(member_on_worker(server, i % 2, "r"))
        got.append(ok(server, "r", str(i + 1).encode())["recipients"])
    assert got == [0, 1, 2, 3, 4]
    for i, c in enumerate(clients):
        for n in range(i + 1, 5):
            c.expect_message(OP_TEXT, str(n))  # only what was published after it joined
        assert_nothing(c, 0.1)
        c.close_cleanly()


def test_acknowledged_publishes_arrive_in_order(wshub, token_file):
    """A back end that waits for each answer before the next publish sees its
    messages arrive in that order, whichever worker takes each request: the
    answer goes out only once the message is handed to the subscriber's
    worker, and that worker takes in what it was handed before the next
    request it reads."""
    server = start(wshub, token_file)
    subscribers = [member_on_worker(server, w, "seq") for w in (0, 1)]
    n = 300
    for i in range(n):
        assert ok(server, "seq", str(i).encode())["recipients"] == 2
    for c in subscribers:
        got = [c.recv_frame().payload for _ in range(n)]
        assert got == [str(i).encode() for i in range(n)], next(
            (i, g) for i, g in enumerate(got) if g != str(i).encode())
        c.close_cleanly()


def test_body_in_pieces_expect_continue_and_bytes_after_it(wshub, token_file):
    server = start(wshub, token_file, "--max-message", "64KiB")
    m = member(server, "pieces")
    body = os.urandom(60000)
    head = (f"POST /publish?room=pieces&ns=/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            f"Content-Type: application/octet-stream\r\nContent-Length: {len(body)}\r\n"
            "Expect: 100-continue\r\n\r\n").encode()
    with RawClient(server.host, server.port, timeout=T) as c:
        c.send(head)
        assert c.recv_exact(25) == b"HTTP/1.1 100 Continue\r\n\r\n"
        for i in range(0, len(body), 20000):
            c.send(body[i:i + 20000])
            time.sleep(0.05)
        c.send(b"GET /pipelined HTTP/1.1\r\n\r\n" * 100)  # after the body: ignored
        r = c.read_http_response()
        assert r.status == 200 and json.loads(r.body) == {"room": "pieces", "recipients": 1}, r
    m.expect_message(OP_BINARY, body)
    assert_nothing(m, 0.2)
    # the head and a few bytes of body one byte at a time
    with RawClient(server.host, server.port, timeout=T) as c:
        c.send_bytewise(head.replace(b"Expect: 100-continue\r\n", b"").replace(b"60000", b"3") + b"abc")
        r = c.read_http_response()
        assert r.status == 200, r
    m.expect_message(OP_BINARY, b"abc")
    m.close_cleanly()


@pytest.mark.skipif(not shutil.which("curl"), reason="curl is not installed")
def test_curl_like_the_readme(wshub, token_file):
    server = start(wshub, token_file, "--queue-bytes", "4MiB")
    m = member(server, "news")
    for body in (b'{"score":3}', b"x" * 1500000):  # the second large enough for curl's Expect: 100-continue
        r = subprocess.run(["curl", "-v", "-sS", "--fail-with-body", "-H", f"Authorization: Bearer {TOKEN}",
                            "-H", "Content-Type: application/json", "--data-binary", "@-",
                            f"http://{server.host}:{server.port}/publish?room=news&ns=/raw"],
                           input=body, capture_output=True, timeout=10)
        assert r.returncode == 0, r
        assert json.loads(r.stdout) == {"room": "news", "recipients": 1}
        m.expect_message(OP_TEXT, body)
    assert b"< HTTP/1.1 100 Continue" in r.stderr, r.stderr[-2000:]
    m.close_cleanly()


# -------------------------------------------------------------- refusals


def test_refusals(wshub, token_file):
    server = start(wshub, token_file, "--max-message", "1KiB")
    m = member(server, "news")
    cases = [
        # (name, kwargs, status, header that must be there (name, value) or None, body fragment)
        ("no token", dict(token=None), 401, ("www-authenticate", 'Bearer realm="wshub"'), b"missing"),
        ("wrong token", dict(token=TOKEN + "x"), 401,
         ("www-authenticate", 'Bearer realm="wshub", error="invalid_token"'), b"wrong token"),
        ("prefix of it", dict(token=TOKEN[:-1]), 401, None, b"wrong token"),
        ("basic", dict(token=None, headers={"Authorization": "Basic " + base64.b64encode(b"a:b").decode()}), 401,
         None, b"missing"),
        ("GET", dict(method="GET"), 405, ("allow", "POST"), b"use POST"),
        ("PUT", dict(method="PUT", body=b"x"), 405, ("allow", "POST"), b"use POST"),
        ("no room", dict(path="/publish", body=b"x"), 400, None, b"room= is required"),
        ("empty room", dict(path="/publish?room=", body=b"x"), 400, None, b"room name"),
        ("two rooms", dict(path="/publish?room=a&room=b", body=b"x"), 400, None, b"exactly one"),
        ("bad escape", dict(path="/publish?room=%zz", body=b"x"), 400, None, b"malformed"),
        ("control", dict(path="/publish?room=a%01b", body=b"x"), 400, None, b"room name"),
        ("too long", dict(room="r" * 129, body=b"x"), 400, None, b"room name"),
        ("no ns", dict(ns=None, body=b"x"), 400, None, b"ns= is required"),
        ("unknown ns", dict(ns="/nope", body=b"x"), 400, None, b"names no route"),
        ("too big", dict(body=b"x" * 1025), 413, None, b"--max-message"),
        ("bad utf-8", dict(body=b"\xc3\x28"), 400, None, b"UTF-8"),
        ("bad utf-8, text/plain", dict(body=b"\xff", ctype="text/plain; charset=utf-8"), 400, None, b"UTF-8"),
    ]
    for name, kw, status, header, fragment in cases:
        kw.setdefault("body", b"hello")
        got, headers, data = publish(server, **kw)
        assert got == status, (name, got, data)
        assert headers["connection"] == "close" and fragment in data, (name, headers, data)
        if header:
            assert headers.get(header[0]) == header[1], (name, headers)
    host = f"{server.host}:{server.port}"
    auth = f"Authorization: Bearer {TOKEN}\r\n"
    for name, request, status in [
        ("no Content-Length", f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}\r\n", 411),
        ("chunked", f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}"
                    "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 411),
        ("chunked and a length", f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}"
                                 "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nhello", 411),
        ("bad length", f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 5x\r\n\r\n", 400),
        ("two lengths", f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}"
                        "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello", 400),
    ]:
        r = http_exchange(server, request.encode())
        assert r.status == status, (name, r)
    # 413 is decided from the head: no byte of the body is needed
    with RawClient(server.host, server.port, timeout=T) as c:
        c.send(f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: {host}\r\n{auth}Content-Length: 1000000000\r\n\r\n".encode())
        r = c.read_http_response()
        assert r.status == 413, r
        c.expect_eof()
    assert_nothing(m)
    c = counts(server)
    # (the two bad Content-Lengths are malformed requests, refused before any route)
    assert (c["401"], c["405"], c["400"], c["413"], c["411"], c["200"]) == (4, 2, 10, 2, 3, 0), c
    m.close_cleanly()
    assert TOKEN not in server.stderr
    assert server.stderr.count("reason=") >= 20, server.stderr  # every refusal logged


def test_disabled_without_credentials(wshub):
    server = wshub("--route", "/raw=raw")
    status, _, data = publish(server, body=b"x")
    assert status == 403 and b"not enabled" in data, data
    assert publish(server, method="GET")[0] == 403
    # a route of that name is a route, not the endpoint
    server = wshub("--route", "/publish=echo")
    with open_ws(server, "/publish") as c:
        c.echo_roundtrip("still a route")
        c.close_cleanly()


def test_jwt_with_publish_scope(wshub, tmp_path, token_file):
    secret = "pub-jwt-" + os.urandom(8).hex()
    (tmp_path / "jwt").write_text(secret)
    server = wshub("--route", "/raw=raw", "--jwt-secret-file", str(tmp_path / "jwt"),
                   "--publish-token-file", token_file, "--jwt-audience", "hub")
    mint = Minter(secret)
    m = member(server, "team-a")
    good = mint.token(sub="backend", scope="publish", aud="hub")
    assert ok(server, "team-a", b"1", token=good)["recipients"] == 1
    assert ok(server, "team-a", b"2", token=TOKEN)["recipients"] == 1  # the static token works beside it
    limited = mint.token(sub="b", scope="subscribe publish", rooms=["team-*"], aud="hub")
    assert ok(server, "team-a", b"3", token=limited)["recipients"] == 1
    for n in (b"1", b"2", b"3"):
        m.expect_message(OP_TEXT, n)
    for name, token, status, fragment, challenge in [
        ("subscribe only", mint.token(scope="subscribe", aud="hub"), 403, b"scope", "insufficient_scope"),
        ("no scope", mint.token(aud="hub"), 403, b"scope", "insufficient_scope"),
        ("room not in the claim", mint.token(scope="publish", rooms=["other"], aud="hub"), 403, b"room", None),
        ("expired", mint.token(scope="publish", aud="hub", exp=Minter.now() - 3600), 401, b"expired",
         "invalid_token"),
        ("wrong audience", mint.token(scope="publish", aud="else"), 401, b"wrong_audience", "invalid_token"),
        ("wrong secret", mint.wrong_secret(scope="publish", aud="hub"), 401, b"bad_signature", "invalid_token"),
    ]:
        status_got, headers, data = publish(server, "team-a", b"no", token=token)
        assert status_got == status and fragment in data, (name, status_got, data)
        if challenge:
            assert f'error="{challenge}"' in headers["www-authenticate"], (name, headers)
        else:
            assert "www-authenticate" not in headers, (name, headers)
    assert_nothing(m)
    m.close_cleanly()
    assert good not in server.stderr and good.split(".")[2] not in server.stderr


# ------------------------------------------------------------ with the hub


def test_overflow_policy_applies(wshub, token_file):
    """A member that does not read is closed as a slow consumer by
    publishes, exactly as by a member's messages."""
    server = wshub("--route", "/raw=raw", "--publish-token-file", token_file, "--queue-bytes", "64KiB",
                   "--workers", "1")
    slow = member(server, "flood", rcvbuf=4096)
    body = b"f" * 60000
    closed_at = None
    for i in range(400):  # the kernel's buffers take a few MiB first
        if ok(server, "flood", body)["recipients"] == 0:
            closed_at = i
            break
    assert closed_at is not None, "400 publishes of 60000 bytes never overflowed a 64 KiB queue"
    s = scrape(server)
    assert s["wshub_slow_consumer_closes_total"] == 1, s
    assert s['wshub_connections_closed_total{code="1008"}'] == 1, s
    frames = []
    slow.sock.settimeout(T)
    while True:
        f = slow.recv_frame(T)
        frames.append(f)
        if f.opcode == OP_CLOSE:
            break
    assert frames[-1].close_code == 1008 and frames[-1].close_reason == b"slow consumer"
    assert all(f.payload == body for f in frames[:-1]) and len(frames) - 1 < closed_at
    slow.close()


def test_refused_while_draining(wshub, token_file):
    server = start(wshub, token_file)
    holder = open_ws(server, room_path("news"))  # keeps the drain going: never answers its close
    head = (f"POST /publish?room=news&ns=/raw HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
            "Content-Length: 5\r\n\r\n").encode()
    early = RawClient(server.host, server.port, timeout=T)  # head done, body after the signal
    early.send(head)
    late = RawClient(server.host, server.port, timeout=T)  # head after the signal
    late.send(head[:-2])
    time.sleep(0.3)
    server.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + T
    while "drain_start" not in server.stderr:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    early.send(b"hello")
    late.send(b"\r\nhello")
    for c in (early, late):
        r = c.read_http_response()
        assert r.status == 503 and b"shutting down" in r.body, r
        c.close()
    f = holder.recv_frame(T)
    assert f.opcode == OP_CLOSE and f.close_code == 1001, f  # the publish never reached it
    holder.send_close(1001)
    holder.close()
    assert server.process.wait(5) == 0
