"""Admission by message rate (README "Admission", .auth-spec.md):
--max-msg-rate and --max-msg-burst per connection, on echo, raw and json
routes: a client over the rate is closed 1008 "rate limit exceeded", a paced
one stays open, the bucket refills after a pause, pings do not count.

Every close is checked for its code and the exact movement of the admission
counters on GET /metrics.
"""

import json
import time

import pytest

from wshub_test import T
from wshub_test.admission import RATE_LIMITED, closed, expect_deltas, snapshot, upgrade_ok
from wshub_test.frames import OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, build_frame


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
