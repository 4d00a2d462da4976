"""Logs (README "Operations: logs"): one line per event on stderr, filtered by
--log-level, as text or one JSON object a line (--log-format); the closed
line's fields checked against what the client really sent and received."""

import json
import os
import re
import time

import pytest

from wshub_test import T
from wshub_test.binary import free_port, run_wshub
from wshub_test.client import RawClient, http_exchange
from wshub_test.frames import OP_TEXT, build_frame, close_payload
from wshub_test.httpmsg import upgrade_request
from wshub_test.jwt import Minter

TS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def json_lines(server):
    """Every stderr line, parsed; fails on one that is not a JSON object."""
    out = []
    for line in server.stderr.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            pytest.fail(f"a log line is not JSON: {line!r}")
        assert isinstance(obj, dict), line
        assert TS.match(obj.get("ts", "")), f"no RFC 3339 ts in {line!r}"
        assert obj.get("level") in ("error", "warn", "info", "debug"), line
        assert isinstance(obj.get("event"), str) and obj["event"], line
        out.append(obj)
    return out


def text_events(server):
    """(level, event, line) of every text line."""
    out = []
    for line in server.stderr.splitlines():
        parts = line.split(" ", 3)
        assert len(parts) >= 3 and TS.match(parts[0]), f"not a text log line: {line!r}"
        out.append((parts[1], parts[2], line))
    return out


def wait_json(server, event, pred=lambda o: True, timeout=T):
    deadline = time.monotonic() + timeout
    while True:
        found = [o for o in json_lines(server) if o["event"] == event and pred(o)]
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"no {event!r} line within {timeout}s; stderr:\n{server.stderr[-3000:]}")
        time.sleep(0.02)


def wait_text(server, needle, timeout=T):
    deadline = time.monotonic() + timeout
    while needle not in server.stderr:
        if time.monotonic() > deadline:
            pytest.fail(f"no {needle!r} in the log within {timeout}s; stderr:\n{server.stderr[-3000:]}")
        time.sleep(0.02)


def echo_session(server, path="/echo"):
    """Upgrade, one echo, a clean close; returns (local port, bytes sent,
    bytes received) as counted on the client's socket."""
    c = RawClient(server.host, server.port, timeout=T)
    try:
        port = c.sock.getsockname()[1]
        req = upgrade_request(c.host_header, path=path)
        c.send(req)
        head = c.read_http_response()
        assert head.status == 101, head
        frames = build_frame(OP_TEXT, b"hello logs") + build_frame(0x8, close_payload(1000, b"bye"))
        c.send(frames)
        echo = c.recv_frame()
        assert echo.payload == b"hello logs"
        close = c.recv_frame()
        assert close.close_code == 1000
        c.expect_eof()
        received = len(head.raw_head) + (2 + 10) + (2 + 2)  # 101, echo frame, close frame with its code
        return port, len(req) + len(frames), received
    finally:
        c.close()


# ------------------------------------------------------------------ levels


def test_levels_filter(wshub):
    """error: nothing on a quiet session; warn: the warning only; info: start,
    closed, refused, no opened; debug: opened and http too."""
    seen = {}
    for level in ("error", "warn", "info", "debug"):
        server = wshub("--log-level", level, "--room-password", "vip=s3cret-pw")
        echo_session(server)
        assert http_exchange(server, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").status == 200
        assert http_exchange(server, upgrade_request(f"{server.host}:{server.port}", path="/nowhere")).status == 404
        if level in ("info", "debug"):
            wait_text(server, " closed ")
        assert server.stop() == 0
        events = text_events(server)
        seen[level] = {e for _, e, _ in events}
        allowed = ("error", "warn", "info", "debug")[: ("error", "warn", "info", "debug").index(level) + 1]
        assert all(lv in allowed for lv, _, _ in events), f"--log-level {level}: {events}"
        assert "s3cret-pw" not in server.stderr
    assert seen["error"] == set(), seen
    assert seen["warn"] == {"config"}, seen
    assert {"start", "closed", "refused", "drain_start", "drain_done"} <= seen["info"], seen
    assert "opened" not in seen["info"], seen
    assert {"opened", "http"} <= seen["debug"], seen


@pytest.mark.parametrize("args,env,flag", [
    (["--log-level", "loud"], None, "--log-level"),
    (["--log-level", "Info"], None, "--log-level"),
    (["--log-format", "xml"], None, "--log-format"),
    (["--log-format"], None, "--log-format"),
    ([], {"WSHUB_LOG_FORMAT": "yaml"}, "LOG_FORMAT"),
])
def test_bad_values_exit_2(args, env, flag):
    r = run_wshub("--listen", f"127.0.0.1:{free_port()}", *args, env=env, timeout=3)
    assert r.returncode == 2, r
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and flag in lines[0], r.stderr


# -------------------------------------------------------------------- json


def test_json_lines_parse_and_closed_has_the_real_counts(wshub):
    server = wshub("--log-format", "json", "--log-level", "debug", "--workers", "2")
    port, sent, received = echo_session(server)
    peer = f"127.0.0.1:{port}"
    closed = wait_json(server, "closed", lambda o: o.get("peer") == peer)[0]
    assert closed["route"] == "/echo" and closed["code"] == 1000, closed
    assert closed["bytes_in"] == sent and closed["bytes_out"] == received, (closed, sent, received)
    assert isinstance(closed["duration_ms"], int) and 0 <= closed["duration_ms"] < 5000, closed
    assert isinstance(closed["id"], int)
    opened = [o for o in json_lines(server) if o["event"] == "opened" and o.get("peer") == peer]
    assert len(opened) == 1 and opened[0]["id"] == closed["id"], opened
    start = [o for o in json_lines(server) if o["event"] == "start"]
    assert len(start) == 1, start
    s = start[0]
    assert s["listen"] == f"127.0.0.1:{server.port}" and s["workers"] == 2 and s["version"], s
    assert s["routes"] == "/echo=echo /raw=raw /ws=json", s
    assert s["max_clients"] < s["open_files_limit"], s
    assert s["publish"] == "off" and s["drain_timeout_ms"] == 10000 and s["max_message"] == 16 << 20, s
    assert server.stop() == 0
    events = [o["event"] for o in json_lines(server)]
    assert events[-2:] == ["drain_start", "drain_done"], events


def test_closed_codes_and_duration(wshub):
    server = wshub("--log-format", "json")
    # invalid UTF-8: 1007
    with RawClient(server.host, server.port) as c:
        c.handshake()
        bad_port = c.sock.getsockname()[1]
        c.send_frame(OP_TEXT, b"\xc3\x28")
        c.expect_close(1007)
    # a TCP reset without any close frame: 1006
    c = RawClient(server.host, server.port)
    c.handshake()
    gone_port = c.sock.getsockname()[1]
    c.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_LINGER, b"\x01\0\0\0\0\0\0\0")
    c.close()
    # held open for a while: the duration shows it
    with RawClient(server.host, server.port) as c:
        c.handshake()
        slow_port = c.sock.getsockname()[1]
        time.sleep(0.4)
        c.close_cleanly(1000)
    by_port = {}
    for port in (bad_port, gone_port, slow_port):
        by_port[port] = wait_json(server, "closed", lambda o, p=port: o["peer"] == f"127.0.0.1:{p}")[0]
    assert by_port[bad_port]["code"] == 1007, by_port
    assert by_port[gone_port]["code"] == 1006, by_port
    assert by_port[slow_port]["code"] == 1000 and by_port[slow_port]["duration_ms"] >= 400, by_port


def test_refusals_are_logged_alike(wshub, tmp_path):
    secret = "logs-secret-" + os.urandom(8).hex()
    (tmp_path / "s").write_text(secret)
    server = wshub("--log-format", "json", "--route", "/p=json,auth", "--route", "/raw=raw",
                   "--jwt-secret-file", str(tmp_path / "s"), "--allow-origin", "https://ok.example")
    host = f"{server.host}:{server.port}"
    expired = Minter(secret).token(sub="x", exp=int(time.time()) - 3600)
    cases = [
        (upgrade_request(host, path="/nowhere?token=abc&x=1"), 404, "not_found", "/nowhere?token=REDACTED&x=1"),
        (upgrade_request(host, path="/p", extra_headers=[("Authorization", "Bearer " + expired)]), 401,
         "unauthorized", "/p"),
        (upgrade_request(host, path="/raw", extra_headers=[("Origin", "https://evil.example")]), 403, "origin", "/raw"),
        (upgrade_request(host, path="/raw", version="12"), 426, "bad_version", "/raw"),
        (upgrade_request(host, path="/raw?room="), 400, "refused_by_mode", "/raw?room="),
        (b"GET /raw HTTP/1.1\nHost: x\n\n", 400, "malformed", None),
    ]
    for request, status, _, _ in cases:
        assert http_exchange(server, request).status == status
    refused = wait_json(server, "refused", lambda o: True)
    deadline = time.monotonic() + T
    while len(refused) < len(cases) and time.monotonic() < deadline:
        time.sleep(0.02)
        refused = [o for o in json_lines(server) if o["event"] == "refused"]
    assert len(refused) == len(cases), refused
    # Each worker writes its lines at the end of its pass: lines of requests
    # that landed on different workers may come in either order.
    by_reason = {line["reason"]: line for line in refused}
    assert sorted(by_reason) == sorted(reason for _, _, reason, _ in cases), refused
    for request, status, reason, target in cases:
        line = by_reason[reason]
        assert line["status"] == status, (line, status, reason)
        assert line["peer"].startswith("127.0.0.1:") and line["why"], line
        if target is None:
            assert "target" not in line, line
        else:
            assert line["target"] == target and line["method"] == "GET", line
    assert "unauthorized: expired" in by_reason["unauthorized"]["why"]
    assert expired not in server.stderr and expired.split(".")[2] not in server.stderr


# ------------------------------------------------------------- escaping


def test_sub_with_quotes_and_controls_is_escaped(wshub, tmp_path):
    """A token's sub is any JSON string: the json log gives it back exactly,
    the text log quotes and escapes it on one line."""
    secret = "esc-secret-" + os.urandom(8).hex()
    (tmp_path / "s").write_text(secret)
    sub = 'al ice "q" \\ caf\u00e9 \n\t\x01 end'
    token = Minter(secret).token(sub=sub)
    for fmt in ("json", "text"):
        server = wshub("--log-format", fmt, "--route", "/p=echo,auth", "--jwt-secret-file", str(tmp_path / "s"))
        with RawClient(server.host, server.port) as c:
            c.handshake(path="/p", extra_headers=[("Authorization", "Bearer " + token)])
            port = c.sock.getsockname()[1]
            c.close_cleanly()
        if fmt == "json":
            line = wait_json(server, "closed", lambda o: o["peer"] == f"127.0.0.1:{port}")[0]
            assert line["sub"] == sub, line
        else:
            wait_text(server, f"peer=127.0.0.1:{port}")
            lines = [l for l in server.stderr.splitlines() if f"peer=127.0.0.1:{port}" in l]
            assert len(lines) == 1, server.stderr
            assert 'sub="al ice \\"q\\" \\\\ caf\u00e9 \\n\\t\\x01 end"' in lines[0], lines[0]
        assert token not in server.stderr
