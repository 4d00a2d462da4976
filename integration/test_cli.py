"""Command line: --help and --version, bad and accepted flag values (the
admission flags' included), the environment, start-up failures on a busy
address, signals."""

import re
import signal
import socket
import subprocess
import time

import pytest

from wshub_test.binary import assert_startup_error, free_port, run_wshub
from wshub_test.client import RawClient, assert_alive, http_exchange, open_ws
from wshub_test.frames import OP_BINARY, OP_TEXT, build_frame
from wshub_test.httpmsg import upgrade_request

# flag -> acceptable spellings of its default in --help (None: only the flag
# itself must appear, plus the word "default" somewhere in its entry)
FLAGS = {
    "--listen": ["127.0.0.1:8080"],
    "--workers": ["core", "cpu", "CPU", "nproc", "processor"],
    "--route": ["/echo=echo"],
    "--subprotocol": None,
    "--max-header-bytes": ["8KiB", "8 KiB", "8192", "8K"],
    "--handshake-timeout": ["10s"],
    "--max-message": ["16MiB", "16 MiB", "16777216", "16M"],
    "--ping-interval": ["30s"],
    "--idle-timeout": ["60s", "1m"],
    "--close-timeout": ["5s"],
    "--help": None,
    "--version": None,
}


def help_entries(text):
    """Maps each flag to the text of its entry (its line up to the next line
    that introduces another flag)."""
    entries = {}
    current = None
    for line in text.splitlines():
        m = re.match(r"\s*(?:-\w,\s*)?(--[a-z][a-z0-9-]*)", line)
        if m:
            current = m.group(1)
            entries[current] = line
        elif current:
            entries[current] += "\n" + line
    return entries


def test_help():
    r = run_wshub("--help")
    assert r.returncode == 0, r
    assert r.stderr == ""
    entries = help_entries(r.stdout)
    for flag, defaults in FLAGS.items():
        assert flag in entries, f"{flag} missing from --help:\n{r.stdout}"
        if flag not in ("--help", "--version"):
            assert "default" in entries[flag].lower(), f"--help entry for {flag} names no default:\n{entries[flag]}"
        if defaults:
            entry = entries[flag]
            assert any(d.lower() in entry.lower() for d in defaults), f"--help entry for {flag} does not show its default ({defaults[0]}):\n{entry}"


def test_version():
    r = run_wshub("--version")
    assert r.returncode == 0, r
    assert re.fullmatch(r"wshub \d+\.\d+\.\d+\n?", r.stdout), repr(r.stdout)
    assert r.stderr == ""


def assert_bad(args, flag_word, env=None):
    try:
        r = run_wshub(*args, env=env, timeout=3)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args} {env}: accepted and kept running (wanted exit 2)")
    assert r.returncode == 2, f"{args} {env}: exit {r.returncode}, stderr {r.stderr!r}"
    lines = r.stderr.splitlines()
    assert len(lines) == 1, f"{args} {env}: wanted one line on stderr, got {r.stderr!r}"
    assert r.stderr.endswith("\n")
    assert flag_word.lower() in lines[0].lower(), f"{args} {env}: {lines[0]!r} does not name {flag_word}"
    return lines[0]


BAD = [
    ("--workers", "abc"),
    ("--workers", "0"),
    ("--workers", "65"),
    ("--workers", "-1"),
    ("--workers", ""),
    ("--workers", "2x"),
    ("--listen", "nope"),
    ("--listen", "127.0.0.1:99999"),
    ("--listen", "127.0.0.1:"),
    ("--listen", "127.0.0.1:http"),
    ("--route", "/x=bogus"),
    ("--route", "noequals"),
    ("--route", "=echo"),
    ("--max-header-bytes", "lots"),
    ("--max-header-bytes", "8Q"),
    ("--max-header-bytes", "-5"),
    ("--max-message", "12X"),
    ("--max-message", ""),
    ("--max-message", "KiB"),
    ("--handshake-timeout", "abc"),
    ("--handshake-timeout", "10x"),
    ("--handshake-timeout", "-1s"),
    ("--ping-interval", "abc"),
    ("--ping-interval", "5 s"),
    ("--idle-timeout", "forever"),
    ("--close-timeout", "abc"),
]


@pytest.mark.parametrize("flag,value", BAD, ids=[f"{f}={v}" for f, v in BAD])
def test_bad_value_exits_2(flag, value):
    args = [flag, value]
    if flag != "--listen":
        args = ["--listen", f"127.0.0.1:{free_port()}"] + args
    assert_bad(args, flag)


def test_workers_message_format():
    line = assert_bad(["--workers", "abc"], "--workers")
    assert line.startswith("wshub: --workers"), line
    assert "'abc'" in line or '"abc"' in line or "abc" in line


@pytest.mark.parametrize("flag", ["--workers", "--listen", "--max-message", "--route", "--ping-interval"])
def test_missing_value_exits_2(flag):
    assert_bad([flag], flag)


@pytest.mark.parametrize("flag", ["--bogus", "--no-such-flag", "-x", "--worker"])
def test_unknown_flag_exits_2(flag):
    assert_bad(["--listen", f"127.0.0.1:{free_port()}", flag, "1"], flag)


def test_bad_env_value_exits_2():
    assert_bad([], "WORKERS", env={"WSHUB_WORKERS": "abc", "WSHUB_LISTEN": f"127.0.0.1:{free_port()}"})


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


# ----------------------------------------------------- start-up failures
# A busy address is refused, not shared.
def test_second_server_on_a_busy_address_exits_1(wshub):
    first = wshub()
    second = run_wshub("--listen", f"{first.host}:{first.port}")
    assert second.returncode == 1
    assert "Address already in use" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    # the first one still serves
    with socket.create_connection((first.host, first.port), timeout=2):
        pass


def test_address_held_by_another_program_exits_1(wshub):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        result = run_wshub("--listen", f"127.0.0.1:{port}")
        assert result.returncode == 1
        assert f"127.0.0.1:{port}" in result.stderr
    finally:
        holder.close()


# ----------------------------------------------------------- accepted values


@pytest.mark.parametrize("value", ["1024", "1K", "1KiB"])
def test_size_suffixes(wshub, value):
    server = wshub("--max-message", value)
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, b"a" * 1024)
        c.expect_message(OP_TEXT, b"a" * 1024)
        c.send_frame(OP_TEXT, b"a" * 1025)
        c.expect_close(1009)


def test_size_mebibytes(wshub):
    server = wshub("--max-message", "1M")
    with open_ws(server) as c:
        c.send_binary(b"m" * (1 << 20))
        c.expect_message(OP_BINARY, b"m" * (1 << 20))
        c.send(build_frame(OP_BINARY, b"", length=(1 << 20) + 1))
        c.expect_close(1009)


@pytest.mark.parametrize("value,lo,hi", [("300ms", 0.2, 1.5), ("1", 0.8, 2.5), ("1s", 0.8, 2.5)])
def test_duration_forms(wshub, value, lo, hi):
    server = wshub("--handshake-timeout", value)
    with RawClient(server.host, server.port) as c:
        t0 = time.monotonic()
        c.expect_eof(timeout=3)
        elapsed = time.monotonic() - t0
        assert lo <= elapsed <= hi, f"--handshake-timeout {value}: closed after {elapsed:.2f}s"


def test_many_values_accepted(wshub):
    server = wshub(
        "--workers", "1",
        "--max-header-bytes", "16KiB",
        "--handshake-timeout", "2m",
        "--ping-interval", "1h",
        "--idle-timeout", "0",
        "--close-timeout", "500ms",
        "--max-message", "1G",
        "--route", "/a=echo",
        "--subprotocol", "chat",
    )
    assert_alive(server, "/a")


@pytest.mark.parametrize("n", ["1", "64"])
def test_workers_bounds_accepted(wshub, n):
    server = wshub("--workers", n)
    for _ in range(4):
        assert_alive(server)


# ----------------------------------------------------------------- environment


def test_env_listen(wshub):
    port = free_port()
    server = wshub(env={"WSHUB_LISTEN": f"127.0.0.1:{port}"}, listen=False, port=port)
    assert_alive(server)


def test_env_repeatable_list(wshub):
    server = wshub(env={"WSHUB_ROUTE": "/a=echo,/b=echo"})
    assert_alive(server, "/a")
    assert_alive(server, "/b")
    assert http_exchange(server, upgrade_request(f"127.0.0.1:{server.port}", path="/echo")).status == 404


def test_env_subprotocols(wshub):
    server = wshub(env={"WSHUB_SUBPROTOCOL": "chat,superchat"})
    with RawClient(server.host, server.port) as c:
        resp = c.handshake(protocols=["superchat", "chat"])
        assert resp.header("Sec-WebSocket-Protocol") == ["superchat"]
    with RawClient(server.host, server.port) as c:
        resp = c.handshake(protocols=["chat"])
        assert resp.header("Sec-WebSocket-Protocol") == ["chat"]


def test_env_size(wshub):
    server = wshub(env={"WSHUB_MAX_MESSAGE": "100"})
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, b"a" * 100)
        c.expect_message(OP_TEXT, b"a" * 100)
        c.send_frame(OP_TEXT, b"a" * 200)
        c.expect_close(1009)


def test_cli_overrides_env(wshub):
    server = wshub("--max-message", "1KiB", "--route", "/b=echo",
                   env={"WSHUB_MAX_MESSAGE": "100", "WSHUB_ROUTE": "/a=echo"})
    with open_ws(server, "/b") as c:
        c.send_frame(OP_TEXT, b"a" * 500)
        c.expect_message(OP_TEXT, b"a" * 500)
        c.close_cleanly()
    assert http_exchange(server, upgrade_request(f"127.0.0.1:{server.port}", path="/a")).status == 404


def test_cli_listen_overrides_env(wshub):
    env_port = free_port()
    server = wshub(env={"WSHUB_LISTEN": f"127.0.0.1:{env_port}"})  # the fixture passes --listen
    assert server.port != env_port
    assert_alive(server)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", env_port), timeout=2).close()


# --------------------------------------------------------------------- signals


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_exits_0(wshub, sig):
    server = wshub()
    assert_alive(server)
    assert server.stop(sig) == 0


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_with_open_connections_exits_0(wshub, sig):
    """Clients that never answer the drain's 1001 are cut at --drain-timeout
    (test_drain.py has the rest of the drain)."""
    server = wshub("--drain-timeout", "1s")
    clients = [open_ws(server) for _ in range(5)]
    try:
        clients[0].send_frame(OP_TEXT, b"half", fin=False)  # one mid-message
        t0 = time.monotonic()
        assert server.stop(sig) == 0
        assert time.monotonic() - t0 < 3
        assert "forced=5" in server.stderr, server.stderr
    finally:
        for c in clients:
            c.close()
