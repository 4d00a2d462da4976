"""RFC 6455 through a proxy route: a client's bad input gets the same close
code on the proxy route as on a plain echo route of the same server (each
case of test_frames.py, both routes); messages keep their type and bytes
both ways, whatever the fragmentation, up to --max-message; pings are
answered at each hop and an upstream's ping never reaches the client."""

import os
import socket

import pytest

from wshub_test import T
from wshub_test.client import assert_alive, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, build_frame, close_payload
from wshub_test.metrics import scrape, wait_for
from wshub_test.upstream import client_message, proxy_route, upstreams  # noqa: F401 (upstreams: a fixture)

ROUTES = ["/echo", "/p"]
MAX_MESSAGE = 1024


@pytest.fixture
def both(wshub, upstreams):
    """One server with a plain echo route and a proxy route to a websockets
    echo upstream, --max-message 1KiB."""
    up = upstreams.ws()
    return wshub("--max-message", "1KiB", "--route", "/echo=echo", "--route", proxy_route("/p", up.url()))


def server_frame(opcode, payload=b"", **kw):
    return build_frame(opcode, payload, mask=False, **kw)


INVALID_UTF8 = {
    "ff": b"ab\xff",
    "fe": b"\xfe",
    "lone_continuation": b"a\x80b",
    "overlong_slash": b"\xc0\xaf",
    "overlong_3byte": b"\xe0\x80\xaf",
    "overlong_4byte": b"\xf0\x80\x80\xaf",
    "surrogate": b"\xed\xa0\x80",
    "above_10ffff": b"\xf4\x90\x80\x80",
    "f5": b"\xf5\x80\x80\x80",
    "truncated_at_end": b"ok\xe2\x82",
    "bad_continuation": b"\xc3\x28",
}


def bad_input_cases():
    """{name: (bytes a client sends after one echoed message, the close
    code it gets)}."""
    cases = {
        "unmasked_text": (build_frame(OP_TEXT, b"hello", mask=False), 1002),
        "unmasked_ping": (build_frame(OP_PING, b"p", mask=False), 1002),
        "control_too_long_header_only": (build_frame(OP_PING, b"", length=200), 1002),
        "length_top_bit": (build_frame(OP_BINARY, b"", length=(1 << 63) | 5, length_bytes=8), 1002),
        "length_all_ones": (build_frame(OP_BINARY, b"", length=(1 << 64) - 1, length_bytes=8), 1002),
        "invalid_utf8_across_fragments": (build_frame(OP_TEXT, b"abc\xe2", fin=False)
                                          + build_frame(OP_CONT, b"\x28\xa1"), 1007),
        "truncated_utf8_fragmented": (build_frame(OP_TEXT, b"abc", fin=False)
                                      + build_frame(OP_CONT, b"\xf0\x9d\x84"), 1007),
        "invalid_utf8_first_fragment_unfinished": (build_frame(OP_TEXT, b"ok\xff", fin=False), 1007),
        "invalid_utf8_inside_unfinished_frame": (build_frame(OP_TEXT, b"ab\xffcd" + b"x" * 95)[:11], 1007),
        "close_one_byte": (build_frame(OP_CLOSE, b"\x03"), 1002),
        "close_reason_not_utf8": (build_frame(OP_CLOSE, close_payload(1000, b"bad \xff reason")), 1007),
        "max_message_header_only": (build_frame(OP_BINARY, b"", length=MAX_MESSAGE + 976), 1009),
        "max_message_plus_one_text": (build_frame(OP_TEXT, b"b" * (MAX_MESSAGE + 1)), 1009),
        "max_message_plus_one_binary": (build_frame(OP_BINARY, b"b" * (MAX_MESSAGE + 1)), 1009),
        "max_message_fragments": (build_frame(OP_BINARY, b"a" * 600, fin=False)
                                  + build_frame(OP_CONT, b"b" * 425, fin=False), 1009),
        "max_message_fragment_header_only": (build_frame(OP_BINARY, b"a" * 1000, fin=False)
                                             + build_frame(OP_CONT, b"", length=100), 1009),
    }
    for rsv in (4, 2, 1, 7):
        cases[f"rsv{rsv}_text"] = (build_frame(OP_TEXT, b"hello", rsv=rsv), 1002)
    for rsv in (4, 2, 1):
        cases[f"rsv{rsv}_ping"] = (build_frame(OP_PING, b"p", rsv=rsv), 1002)
    for op in (3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF):
        cases[f"reserved_opcode_{op:x}"] = (build_frame(op, b"x"), 1002)
    for name, op in (("ping", OP_PING), ("pong", OP_PONG), ("close", OP_CLOSE)):
        payload = close_payload(1000, "r" * 124) if op == OP_CLOSE else b"p" * 126
        cases[f"{name}_too_long"] = (build_frame(op, payload), 1002)
        short = close_payload(1000) if op == OP_CLOSE else b"p"
        cases[f"{name}_fragmented"] = (build_frame(op, short, fin=False), 1002)
    for fin in (True, False):
        cases[f"continuation_without_message_fin{int(fin)}"] = (build_frame(OP_CONT, b"orphan", fin=fin), 1002)
    for a, b in ((OP_TEXT, OP_TEXT), (OP_TEXT, OP_BINARY), (OP_BINARY, OP_TEXT), (OP_BINARY, OP_BINARY)):
        cases[f"new_message_inside_fragmented_{a}{b}"] = (build_frame(a, b"part", fin=False) + build_frame(b, b"new"),
                                                          1002)
    for name, data in INVALID_UTF8.items():
        cases[f"invalid_utf8_{name}"] = (build_frame(OP_TEXT, data), 1007)
    for code in (0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535):
        cases[f"close_code_{code}"] = (build_frame(OP_CLOSE, close_payload(code, "x")), 1002)
    return cases


BAD_INPUT = bad_input_cases()


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_same_close_code_as_echo(both, case, route):
    data, code = BAD_INPUT[case]
    with open_ws(both, route, timeout=T) as c:
        c.echo_roundtrip("before")
        c.send(data)
        c.expect_close(code)
    # No upstream connection left behind, and the route still serves.
    wait_for(both, lambda s: s["wshub_upstream_connections"] == 0)
    assert_alive(both, route)


# ----------------------------------------------------- messages, any framing


@pytest.fixture
def proxied(wshub, upstreams):
    up = upstreams.ws()
    return wshub("--route", proxy_route("/p", up.url()))


def test_fragmented_message_with_ping_inside(proxied):
    with open_ws(proxied, "/p", timeout=T) as c:
        c.send_frame(OP_TEXT, b"frag1-", fin=False)
        c.send_frame(OP_PING, b"mid")
        f = c.recv_frame(T)
        assert (f.opcode, f.payload) == (OP_PONG, b"mid"), f
        c.send_frame(OP_CONT, b"", fin=False)
        c.send_frame(OP_CONT, b"frag2-", fin=False)
        c.send_frame(OP_PONG, b"unsolicited")
        c.send_frame(OP_CONT, b"end")
        assert client_message(c) == (OP_TEXT, b"frag1-frag2-end")
        c.send_frame(OP_BINARY, b"\x00", fin=False)
        c.send_frame(OP_CONT, b"\xff")
        assert client_message(c) == (OP_BINARY, b"\x00\xff")
        c.close_cleanly()


def test_utf8_sequence_split_across_fragments(proxied):
    text = "a€𝄞b".encode()
    with open_ws(proxied, "/p", timeout=T) as c:
        c.send_frame(OP_TEXT, text[:2], fin=False)
        c.send_frame(OP_CONT, text[2:6], fin=False)
        c.send_frame(OP_CONT, text[6:])
        assert client_message(c) == (OP_TEXT, text)
        c.close_cleanly()


def test_binary_is_not_utf8_checked(proxied):
    with open_ws(proxied, "/p", timeout=T) as c:
        c.send_binary(b"\xff\xfe\xc0\xaf")
        assert client_message(c) == (OP_BINARY, b"\xff\xfe\xc0\xaf")
        c.close_cleanly()


@pytest.mark.parametrize("size", [5, 300, 70000])
def test_frame_fed_one_byte_at_a_time(proxied, size):
    payload = bytes((i * 7) % 251 for i in range(size))
    frame = build_frame(OP_BINARY, payload)
    with open_ws(proxied, "/p", timeout=T) as c:
        if size <= 300:
            c.send_bytewise(frame, delay=0.001)
        else:
            c.send_bytewise(frame[:14], delay=0.002)
            rest = frame[14:]
            for i in range(0, len(rest), 4093):
                c.send(rest[i:i + 4093])
        assert client_message(c) == (OP_BINARY, payload)
        c.close_cleanly()


def test_many_frames_in_one_packet(proxied):
    msgs = [(OP_TEXT if i % 3 else OP_BINARY, f"batched {i} ".encode() * (i % 40)) for i in range(600)]
    with open_ws(proxied, "/p", timeout=T) as c:
        c.send(b"".join(build_frame(op, p) for op, p in msgs))
        for i, want in enumerate(msgs):
            got = client_message(c)
            assert got == want, f"message {i}: got {got[0]}/{len(got[1])} bytes, want {want[0]}/{len(want[1])}"
        c.close_cleanly()


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_max_message_both_ways(wshub, upstreams, opcode):
    """The default --max-message, 16 MiB, exactly: out to the upstream and
    back; one byte more is 1009."""
    up = upstreams.ws()
    server = wshub("--ping-interval", "0", "--route", proxy_route("/p", up.url()))
    size = 16 << 20
    payload = (b"0123456789abcdef" * (size // 16))[:size]
    with open_ws(server, "/p", timeout=3 * T) as c:
        c.send_frame(opcode, payload)
        try:
            got = client_message(c, timeout=4 * T)
        except socket.timeout:
            s = scrape(server)
            raise AssertionError(
                f"no echo of the {size}-byte message within {4 * T}s: the proxy sent its upstream "
                f"{s['wshub_upstream_sent_bytes_total']:.0f} bytes (request head included), received "
                f"{s['wshub_upstream_received_bytes_total']:.0f}; wshub_queued_bytes {s['wshub_queued_bytes']:.0f}")
        assert got[0] == opcode and len(got[1]) == size and got[1] == payload, (got[0], len(got[1]))
        c.send_frame(opcode, payload + b"!")
        c.expect_close(1009, timeout=3 * T)


# ------------------------------------------------------ an upstream's frames


def test_upstream_messages_keep_their_type_and_bytes(wshub, upstreams):
    sent = [
        (OP_TEXT, "héllo 𝄞".encode()),
        (OP_BINARY, b"\xff\xfe\x00"),
        (OP_TEXT, b""),
        (OP_BINARY, b""),
        (OP_BINARY, os.urandom(70000)),
        (OP_TEXT, "日本語".encode() * 10000),
    ]

    def script(peer):
        peer.handshake()
        for op, payload in sent:
            peer.send_frame(op, payload)
        # A fragmented text, a UTF-8 sequence split between fragments.
        text = "a€𝄞b".encode()
        peer.send_frame(OP_TEXT, text[:2], fin=False)
        peer.send_frame(OP_CONT, text[2:6], fin=False)
        peer.send_frame(OP_CONT, text[6:])
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return close

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    with open_ws(server, "/p", timeout=T) as c:
        for i, want in enumerate(sent):
            got = client_message(c)
            assert got == want, f"message {i}: got {got[0]}/{len(got[1])} bytes, want {want[0]}/{len(want[1])}"
        assert client_message(c) == (OP_TEXT, "a€𝄞b".encode())
        c.close_cleanly()
    assert up.wait_peer(0).close_code == 1000


def test_frames_to_the_upstream_are_masked_and_reassemble(wshub, upstreams):
    def script(peer):
        peer.handshake()
        got = [peer.recv_message() for _ in range(3)]  # recv_client_frame asserts each is masked
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return got

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    big = os.urandom(200000)
    with open_ws(server, "/p", timeout=T) as c:
        c.send_text("plain")
        c.send_frame(OP_BINARY, big[:1000], fin=False)
        c.send_frame(OP_CONT, big[1000:150000], fin=False)
        c.send_frame(OP_CONT, big[150000:])
        c.send_frame(OP_TEXT, "é".encode()[:1], fin=False)
        c.send_frame(OP_CONT, "é".encode()[1:])
        c.close_cleanly()
    assert up.wait_peer(0) == [(OP_TEXT, b"plain"), (OP_BINARY, big), (OP_TEXT, "é".encode())]


# ----------------------------------------------------------------------- pings


def test_upstream_ping_answered_by_wshub_never_seen_by_the_client(wshub, upstreams):
    def script(peer):
        peer.handshake()
        pongs = []
        for payload in (b"", b"up-ping", os.urandom(125)):
            peer.send_frame(OP_PING, payload)
            f = peer.recv_client_frame()
            assert f is not None and f.opcode == OP_PONG, f"wanted a pong, got {f!r}"
            pongs.append((payload, f.payload))
        # A ping between the fragments of a message.
        peer.send_frame(OP_TEXT, b"frag-", fin=False)
        peer.send_frame(OP_PING, b"mid")
        f = peer.recv_client_frame()
        assert f is not None and (f.opcode, f.payload) == (OP_PONG, b"mid"), f
        peer.send_frame(OP_CONT, b"end")
        peer.send_frame(OP_TEXT, b"after the pings")
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return pongs

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    with open_ws(server, "/p", timeout=T) as c:
        # The client's first frames are the messages: no ping of the upstream's.
        assert client_message(c) == (OP_TEXT, b"frag-end")
        assert client_message(c) == (OP_TEXT, b"after the pings")
        c.close_cleanly()
    for sent, answered in up.wait_peer(0):
        assert answered == sent, f"pong {answered!r} for ping {sent!r}"


def test_client_ping_answered_by_wshub(wshub, upstreams):
    def script(peer):
        peer.handshake()
        op, payload = peer.recv_message()  # pings, if any reach it, are answered
        peer.send_frame(op, payload)
        close = peer.read_until_close()
        peer.send_close(close.close_code)
        return op, payload

    up = upstreams.raw(script)
    server = wshub("--route", proxy_route("/p", up.url()))
    with open_ws(server, "/p", timeout=T) as c:
        for payload in (b"", b"x", os.urandom(125)):
            c.send_frame(OP_PING, payload)
            f = c.recv_frame(T)
            assert (f.opcode, f.fin, f.rsv, f.masked, f.payload) == (OP_PONG, True, 0, False, payload), f
        c.echo_roundtrip("after pings")
        c.close_cleanly()
    assert up.wait_peer(0) == (OP_TEXT, b"after pings")
