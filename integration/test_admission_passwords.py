"""Admission by room password (README "Admission", .auth-spec.md): raw and
json joins, passwords from flags, a file and the environment, the warning
for passwords on the command line, bad values at startup; and every
admission secret (the JWT secret, tokens, room passwords) kept out of the
logs, text and json, redacted where a URL carried it.

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

from wshub_test import jwt
from wshub_test.admission import (
    auth_failure,
    bearer,
    expect_deltas,
    joins_forbidden,
    refused,
    rejected,
    snapshot,
    upgrade_ok,
)
from wshub_test.binary import assert_startup_error
from wshub_test.client import upgrade_attempt
from wshub_test.frames import OP_TEXT
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
    p.chmod(0o600)  # else it is warned about as open to others (test_reload.py)
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


# ======================================================== startup errors
@pytest.mark.parametrize("value", ["vip", "=Zq9RoomSecret", "vip="], ids=["no_equals", "no_room", "no_secret"])
def test_bad_room_password(value):
    assert_startup_error(["--room-password", value], ["--room-password"], secret="Zq9RoomSecret")


def test_bad_room_password_file(tmp_path):
    assert_startup_error(["--room-password-file", str(tmp_path / "absent")], ["--room-password-file"])
    p = tmp_path / "rooms"
    p.write_text("vip=s3cret\nthis line has no equals sign\n")
    assert_startup_error(["--room-password-file", str(p)], ["--room-password-file"], secret="s3cret")


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
