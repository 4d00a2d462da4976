"""Admission, part 2: room passwords, the Origin allow-list, per-connection
message rates, their startup errors, and secrets kept out of the logs
(README "Admission", .auth-spec.md). Tokens are in test_auth.py.

Every refusal is checked for its status and the exact movement of the
admission counters on GET /metrics.
"""

import contextlib
import json
import os
import re
import time
import urllib.parse
import urllib.request

import pytest

from wshub_test import T, jwt
from wshub_test.admission import (
    RATE_LIMITED,
    assert_401,
    auth_failure,
    bearer,
    closed,
    expect_deltas,
    joins_forbidden,
    refused,
    rejected,
    snapshot,
    upgrade_ok,
)
from wshub_test.binary import assert_startup_error, run_wshub
from wshub_test.client import http_exchange, upgrade_attempt
from wshub_test.frames import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, build_frame
from wshub_test.httpmsg import upgrade_request
from wshub_test.jwt import Minter
from wshub_test.wslib import open_json, recv_json, request, run, send_json


def pw_path(*rooms, password=None, route="/raw"):
    q = [("room", r) for r in rooms]
    if password is not None:
        q.append(("room_password", password))
    return route + ("?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote) if q else "")


# ======================================================== room passwords
def start_pw(wshub, *extra, env=None):
    return wshub("--route", "/raw=raw", "--route", "/ws=json", "--route", "/echo=echo",
                 "--room-password", "vip=s3cret", "--room-password", "club=hunter2", *extra, env=env)


def test_room_password_raw(wshub):
    server = start_pw(wshub)
    before = snapshot(server)
    a = upgrade_ok(server, pw_path("vip", password="s3cret"))
    b = upgrade_ok(server, pw_path("vip", password="s3cret"))
    try:
        a.send_text("in the vip room")
        b.expect_message(OP_TEXT, "in the vip room")
    finally:
        a.close()
        b.close()
    expect_deltas(server, before, {})
    bad = [
        pw_path("vip"),                                # missing
        pw_path("vip", password="wrong"),              # wrong
        pw_path("vip", password="S3cret"),             # case matters
        pw_path("vip", password="s3cret "),            # so does every byte
        pw_path("vip", password=""),                   # empty
        pw_path("vip", password="hunter2"),            # another room's
        pw_path("vip", "club", password="s3cret"),     # one password for every room: club's is wrong
        pw_path("open", "club", password="s3cret"),
    ]
    for path in bad:
        refused(server, path, 403)
    expect_deltas(server, before, {joins_forbidden("password"): len(bad)},
                  allow=(rejected("refused_by_mode"),))
    # rooms without a password need none, and ignore one given
    for path in (pw_path("open"), pw_path("open", password="whatever"), pw_path("vip", "open", password="s3cret"),
                 pw_path("club", password="hunter2")):
        upgrade_ok(server, path).close_cleanly()
    expect_deltas(server, before, {joins_forbidden("password"): len(bad)},
                  allow=(rejected("refused_by_mode"),))


def test_room_password_json(wshub):
    server = start_pw(wshub)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            a, _ = await open_json(st, server)
            b, wb = await open_json(st, server)
            for i, extra in enumerate(({}, {"password": "wrong"}, {"password": "hunter2"}, {"password": ""})):
                got = await request(a, {"type": "join", "room": "vip", "ref": i, **extra})
                assert got["type"] == "error" and got["code"] == "forbidden" and got["ref"] == i, (extra, got)
            got = await request(a, {"type": "rooms"})
            assert got["rooms"] == [], got
            got = await request(a, {"type": "join", "room": "vip", "password": "s3cret"})
            assert got["type"] == "joined" and got["room"] == "vip" and got["members"] == 1, got
            got = await request(b, {"type": "join", "room": "vip", "password": "s3cret"})
            assert got["type"] == "joined" and got["members"] == 2, got
            pres = await recv_json(a)
            assert pres["type"] == "presence" and pres["id"] == wb["id"], pres
            await send_json(b, {"type": "message", "room": "vip", "data": "psst"})
            got = await recv_json(a)
            assert got["type"] == "message" and got["data"] == "psst", got
            # a room without a password: none needed
            got = await request(a, {"type": "join", "room": "open"})
            assert got["type"] == "joined", got

    before = snapshot(server)
    run(main())
    expect_deltas(server, before, {joins_forbidden("password"): 4})


def test_room_password_file(wshub, tmp_path):
    p = tmp_path / "rooms"
    p.write_text("# rooms and their passwords\n"
                 "\n"
                 "vip=s3cret\n"
                 "#open=nope\n"
                 "\n"
                 "club=p@ss&w=rd\n")
    server = wshub("--route", "/raw=raw", "--route", "/ws=json", "--room-password-file", str(p))
    before = snapshot(server)
    upgrade_ok(server, pw_path("vip", password="s3cret")).close_cleanly()
    upgrade_ok(server, pw_path("club", password="p@ss&w=rd")).close_cleanly()  # percent-encoded in the URL
    refused(server, pw_path("vip", password="nope"), 403)
    refused(server, pw_path("club", password="p@ss"), 403)
    refused(server, pw_path("club"), 403)
    # the comment line made no room "#open"
    upgrade_ok(server, pw_path("#open")).close_cleanly()

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ws, _ = await open_json(st, server)
            got = await request(ws, {"type": "join", "room": "club", "password": "p@ss&w=rd"})
            assert got["type"] == "joined", got
            got = await request(ws, {"type": "join", "room": "vip", "password": "s3cret!"})
            assert got["type"] == "error" and got["code"] == "forbidden", got
            got = await request(ws, {"type": "join", "room": "#open"})
            assert got["type"] == "joined", got

    run(main())
    expect_deltas(server, before, {joins_forbidden("password"): 4}, allow=(rejected("refused_by_mode"),))
    time.sleep(0.1)
    assert not warning_lines(server.stderr), f"a warning without --room-password on the command line:\n{server.stderr}"


def test_room_password_environment(wshub):
    server = wshub("--route", "/raw=raw", env={"WSHUB_ROOM_PASSWORD": "vip=s3cret,club=hunter2"})
    upgrade_ok(server, pw_path("vip", password="s3cret")).close_cleanly()
    upgrade_ok(server, pw_path("club", password="hunter2")).close_cleanly()
    refused(server, pw_path("vip", password="hunter2"), 403)
    refused(server, pw_path("club"), 403)


def warning_lines(stderr):
    """Lines that warn about --room-password on the command line."""
    return [l for l in stderr.splitlines()
            if "room-password" in l and re.search(r"\bps\b|visible|warn|command line|command-line", l, re.I)]


def test_room_password_on_command_line_warns(wshub):
    server = start_pw(wshub)
    deadline = time.monotonic() + 2
    while not warning_lines(server.stderr) and time.monotonic() < deadline:
        time.sleep(0.05)
    err = server.stderr
    assert warning_lines(err), f"no warning about --room-password on stderr:\n{err}"
    for secret in ("s3cret", "hunter2"):
        assert secret not in err, f"the warning shows the password {secret!r}:\n{err}"


# =============================================================== origins
def start_origin(wshub, *extra):
    return wshub("--route", "/echo=echo", "--allow-origin", "https://app.example.com",
                 "--allow-origin", "https://*.example.org", *extra)


ALLOWED = ["https://app.example.com", "HTTPS://APP.EXAMPLE.COM", "https://App.Example.Com",
           "https://a.example.org", "https://a.b.example.org", "https://A.EXAMPLE.ORG",
           "https://x-y.example.org"]

REFUSED = ["https://example.org", "http://a.example.org", "https://a.example.org:8443",
           "https://evil-example.org", "https://a.example.org.evil.net", "https://xexample.org",
           "http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.net",
           "https://other.example.com", "https://example.com", "null", "https://evil.test",
           "wss://a.example.org", "https://app.example.co"]


@pytest.mark.parametrize("origin", ALLOWED)
def test_origin_allowed(wshub, origin):
    server = start_origin(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo", headers=[("Origin", origin)])
    c.echo_roundtrip("from " + origin)
    c.close_cleanly()
    expect_deltas(server, before, {})


@pytest.mark.parametrize("origin", REFUSED)
def test_origin_refused(wshub, origin):
    server = start_origin(wshub)
    before = snapshot(server)
    resp = refused(server, "/echo", 403, headers=[("Origin", origin)], body="origin not allowed")
    assert resp.reason == "Forbidden", resp.status_line
    expect_deltas(server, before, {rejected("origin"): 1})


def test_no_origin_allowed_by_default(wshub):
    server = start_origin(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    c.echo_roundtrip()
    c.close_cleanly()
    expect_deltas(server, before, {})


def test_require_origin_refuses_missing_origin(wshub):
    server = start_origin(wshub, "--require-origin", "true")
    before = snapshot(server)
    refused(server, "/echo", 403)
    refused(server, "/echo", 403, headers=[("Origin", "https://evil.test")], body="origin not allowed")
    c = upgrade_ok(server, "/echo", headers=[("Origin", "https://app.example.com")])
    c.echo_roundtrip()
    c.close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 2})


def test_require_origin_without_allow_list(wshub):
    server = wshub("--route", "/echo=echo", "--require-origin", "true")
    before = snapshot(server)
    refused(server, "/echo", 403)
    c = upgrade_ok(server, "/echo", headers=[("Origin", "https://anything.test")])
    c.close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 1})


def test_require_origin_false_is_the_default(wshub):
    server = start_origin(wshub, "--require-origin", "false")
    upgrade_ok(server, "/echo").close_cleanly()
    refused(server, "/echo", 403, headers=[("Origin", "https://evil.test")])


def test_any_origin_without_allow_list(wshub):
    server = wshub("--route", "/echo=echo")
    before = snapshot(server)
    for origin in ("https://evil.test", "null", "http://localhost:3000"):
        c = upgrade_ok(server, "/echo", headers=[("Origin", origin)])
        c.close_cleanly()
    expect_deltas(server, before, {})


def test_allow_origin_null(wshub):
    server = wshub("--route", "/echo=echo", "--allow-origin", "null", "--allow-origin", "http://localhost:3000")
    upgrade_ok(server, "/echo", headers=[("Origin", "null")]).close_cleanly()
    upgrade_ok(server, "/echo", headers=[("Origin", "http://localhost:3000")]).close_cleanly()
    refused(server, "/echo", 403, headers=[("Origin", "http://localhost:3001")])
    refused(server, "/echo", 403, headers=[("Origin", "http://localhost")])


def test_metrics_and_health_unaffected_by_origin(wshub):
    server = start_origin(wshub, "--require-origin", "true")
    before = snapshot(server)  # itself a request without Origin
    for headers in ({"Origin": "https://evil.test"}, {}):
        for path in ("/metrics", "/healthz", "/readyz"):
            req = urllib.request.Request(f"http://{server.host}:{server.port}{path}", headers=headers)
            with urllib.request.urlopen(req, timeout=3) as r:
                assert r.status == 200, (path, headers, r.status)
    expect_deltas(server, before, {})


def test_origin_checked_before_token(wshub, tmp_path):
    p = tmp_path / "s"
    p.write_text("origin-order-secret\n")
    server = wshub("--route", "/p=echo,auth", "--jwt-secret-file", str(p), "--allow-origin", "https://app.example.com")
    before = snapshot(server)
    refused(server, "/p", 403, headers=[("Origin", "https://evil.test")], body="origin not allowed")
    good = Minter("origin-order-secret").token()
    refused(server, "/p", 403, headers=[("Origin", "https://evil.test"), bearer(good)], body="origin not allowed")
    expect_deltas(server, before, {rejected("origin"): 2})
    resp, _ = upgrade_attempt(server, "/p", headers=[("Origin", "https://app.example.com")])
    assert_401(resp, "missing", False)
    upgrade_ok(server, "/p", headers=[("Origin", "https://app.example.com"), bearer(good)]).close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 2, rejected("unauthorized"): 1, auth_failure("missing"): 1})


def test_origin_checked_after_route_and_upgrade_headers(wshub):
    server = start_origin(wshub)
    host = f"{server.host}:{server.port}"
    evil = [("Origin", "https://evil.test")]
    resp = http_exchange(server, upgrade_request(host, path="/nowhere", extra_headers=evil))
    assert resp.status == 404, resp
    resp = http_exchange(server, upgrade_request(host, path="/echo", version="8", extra_headers=evil))
    assert resp.status == 426, resp
    resp = http_exchange(server, upgrade_request(host, path="/echo", omit=("upgrade",), extra_headers=evil))
    assert resp.status == 400, resp


# ================================================================= rates
def start_rate(wshub, *extra):
    return wshub("--route", "/echo=echo", "--route", "/raw=raw", "--route", "/ws=json",
                 "--max-msg-rate", "5", "--max-msg-burst", "5", *extra)


def read_until_close(c, timeout=T):
    """Data frames received before the close frame, and the close frame."""
    got = []
    deadline = time.monotonic() + timeout
    while True:
        f = c.recv_frame(max(0.01, deadline - time.monotonic()))
        if f.opcode == OP_CLOSE:
            c.expect_eof()
            return got, f
        got.append(f)


def assert_rate_close(f):
    assert f.close_code == 1008, f"close {f.close_code} {f.close_reason!r}, wanted 1008"
    assert f.close_reason == b"rate limit exceeded", f.close_reason


def burst(c, texts):
    """Sends all `texts` in one write, as masked text frames."""
    c.send(b"".join(build_frame(OP_TEXT, t.encode()) for t in texts))


def test_rate_limit_echo(wshub):
    server = start_rate(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    try:
        msgs = [f"m{i}" for i in range(1, 7)]
        burst(c, msgs)
        got, f = read_until_close(c)
        texts = [g.payload.decode() for g in got]
        assert texts == msgs[:len(texts)] and len(texts) <= 5, f"echoes before the close: {texts}"
        assert_rate_close(f)
    finally:
        c.close()
    expect_deltas(server, before, {RATE_LIMITED: 1})
    expect_deltas(server, before, {closed("1008"): 1}, families=("wshub_connections_closed_total",))


def test_rate_limit_raw(wshub):
    server = start_rate(wshub)
    a = upgrade_ok(server, "/raw?room=r")
    b = upgrade_ok(server, "/raw?room=r")
    before = snapshot(server)
    try:
        msgs = [f"m{i}" for i in range(1, 7)]
        burst(a, msgs)
        got, f = read_until_close(a)
        assert got == [], f"the publisher received {got!r}"
        assert_rate_close(f)
        for m in msgs[:5]:
            b.expect_message(OP_TEXT, m)
        with pytest.raises(TimeoutError):
            f = b.recv_frame(timeout=0.3)
            raise AssertionError(f"the member also received {f!r}")
        b.close_cleanly()  # the other member is unaffected
    finally:
        a.close()
        b.close()
    expect_deltas(server, before, {RATE_LIMITED: 1})


def test_rate_limit_json(wshub):
    server = start_rate(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/ws")
    try:
        welcome = json.loads(c.recv_frame().payload)
        assert welcome["type"] == "welcome", welcome
        burst(c, [json.dumps({"type": "rooms", "ref": i}) for i in range(6)])
        got, f = read_until_close(c)
        refs = [json.loads(g.payload)["ref"] for g in got]
        assert refs == list(range(len(refs))) and len(refs) <= 5, f"answers before the close: {refs}"
        assert_rate_close(f)
    finally:
        c.close()
    expect_deltas(server, before, {RATE_LIMITED: 1})


def test_rate_paced_client_stays_open(wshub):
    server = start_rate(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    try:
        burst(c, [f"b{i}" for i in range(5)])  # the whole bucket at once
        for i in range(5):
            c.expect_message(OP_TEXT, f"b{i}")
        # then 4 per second (the rate is 5) for 1.5 s
        for i in range(6):
            time.sleep(0.25)
            c.echo_roundtrip(f"p{i}")
        c.close_cleanly()
    finally:
        c.close()
    expect_deltas(server, before, {})


def test_rate_refills_after_a_pause(wshub):
    server = start_rate(wshub)
    c = upgrade_ok(server, "/echo")
    try:
        for round_ in range(2):
            burst(c, [f"r{round_}-{i}" for i in range(5)])
            for i in range(5):
                c.expect_message(OP_TEXT, f"r{round_}-{i}")
            time.sleep(1.1)  # 5 per second: full again
        c.close_cleanly()
    finally:
        c.close()


def test_rate_pings_do_not_count(wshub):
    server = start_rate(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    try:
        c.send(b"".join(build_frame(OP_PING, f"p{i}".encode()) for i in range(12)))
        for i in range(12):
            f = c.recv_frame()
            assert f.opcode == OP_PONG and f.payload == f"p{i}".encode(), f
        burst(c, [f"m{i}" for i in range(5)])
        for i in range(5):
            c.expect_message(OP_TEXT, f"m{i}")
        c.close_cleanly()
    finally:
        c.close()
    expect_deltas(server, before, {})


def test_rate_burst_defaults_to_rate(wshub):
    server = wshub("--route", "/echo=echo", "--max-msg-rate", "3")
    c = upgrade_ok(server, "/echo")
    try:
        burst(c, ["a", "b", "c"])
        for m in "abc":
            c.expect_message(OP_TEXT, m)
        time.sleep(1.2)
        burst(c, ["d", "e", "f", "g"])
        got, f = read_until_close(c)
        assert [g.payload for g in got] == [b"d", b"e", b"f"][:len(got)], got
        assert_rate_close(f)
    finally:
        c.close()


def test_rate_burst_larger_than_rate(wshub):
    server = wshub("--route", "/echo=echo", "--max-msg-rate", "2", "--max-msg-burst", "8")
    c = upgrade_ok(server, "/echo")
    try:
        burst(c, [f"m{i}" for i in range(8)])
        for i in range(8):
            c.expect_message(OP_TEXT, f"m{i}")
        burst(c, ["over"])
        got, f = read_until_close(c)
        assert got == [], got
        assert_rate_close(f)
    finally:
        c.close()


def test_no_rate_limit_by_default(wshub):
    server = wshub("--route", "/echo=echo")
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    try:
        burst(c, [f"m{i}" for i in range(300)])
        for i in range(300):
            c.expect_message(OP_TEXT, f"m{i}")
        c.close_cleanly()
    finally:
        c.close()
    expect_deltas(server, before, {})


# ======================================================== startup errors
BAD_ORIGINS = ["example.com", "https://example.com/", "https://example.com/path", "https://user@example.com",
               "HTTPS://example.com", "https://a.*.example.com", "https://example.com?x=1", "*",
               "https://*", "https://", "", "https://example.com#f", "https://*example.com"]


@pytest.mark.parametrize("pattern", BAD_ORIGINS)
def test_bad_allow_origin(pattern):
    assert_startup_error(["--route", "/echo=echo", "--allow-origin", pattern], ["--allow-origin"])


@pytest.mark.parametrize("value", ["vip", "=Zq9RoomSecret", "vip="], ids=["no_equals", "no_room", "no_secret"])
def test_bad_room_password(value):
    assert_startup_error(["--room-password", value], ["--room-password"], secret="Zq9RoomSecret")


def test_bad_room_password_file(tmp_path):
    assert_startup_error(["--room-password-file", str(tmp_path / "absent")], ["--room-password-file"])
    p = tmp_path / "rooms"
    p.write_text("vip=s3cret\nthis line has no equals sign\n")
    assert_startup_error(["--room-password-file", str(p)], ["--room-password-file"], secret="s3cret")


@pytest.mark.parametrize("flag,value", [("--max-msg-rate", "abc"), ("--max-msg-rate", "-1"),
                                        ("--max-msg-burst", "many"), ("--require-origin", "maybe")])
def test_bad_admission_flag_values(flag, value):
    assert_startup_error([flag, value], [flag])


def test_help_lists_the_admission_flags():
    r = run_wshub("--help")
    assert r.returncode == 0, r
    for flag in ("--room-password", "--room-password-file", "--allow-origin", "--require-origin",
                 "--max-msg-rate", "--max-msg-burst"):
        assert re.search(r"^\s*" + re.escape(flag) + r"\b(?!-)", r.stdout, re.M), f"{flag} missing from --help"


# ==================================================== secrets never logged
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_secrets_never_in_logs(wshub, tmp_path, log_format):
    secret = "LogSecret-" + os.urandom(10).hex()
    file_pw = "FilePw-" + os.urandom(6).hex()
    cmd_pw = "CmdPw-" + os.urandom(6).hex()
    wrong_pws = ["WrongPw-" + os.urandom(6).hex() for _ in range(4)]
    sp = tmp_path / "jwt"
    sp.write_text(secret + "\n")
    rp = tmp_path / "rooms"
    rp.write_text(f"vip={file_pw}\n")
    server = wshub("--route", "/p=json,auth", "--route", "/r=raw,auth", "--route", "/raw=raw",
                   "--route", "/ws=json", "--jwt-secret-file", str(sp), "--room-password-file", str(rp),
                   "--room-password", f"club={cmd_pw}", "--subprotocol", "wshub", "--workers", "2",
                   "--log-format", log_format, "--log-level", "debug")
    m = Minter(secret)
    good = [m.token(sub=f"user{i}") for i in range(6)]
    bad = [jwt.mint(m.claims(sub="bad0"), secret + "x"), m.token(sub="bad1", exp=Minter.now() - 3600),
           jwt.mint(m.claims(sub="bad2"), secret, header={"alg": "none"}), m.token(sub="bad3", rooms="x"),
           m.token(sub="bad4", nbf=Minter.now() + 3600), "garbage-token-" + os.urandom(8).hex()]
    tokens = good + bad
    before = snapshot(server)

    # good tokens, each transport
    for c in (upgrade_ok(server, "/p", headers=[bearer(good[0])]),
              upgrade_ok(server, "/p", protocols=["wshub", "bearer." + good[1]]),
              upgrade_ok(server, "/p?token=" + good[2])):
        welcome = json.loads(c.recv_frame().payload)
        assert welcome["type"] == "welcome" and welcome["user"].startswith("user"), welcome
        c.close_cleanly()
    upgrade_ok(server, pw_path("vip", password=file_pw, route="/r") + "&token=" + good[3]).close_cleanly()
    # bad tokens, each transport
    for i, b in enumerate(bad):
        kind = i % 3
        if kind == 0:
            resp, _ = upgrade_attempt(server, "/p", headers=[bearer(b)])
        elif kind == 1:
            resp, _ = upgrade_attempt(server, "/p", protocols=["wshub", "bearer." + b])
        else:
            resp, _ = upgrade_attempt(server, "/r?room=vip&token=" + b)
        assert resp.status == 401, resp
    # a good token, a wrong password; a token in a URL refused for other reasons
    refused(server, pw_path("vip", password=wrong_pws[0], route="/r") + "&token=" + good[4], 403)
    refused(server, "/nowhere?token=" + good[5] + "&room_password=" + wrong_pws[1], 404)
    refused(server, "/raw?room=&room_password=" + wrong_pws[2], 400)
    # room passwords, raw and json
    upgrade_ok(server, pw_path("club", password=cmd_pw)).close_cleanly()
    refused(server, pw_path("club", password=wrong_pws[3]), 403)
    refused(server, pw_path("vip", password=cmd_pw), 403)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ws, _ = await open_json(st, server)
            for pw, want in ((wrong_pws[0], "error"), (file_pw, "joined")):
                got = await request(ws, {"type": "join", "room": "vip", "password": pw})
                assert got["type"] == want, got
            ws2, _ = await open_json(st, server, "/p", headers={"Authorization": "Bearer " + good[0]})
            got = await request(ws2, {"type": "join", "room": "club", "password": wrong_pws[1]})
            assert got["type"] == "error", got

    run(main())
    expect_deltas(server, before, {rejected("unauthorized"): len(bad), joins_forbidden("password"): 5,
                                   auth_failure("bad_signature"): 1, auth_failure("expired"): 1,
                                   auth_failure("bad_alg"): 1, auth_failure("bad_claims"): 1,
                                   auth_failure("not_yet_valid"): 1, auth_failure("malformed"): 1},
                  allow=(rejected("refused_by_mode"), rejected("not_found")))
    assert server.stop() == 0
    err = server.stderr
    leaks = []
    for name, value in [("jwt secret", secret), ("file password", file_pw), ("command-line password", cmd_pw)] + \
                       [(f"wrong password {i}", w) for i, w in enumerate(wrong_pws)]:
        if value in err:
            leaks.append(name)
    for i, t in enumerate(tokens):
        parts = t.split(".")
        if t in err:
            leaks.append(f"token {i}")
        elif len(parts) == 3 and (parts[1] in err or (parts[2] and parts[2] in err)):
            leaks.append(f"a segment of token {i}")
    assert not leaks, f"stderr shows {leaks}:\n{err[-6000:]}"
    for key in ("token=", "room_password="):
        for mo in re.finditer(re.escape(key), err):
            after = err[mo.end():mo.end() + 8]
            assert after.startswith("REDACTED"), f"{key} not redacted in the log: {err[max(0, mo.start() - 80):mo.end() + 40]!r}"
    assert err.count("REDACTED") >= 4, err  # the URLs with secrets were logged, redacted
    if log_format == "json":
        for line in err.splitlines():
            assert isinstance(json.loads(line), dict), line
    print(f"stderr ({len(err)} bytes):\n{err[-3000:]}")
