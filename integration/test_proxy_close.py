"""How a proxied connection ends: a close frame from either side reaches the
other with its code and reason; an upstream that drops TCP or breaks RFC
6455 costs the client 1014 (and the upstream hears 1002 or 1007); a client
that drops TCP costs the upstream 1001. The failures counted, and no
upstream connection left open."""

import socket

import pytest

from wshub_test import T
from wshub_test.client import PeerClosed, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, build_frame, close_payload
from wshub_test.metrics import wait_for
from wshub_test.upstream import (  # noqa: F401 (upstreams: a fixture)
    counters,
    expect_counter_deltas,
    proxy_route,
    upstream_failure,
    upstreams,
)

CLOSES = [(1000, b"bye"), (1001, b""), (3000, b""), (4000, "done here é 𝄞".encode()), (4999, b"x" * 123),
          (1011, b"internal"), (1008, b"policy")]


def start(wshub, up, *flags):
    return wshub(*flags, "--route", proxy_route("/p", up.url()))


def wait_no_upstream(server):
    wait_for(server, lambda s: s["wshub_upstream_connections"] == 0)


def echo_close(peer):
    """The close as a server does it: waits for the proxy's close frame,
    answers it with the same code and reason, closes TCP; returns the frame."""
    close = peer.read_until_close()
    assert close is not None, "the proxy closed TCP without a close frame"
    peer.send(build_frame(OP_CLOSE, close.payload, mask=False))
    peer.close()
    return close


def echo_then_close(peer):
    """Handshake, echo one message, then echo_close."""
    peer.handshake()
    op, payload = peer.recv_message()
    peer.send_frame(op, payload)
    return echo_close(peer)


def client_answers_close(c, code, reason=None, skip_data=False):
    """The client's next frame (after any data frames, with skip_data: the
    start of a message streamed before the upstream broke it) is a close
    with `code` (and `reason`); the client answers it with the same code and
    reason and the proxy closes TCP. Returns the frame."""
    while True:
        try:
            f = c.recv_frame(T)
        except PeerClosed:
            raise AssertionError(f"TCP closed without a close frame (wanted {code}); buffered {c.unread()!r}")
        except socket.timeout:
            raise AssertionError(f"no close frame (wanted {code}) and no EOF within {T}s")
        if not (skip_data and f.opcode in (OP_TEXT, OP_BINARY, OP_CONT)):
            break
    assert f.opcode == OP_CLOSE, f"wanted a close frame with {code}, got {f!r}"
    assert (f.fin, f.rsv, f.masked) == (True, 0, False), f
    assert f.close_code == code, f"close code {f.close_code} (reason {f.close_reason!r}), wanted {code}"
    if reason is not None:
        assert f.close_reason == reason, f"close reason {f.close_reason!r}, wanted {reason!r}"
    c.send_close(code, f.close_reason)
    c.expect_eof(T)
    return f


# ------------------------------------------------------------- client closes


@pytest.mark.parametrize("code,reason", CLOSES, ids=[str(c) for c, _ in CLOSES])
def test_client_close_reaches_the_upstream(wshub, upstreams, code, reason):
    up = upstreams.raw(echo_then_close)
    server = start(wshub, up)
    before = counters(server)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("before the close")
        c.send_close(code, reason)
        c.expect_close(code)
    close = up.wait_peer(0)
    assert (close.close_code, close.close_reason) == (code, reason), close
    wait_no_upstream(server)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1})


def test_client_close_reaches_a_websockets_upstream(wshub, upstreams):
    up = upstreams.ws()
    server = start(wshub, up)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("hi")
        c.send_close(4321, "all done")
        c.expect_close(4321)
    assert up.wait_closes(1)[0][:2] == (4321, "all done")
    wait_no_upstream(server)


def test_client_close_without_a_code(wshub, upstreams):
    up = upstreams.raw(echo_then_close)
    server = start(wshub, up)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("x")
        c.send_close()
        f = c.recv_frame(T)
        assert f.opcode == OP_CLOSE and (f.payload == b"" or f.close_code == 1000), f
        c.expect_eof(T)
    close = up.wait_peer(0)
    assert close.payload == b"" or close.close_code == 1000, close


# ----------------------------------------------------------- upstream closes


def upstream_closes(code, reason):
    def script(peer):
        peer.handshake()
        op, payload = peer.recv_message()
        peer.send_frame(op, payload)
        peer.send_close(code, reason)
        answer = peer.read_until_close()
        peer.close()
        return answer
    return script


@pytest.mark.parametrize("code,reason", CLOSES, ids=[str(c) for c, _ in CLOSES])
def test_upstream_close_reaches_the_client(wshub, upstreams, code, reason):
    up = upstreams.raw(upstream_closes(code, reason))
    server = start(wshub, up)
    before = counters(server)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("before the close")
        client_answers_close(c, code, reason)
    answer = up.wait_peer(0)
    assert answer is not None and answer.close_code == code, f"the upstream's close answered with {answer!r}"
    wait_no_upstream(server)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1})


def test_websockets_upstream_closing_reaches_the_client(wshub, upstreams):
    async def handler(ws):
        await ws.send(await ws.recv())
        await ws.close(4100, "shutting")

    up = upstreams.ws(handler)
    server = start(wshub, up)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("hi")
        client_answers_close(c, 4100, b"shutting")
    # The answer websockets got: the same code (its reason is the answerer's to choose).
    assert up.wait_closes(1)[0].code == 4100, up.closes


# --------------------------------------------- an upstream that fails its client


def test_upstream_dropping_tcp_costs_the_client_1014(wshub, upstreams):
    def script(peer):
        peer.handshake()
        op, payload = peer.recv_message()
        peer.send_frame(op, payload)
        peer.close()

    up = upstreams.raw(script)
    server = start(wshub, up)
    before = counters(server)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("last words")
        client_answers_close(c, 1014)
    wait_no_upstream(server)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1, upstream_failure("lost"): 1})


def test_upstream_reset_costs_the_client_1014(wshub, upstreams):
    def script(peer):
        peer.handshake()
        peer.recv_message()
        peer.reset()

    up = upstreams.raw(script)
    server = start(wshub, up)
    before = counters(server)
    with open_ws(server, "/p", timeout=T) as c:
        c.send_text("go")
        client_answers_close(c, 1014)
    wait_no_upstream(server)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1, upstream_failure("lost"): 1})


def server_frame(opcode, payload=b"", **kw):
    return build_frame(opcode, payload, mask=False, **kw)


# What an upstream may not send (RFC 6455), and the code a client sending
# the same would get: the upstream gets it, the client 1014.
UPSTREAM_BAD = {
    "masked_frame": (build_frame(OP_TEXT, b"hello"), 1002),
    "invalid_utf8": (server_frame(OP_TEXT, b"ab\xff"), 1007),
    "invalid_utf8_across_fragments": (server_frame(OP_TEXT, b"abc\xe2", fin=False)
                                      + server_frame(OP_CONT, b"\x28\xa1"), 1007),
    "truncated_utf8_at_end": (server_frame(OP_TEXT, b"ok\xe2\x82"), 1007),
    "reserved_opcode": (server_frame(0x3, b"x"), 1002),
    "reserved_control_opcode": (server_frame(0xB, b"x"), 1002),
    "rsv1": (server_frame(OP_TEXT, b"x", rsv=4), 1002),
    "rsv3": (server_frame(OP_BINARY, b"x", rsv=1), 1002),
    "fragmented_ping": (server_frame(OP_PING, b"p", fin=False), 1002),
    "ping_too_long": (server_frame(OP_PING, b"p" * 126), 1002),
    "continuation_without_start": (server_frame(OP_CONT, b"orphan"), 1002),
    "new_message_inside_fragmented": (server_frame(OP_TEXT, b"a", fin=False) + server_frame(OP_BINARY, b"b"), 1002),
    "close_one_byte": (server_frame(OP_CLOSE, b"\x03"), 1002),
    "close_code_1005": (server_frame(OP_CLOSE, close_payload(1005)), 1002),
    "close_code_999": (server_frame(OP_CLOSE, close_payload(999)), 1002),
    "close_reason_not_utf8": (server_frame(OP_CLOSE, close_payload(1000, b"bad \xff")), 1007),
}


@pytest.mark.parametrize("case", sorted(UPSTREAM_BAD))
def test_upstream_breaking_the_protocol_costs_the_client_1014(wshub, upstreams, case):
    data, upstream_code = UPSTREAM_BAD[case]

    def script(peer):
        peer.handshake()
        op, payload = peer.recv_message()
        peer.send_frame(op, payload)
        peer.send(data)
        close = peer.read_until_close()
        if close is not None:
            peer.send_close(close.close_code)
        peer.close()
        return close

    up = upstreams.raw(script)
    server = start(wshub, up)
    before = counters(server)
    with open_ws(server, "/p", timeout=T) as c:
        c.echo_roundtrip("before the bad frame")
        close = up.wait_peer(0)
        assert close is not None, "the upstream got no close frame, only EOF"
        assert close.close_code == upstream_code, f"the upstream got close {close.close_code}, wanted {upstream_code}"
        wait_no_upstream(server)
        client_answers_close(c, 1014, skip_data=True)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1, upstream_failure("protocol"): 1})


def test_upstream_message_over_max_message(wshub, upstreams):
    def script(peer):
        peer.handshake()
        peer.send(server_frame(OP_BINARY, b"", length=2000))  # the header alone is too much
        close = peer.read_until_close()
        peer.close()
        return close

    up = upstreams.raw(script)
    server = start(wshub, up, "--max-message", "1KiB")
    with open_ws(server, "/p", timeout=T) as c:
        close = up.wait_peer(0)
        assert close is not None and close.close_code == 1009, close
        wait_no_upstream(server)
        client_answers_close(c, 1014)


# ------------------------------------------------------------ a client that goes


@pytest.mark.parametrize("how", ["fin", "reset"])
def test_client_dropping_tcp_costs_the_upstream_1001(wshub, upstreams, how):
    up = upstreams.raw(echo_then_close)
    server = start(wshub, up)
    before = counters(server)
    c = open_ws(server, "/p", timeout=T)
    c.echo_roundtrip("then gone")
    c.close() if how == "fin" else c.reset()
    close = up.wait_peer(0)
    assert close.close_code == 1001, close
    wait_no_upstream(server)
    expect_counter_deltas(server, before, {"wshub_upstream_connects_total": 1})


def test_client_dropping_tcp_closes_a_websockets_upstream_1001(wshub, upstreams):
    up = upstreams.ws()
    server = start(wshub, up)
    c = open_ws(server, "/p", timeout=T)
    c.echo_roundtrip("then gone")
    c.close()
    code = up.wait_closes(1)[0].code
    assert code == 1001, code
    wait_no_upstream(server)


def test_client_dropping_mid_message_closes_the_upstream_1001(wshub, upstreams):
    def script(peer):
        peer.handshake()
        return peer.read_until_close()

    up = upstreams.raw(script)
    server = start(wshub, up)
    c = open_ws(server, "/p", timeout=T)
    c.send_frame(OP_TEXT, b"unfinished", fin=False)
    c.send(build_frame(OP_CONT, b"x" * 1000)[:200])  # and half a frame
    c.close()
    close = up.wait_peer(0)
    assert close is not None and close.close_code == 1001, close
    wait_no_upstream(server)


def test_many_clients_closing_leave_no_upstream_connection(wshub, upstreams):
    up = upstreams.ws()
    server = start(wshub, up)
    clients = [open_ws(server, "/p", timeout=T) for _ in range(30)]
    wait_for(server, lambda s: s["wshub_upstream_connections"] == 30)
    for i, c in enumerate(clients):
        c.echo_roundtrip(f"client {i}")
        if i % 3 == 0:
            c.close_cleanly()
        elif i % 3 == 1:
            c.close()
        else:
            c.reset()
    wait_no_upstream(server)
    codes = sorted(e.code for e in up.wait_closes(30))
    assert codes == [1000] * 10 + [1001] * 20, codes


def test_unsolicited_pongs_stay_on_their_hop(wshub, upstreams):
    """Unsolicited pongs both ways end at wshub (the client sees the echo
    first); the connection goes on."""
    def script(peer):
        peer.handshake()
        peer.send_frame(OP_PONG, b"unasked")
        op, payload = peer.recv_message()
        peer.send_frame(op, payload)
        return echo_close(peer)

    up = upstreams.raw(script)
    server = start(wshub, up)
    with open_ws(server, "/p", timeout=T) as c:
        c.send_frame(OP_PONG, b"unasked too")
        c.echo_roundtrip("still here")
        c.close_cleanly()
    assert up.wait_peer(0).close_code == 1000

