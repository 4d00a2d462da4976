"""SIGHUP (README "Drain and signals", "Admission: rotating the JWT secret"):
the server reads its files of secrets again (every --jwt-secret-file,
--publish-token-file, --room-password-file) and nothing else, each item on
its own, a bad file keeping that item's old values; it logs one `reload`
line and keeps running, connections open; it warns about secrets' files
that group or others may read or write; a SIGHUP during the drain leaves
the drain alone."""

import contextlib
import os
import re
import signal
import threading
import time

import pytest

from wshub_test import T
from wshub_test.admission import assert_401, bearer, upgrade_ok
from wshub_test.client import RawClient, http_exchange, open_ws, upgrade_attempt
from wshub_test.frames import OP_CLOSE, OP_TEXT
from wshub_test.httpmsg import publish_request
from wshub_test.jwt import Minter
from wshub_test.wslib import join, open_json, recv_json, request, run

OLD = "old-secret-" + os.urandom(8).hex()
NEW = "new-secret-" + os.urandom(8).hex()
TOKEN_A = "publish-token-a-" + os.urandom(8).hex()
TOKEN_B = "publish-token-b-" + os.urandom(8).hex()


def write_secret(path, text, mode=0o600):
    """As the README says to: a whole new file renamed over the old one, so
    a reload never reads half of it."""
    tmp = str(path) + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def reload_lines(server):
    return [l for l in server.stderr.splitlines() if l.split(" ", 3)[2:3] == ["reload"]]


def hup(server):
    """Sends SIGHUP and returns the reload line it gave."""
    before = len(reload_lines(server))
    server.process.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + T
    while len(reload_lines(server)) == before:
        assert server.process.poll() is None, f"exited {server.process.returncode} on SIGHUP:\n{server.stderr}"
        assert time.monotonic() < deadline, f"no reload line after SIGHUP:\n{server.stderr}"
        time.sleep(0.01)
    return reload_lines(server)[before]


def fields(line):
    """A text log line's key=value fields (values unquoted, escapes left)."""
    return {k: v.strip('"') for k, v in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line)}


class Secrets:
    """A server's files of secrets under tmp_path: jwt.current and jwt.next
    (both holding OLD to begin with), publish.token (TOKEN_A) and rooms
    (vip=one)."""

    def __init__(self, tmp_path):
        self.current, self.next = tmp_path / "jwt.current", tmp_path / "jwt.next"
        self.token, self.rooms = tmp_path / "publish.token", tmp_path / "rooms"
        write_secret(self.current, OLD + "\n")
        write_secret(self.next, OLD + "\n")
        write_secret(self.token, TOKEN_A + "\n")
        write_secret(self.rooms, "vip=one\n")

    def flags(self):
        return ("--jwt-secret-file", str(self.current), "--jwt-secret-file", str(self.next),
                "--publish-token-file", str(self.token), "--room-password-file", str(self.rooms))


def start(wshub, secrets, *extra):
    return wshub("--route", "/ws=json,auth", "--route", "/raw=raw", *secrets.flags(), *extra)


def upgrade_status(server, secret, path="/ws"):
    resp, c = upgrade_attempt(server, path, headers=[bearer(Minter(secret).token(sub="u"))])
    if c is not None:
        c.close()
    return resp.status


def publish_status(server, token, room="vip", body="hi"):
    return http_exchange(server, publish_request(f"{server.host}:{server.port}", room, body, token, ns="/raw")).status


def raw_join_status(server, password):
    resp, c = upgrade_attempt(server, f"/raw?room=vip&room_password={password}")
    if c is not None:
        c.close()
    return resp.status


# ------------------------------------------------------------------ signals
def test_sighup_keeps_serving_then_sigterm_exits_0(wshub):
    """SIGHUP no longer ends the process: a connection opened before it goes
    on working, new ones are accepted, and SIGTERM still drains and exits 0
    (the fixture checks the exit status at teardown)."""
    server = wshub("--route", "/echo=echo")
    before = open_ws(server)
    line = hup(server)
    assert " info reload " in line and fields(line).get("signal") == "SIGHUP", line
    assert fields(line).get("msg") == "no file of secrets to read again", line
    before.echo_roundtrip("across the hup")
    after = open_ws(server)
    after.echo_roundtrip("after the hup")
    for c in (before, after):
        c.close_cleanly()
    assert server.stop(signal.SIGTERM) == 0
    assert "drain_done" in server.stderr and "drain_abort" not in server.stderr, server.stderr


def test_sighup_during_the_drain_leaves_it_alone(wshub, tmp_path):
    """A SIGHUP while draining reloads (it is not a second stop signal): the
    client that has its 1001 keeps the drain going, then answers it, and the
    drain ends as drains do: exit 0, nothing cut, no drain_abort."""
    secrets = Secrets(tmp_path)
    server = start(wshub, secrets, "--drain-timeout", "30s", "--close-timeout", "30s")
    holder = open_ws(server, "/raw?room=r")
    server.process.send_signal(signal.SIGTERM)
    f = holder.recv_frame(T)
    assert f.opcode == OP_CLOSE and f.close_code == 1001, f
    write_secret(secrets.next, NEW)
    line = hup(server)
    assert fields(line)["jwt_secrets"] == "2", line
    time.sleep(0.3)
    assert server.process.poll() is None, f"the drain ended on SIGHUP:\n{server.stderr}"
    holder.send_close(1001)
    holder.expect_eof(T)
    holder.close()
    assert server.process.wait(T) == 0
    err = server.stderr
    assert "drain_abort" not in err and "forced=0" in err, err


def test_many_sighups_while_clients_upgrade(wshub, tmp_path):
    """SIGHUPs in a burst, some arriving while a reload runs, with one file
    swapping between two secrets and the other always OLD: every upgrade with
    an OLD token is let in throughout, the server survives every one, and
    every reload line says what it read."""
    secrets = Secrets(tmp_path)
    server = start(wshub, secrets, "--workers", "2")
    stop, outcomes = threading.Event(), []

    def upgrades():
        while not stop.is_set():
            outcomes.append(upgrade_status(server, OLD))

    t = threading.Thread(target=upgrades)
    t.start()
    try:
        for i in range(40):
            write_secret(secrets.next, NEW if i % 2 else OLD)
            server.process.send_signal(signal.SIGHUP)
            time.sleep(0.005)
        hup(server)  # and the last one seen through
    finally:
        stop.set()
        t.join(T)
    assert outcomes and set(outcomes) == {101}, sorted(set(outcomes))
    lines = reload_lines(server)
    assert 1 <= len(lines) <= 41, len(lines)
    for line in lines:
        f = fields(line)
        assert (f["jwt_secrets"], f["publish_token"], f["room_passwords"]) == ("2", "ok", "1"), line


# ----------------------------------------------------------------- rotation
def test_rotating_the_jwt_secret(wshub, tmp_path):
    """The README's rotation, step by step, with both files listed from the
    start: the new secret in jwt.next and HUP (both accepted), then the new
    secret in jwt.current too and HUP (the old one refused). A connection
    admitted with an OLD token stays open throughout; its refresh is judged
    by the secrets of the moment."""
    secrets = Secrets(tmp_path)
    server = start(wshub, secrets)
    old, new = Minter(OLD), Minter(NEW)
    assert upgrade_status(server, OLD) == 101 and upgrade_status(server, NEW) == 401

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ws, welcome = await open_json(st, server, headers=[bearer(old.token(sub="ann"))])
            assert welcome["user"] == "ann", welcome

            write_secret(secrets.next, NEW + "\n")
            line = hup(server)
            assert fields(line)["jwt_secrets"] == "2" and " info " in line, line
            assert upgrade_status(server, OLD) == 101 and upgrade_status(server, NEW) == 101

            write_secret(secrets.current, NEW + "\n")
            line = hup(server)
            assert fields(line)["jwt_secrets"] == "2", line
            assert upgrade_status(server, NEW) == 101
            resp, _ = upgrade_attempt(server, "/ws", headers=[bearer(old.token(sub="u"))])
            assert_401(resp, "bad_signature", had_token=True)

            # Admitted with the old secret, still open and still ann.
            got = await join(ws, "lobby")
            assert got["members"] == 1, got
            got = await request(ws, {"type": "refresh", "token": old.token(sub="ann"), "ref": 1})
            assert got["type"] == "error" and got["code"] == "bad_token" and "bad_signature" in got["message"], got
            got = await request(ws, {"type": "refresh", "token": new.token(sub="ann"), "ref": 2})
            assert got == {"type": "refreshed", "ref": 2}, got

    run(main())
    # Publishing with a JWT follows the same secrets.
    assert publish_status(server, new.token(sub="svc", scope="publish")) == 200
    assert publish_status(server, old.token(sub="svc", scope="publish")) == 401
    for secret in (OLD, NEW):
        assert secret not in server.stderr


def test_environment_secret_is_not_reloaded(wshub):
    """WSHUB_JWT_SECRET is read once: a SIGHUP has nothing to read for it,
    and its tokens stay good."""
    server = wshub("--route", "/ws=json,auth", env={"WSHUB_JWT_SECRET": OLD})
    line = hup(server)
    assert "jwt_secrets" not in fields(line), line
    assert upgrade_status(server, OLD) == 101


# ------------------------------------------------- publish token, passwords
def test_publish_token_and_room_password_change_on_sighup(wshub, tmp_path):
    """A new publish token and a new room password hold from the SIGHUP on;
    a member that joined with the old password stays in the room and gets
    what the new token publishes."""
    secrets = Secrets(tmp_path)
    server = start(wshub, secrets)
    assert publish_status(server, TOKEN_A) == 200 and publish_status(server, TOKEN_B) == 401
    assert raw_join_status(server, "one") == 101 and raw_join_status(server, "two") == 403
    member = upgrade_ok(server, "/raw?room=vip&room_password=one")

    write_secret(secrets.token, TOKEN_B)
    write_secret(secrets.rooms, "vip=two\nclub=three\n")
    line = hup(server)
    f = fields(line)
    assert (f["publish_token"], f["room_passwords"]) == ("ok", "2"), line
    assert publish_status(server, TOKEN_A) == 401
    assert raw_join_status(server, "one") == 403 and raw_join_status(server, "two") == 101
    assert publish_status(server, TOKEN_B, body="for vip") == 200
    member.expect_message(OP_TEXT, "for vip")
    member.close_cleanly()

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ws, _ = await open_json(st, server, headers=[bearer(Minter(OLD).token(sub="j"))])
            got = await request(ws, {"type": "join", "room": "club", "password": "three"})
            assert got["type"] == "joined", got
            got = await request(ws, {"type": "join", "room": "vip", "password": "one"})
            assert got["type"] == "error" and got["code"] == "forbidden", got

    run(main())
    for secret in (TOKEN_A, TOKEN_B, "vip=two", "club=three"):
        assert secret not in server.stderr


def test_a_bad_file_keeps_that_items_old_values(wshub, tmp_path):
    """Each item on its own: the JWT secrets reload, while a publish token
    that is too short and a room file with a broken line keep their old
    values; the line is a warning naming both files (never their content).
    Fixed files are taken on the next SIGHUP; a file gone is a failure too."""
    secrets = Secrets(tmp_path)
    server = start(wshub, secrets)
    write_secret(secrets.current, NEW)
    write_secret(secrets.next, NEW)
    write_secret(secrets.token, "short-secret")
    write_secret(secrets.rooms, "vip=fine\nbroken-line-with-secret-x9\n")
    line = hup(server)
    f = fields(line)
    assert " warn reload " in line, line
    assert (f["jwt_secrets"], f["publish_token"], f["room_passwords"]) == ("2", "failed", "failed"), line
    assert "--publish-token-file" in f["msg"] and str(secrets.token) in f["msg"], line
    assert "--room-password-file: line 2" in f["msg"] and str(secrets.rooms) in f["msg"], line
    for content in ("short-secret", "broken-line-with-secret-x9", "vip=fine", NEW):
        assert content not in server.stderr
    assert upgrade_status(server, NEW) == 101 and upgrade_status(server, OLD) == 401
    assert publish_status(server, TOKEN_A) == 200 and publish_status(server, "short-secret") == 401
    assert raw_join_status(server, "one") == 101 and raw_join_status(server, "fine") == 403

    write_secret(secrets.rooms, "vip=fine\n")
    os.remove(secrets.current)
    line = hup(server)
    f = fields(line)
    assert (f["jwt_secrets"], f["publish_token"], f["room_passwords"]) == ("failed", "failed", "1"), line
    assert str(secrets.current) in f["msg"], line
    assert raw_join_status(server, "fine") == 101 and raw_join_status(server, "one") == 403
    assert upgrade_status(server, NEW) == 101  # both NEW secrets kept, though one file is gone


# ------------------------------------------------------------ file modes
def test_warns_about_secret_files_open_to_others(wshub, tmp_path):
    """One secret_file_mode warning per file that group or others may read
    or write, at start and again on each SIGHUP, naming the flag, the file
    and its mode; none for a 0600 file."""
    secrets = Secrets(tmp_path)
    os.chmod(secrets.current, 0o644)
    os.chmod(secrets.rooms, 0o640)
    os.chmod(secrets.token, 0o602)
    server = start(wshub, secrets)

    def warnings():
        return [fields(l) for l in server.stderr.splitlines() if " warn secret_file_mode " in l]

    deadline = time.monotonic() + T
    while len(warnings()) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    got = sorted((w["flag"], w["file"], w["mode"]) for w in warnings())
    assert got == sorted([("--jwt-secret-file", str(secrets.current), "0644"),
                          ("--room-password-file", str(secrets.rooms), "0640"),
                          ("--publish-token-file", str(secrets.token), "0602")]), server.stderr
    assert str(secrets.next) not in server.stderr  # 0600: nothing to say

    os.chmod(secrets.current, 0o600)
    os.chmod(secrets.token, 0o400)
    hup(server)
    got = [(w["flag"], w["file"], w["mode"]) for w in warnings()[3:]]
    assert got == [("--room-password-file", str(secrets.rooms), "0640")], server.stderr
    assert OLD not in server.stderr and TOKEN_A not in server.stderr
