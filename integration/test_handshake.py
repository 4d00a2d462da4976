"""The HTTP side: upgrade validation, rejections, limits, timeouts, and the
frames a client sends behind its request head."""

import base64
import time

import pytest

from wshub_test.client import RawClient, assert_alive, http_exchange
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_TEXT, build_frame, close_payload, make_key
from wshub_test.httpmsg import assert_switching, upgrade_request

REASONS = {
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    426: "Upgrade Required",
    431: "Request Header Fields Too Large",
}


def host(server):
    return f"{server.host}:{server.port}"


def assert_rejected(server, request, status, allow_reset=False):
    resp = http_exchange(server, request, allow_reset=allow_reset)
    assert resp.status == status, f"wanted {status}, got {resp!r} for request {request!r}"
    assert resp.status_line == f"HTTP/1.1 {status} {REASONS[status]}", resp.status_line
    assert int(resp.one("Content-Length")) == len(resp.body)
    assert not resp.header("Sec-WebSocket-Accept")
    assert_alive(server)
    return resp


def lines_request(lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def good_lines(server, path="/echo", key=None):
    return [
        f"GET {path} HTTP/1.1",
        f"Host: {host(server)}",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {key or make_key()}",
        "Sec-WebSocket-Version: 13",
    ]


# ------------------------------------------------------------------ success


def test_valid_upgrade(server):
    with RawClient(server.host, server.port) as c:
        resp = c.handshake()
        assert not resp.header("Sec-WebSocket-Protocol")
        c.echo_roundtrip("hi")
        c.close_cleanly()


def test_query_string_routes_by_path(server):
    with RawClient(server.host, server.port) as c:
        c.handshake(path="/echo?room=a&x=1")
        c.echo_roundtrip("query ok")
        c.close_cleanly()


def test_header_names_case_insensitive(server):
    key = make_key()
    req = lines_request([
        "GET /echo HTTP/1.1",
        f"hOsT: {host(server)}",
        "UPGRADE: WebSocket",
        "connection: keep-alive, Upgrade",
        f"sec-websocket-key: {key}",
        "SEC-WEBSOCKET-VERSION: 13",
    ])
    with RawClient(server.host, server.port) as c:
        c.send(req)
        assert_switching(c.read_http_response(), key)
        c.echo_roundtrip("case")
        c.close_cleanly()


@pytest.mark.parametrize("upgrade", ["websocket", "WebSocket", "WEBSOCKET", "foo, websocket", "websocket, h2c"])
@pytest.mark.parametrize("connection", ["Upgrade", "upgrade", "keep-alive, Upgrade", "Upgrade, keep-alive", "keep-alive,UPGRADE"])
def test_upgrade_and_connection_token_lists(server, upgrade, connection):
    key = make_key()
    lines = good_lines(server, key=key)
    lines[2] = f"Upgrade: {upgrade}"
    lines[3] = f"Connection: {connection}"
    with RawClient(server.host, server.port) as c:
        c.send(lines_request(lines))
        assert_switching(c.read_http_response(), key)
        c.echo_roundtrip("tokens")


def test_upgrade_byte_at_a_time(server):
    with RawClient(server.host, server.port) as c:
        c.handshake(bytewise=True)
        c.echo_roundtrip("after a bytewise handshake")
        c.close_cleanly()


def test_frames_pipelined_behind_the_head(server):
    frames = (
        build_frame(OP_TEXT, b"piped text")
        + build_frame(OP_BINARY, b"\x01\x02piped")
        + build_frame(OP_TEXT, b"frag-", fin=False)
        + build_frame(OP_CONT, b"mented")
    )
    with RawClient(server.host, server.port) as c:
        c.handshake(trailing=frames)
        c.expect_message(OP_TEXT, b"piped text")
        c.expect_message(OP_BINARY, b"\x01\x02piped")
        c.expect_message(OP_TEXT, b"frag-mented")
        c.close_cleanly()


def test_close_pipelined_behind_the_head(server):
    with RawClient(server.host, server.port) as c:
        c.handshake(trailing=build_frame(OP_CLOSE, close_payload(1000, "now")))
        c.expect_close(1000)


def test_pipelined_frame_bytes_are_not_held_to_http_line_rules(wshub):
    """A frame sent in the same packet as the request head may contain any
    byte, LF included (here with an all-zero mask, so the LF is on the wire):
    only the head must end its lines in CRLF."""
    s = wshub()
    with RawClient(s.host, s.port) as c:
        c.handshake("/echo", trailing=build_frame(OP_BINARY, b"a\nb\n", mask_key=b"\x00\x00\x00\x00"))
        c.expect_message(OP_BINARY, b"a\nb\n")


# ---------------------------------------------------------------- subprotocols


@pytest.mark.parametrize(
    "offers,expected",
    [
        (["superchat, chat"], "superchat"),
        (["chat, superchat"], "chat"),
        (["foo,chat"], "chat"),
        (["foo", "superchat"], "superchat"),  # two header lines: order is kept
        (["foo, bar"], None),
        (["CHAT"], None),  # subprotocol names are case-sensitive
        ([], None),
    ],
)
def test_subprotocol_selection(wshub, offers, expected):
    server = wshub("--subprotocol", "chat", "--subprotocol", "superchat")
    with RawClient(server.host, server.port) as c:
        resp = c.handshake(extra_headers=[("Sec-WebSocket-Protocol", o) for o in offers])
        if expected is None:
            assert resp.header("Sec-WebSocket-Protocol") == []
        else:
            assert resp.header("Sec-WebSocket-Protocol") == [expected]
        c.echo_roundtrip("proto")
        c.close_cleanly()


def test_no_subprotocol_configured_ignores_offer(server):
    with RawClient(server.host, server.port) as c:
        resp = c.handshake(protocols=["chat"])
        assert resp.header("Sec-WebSocket-Protocol") == []


# ------------------------------------------------------------------ rejections


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_method_not_get_405(server, method):
    req = upgrade_request(host(server), method=method)
    resp = assert_rejected(server, req, 405)
    assert resp.one("Allow") == "GET"


@pytest.mark.parametrize("path", ["/", "/nope", "/echo/", "/ECHO", "/echox", "/ech"])
def test_unknown_path_404(server, path):
    assert_rejected(server, upgrade_request(host(server), path=path), 404)


def test_routes_flag_replaces_default(wshub):
    server = wshub("--route", "/a=echo", "--route", "/b/c=echo")
    for path in ("/a", "/b/c"):
        assert_alive(server, path)
    assert_rejected_path = upgrade_request(host(server), path="/echo")
    resp = http_exchange(server, assert_rejected_path)
    assert resp.status == 404


def test_http10_400(server):
    assert_rejected(server, upgrade_request(host(server), http_version="HTTP/1.0"), 400)


def test_missing_host_400(server):
    assert_rejected(server, upgrade_request(host(server), omit=("host",)), 400)


@pytest.mark.parametrize("upgrade", [None, "h2c", "websockets", "web socket", ""])
def test_bad_upgrade_400(server, upgrade):
    lines = good_lines(server)
    if upgrade is None:
        del lines[2]
    else:
        lines[2] = f"Upgrade: {upgrade}"
    assert_rejected(server, lines_request(lines), 400)


@pytest.mark.parametrize("connection", [None, "keep-alive", "close", "upgraded", "", "keep-alive, close"])
def test_bad_connection_400(server, connection):
    lines = good_lines(server)
    if connection is None:
        del lines[3]
    else:
        lines[3] = f"Connection: {connection}"
    assert_rejected(server, lines_request(lines), 400)


@pytest.mark.parametrize("version", ["12", "8", "14", "0", "13.0", "abc"])
def test_wrong_version_426(server, version):
    resp = assert_rejected(server, upgrade_request(host(server), version=version), 426)
    assert resp.one("Sec-WebSocket-Version") == "13"


def test_missing_version_400(server):
    assert_rejected(server, upgrade_request(host(server), omit=("sec-websocket-version",)), 400)


@pytest.mark.parametrize(
    "key",
    [
        None,  # missing
        "",
        "!!!!!!!!!!!!!!!!!!!!!!!!",
        base64.b64encode(b"x" * 15).decode(),
        base64.b64encode(b"x" * 17).decode(),
        base64.b64encode(b"x" * 32).decode(),
        base64.b64encode(b"x" * 16).decode()[:-2],  # padding stripped
        "dGhlIHNhbXBsZSBub25jZQ=",  # bad padding
        "dGhlIHNhbXBsZSBub25j*Q==",  # invalid character
    ],
)
def test_bad_key_400(server, key):
    if key is None:
        req = upgrade_request(host(server), omit=("sec-websocket-key",))
    else:
        req = upgrade_request(host(server), key=key)
    assert_rejected(server, req, 400)


def test_rfc_sample_key_accepted(server):
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    with RawClient(server.host, server.port) as c:
        resp = c.handshake(key=key)
        assert resp.one("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


MALFORMED = {
    "garbage_line": lambda s: b"HELLO\r\n\r\n",
    "missing_version_token": lambda s: lines_request(["GET /echo"] + good_lines(s)[1:]),
    "extra_space_in_request_line": lambda s: lines_request(["GET  /echo HTTP/1.1"] + good_lines(s)[1:]),
    "absolute_garbage_version": lambda s: lines_request(["GET /echo HTTQ/1.1"] + good_lines(s)[1:]),
    "target_not_origin_form": lambda s: lines_request(["GET echo HTTP/1.1"] + good_lines(s)[1:]),
    "control_char_in_target": lambda s: lines_request(["GET /ec\x01ho HTTP/1.1"] + good_lines(s)[1:]),
    "bare_lf_one_line": lambda s: lines_request(good_lines(s)[:2] + [good_lines(s)[2] + "\n" + good_lines(s)[3]] + good_lines(s)[4:]),
    "space_before_colon": lambda s: lines_request(good_lines(s) + ["X-Foo : bar"]),
    "space_before_colon_host": lambda s: lines_request([good_lines(s)[0], f"Host : {host(s)}"] + good_lines(s)[2:]),
    "obs_fold_space": lambda s: lines_request(good_lines(s) + ["X-Foo: bar", " baz"]),
    "obs_fold_tab": lambda s: lines_request(good_lines(s) + ["X-Foo: bar", "\tbaz"]),
    "control_char_in_value": lambda s: lines_request(good_lines(s) + ["X-Foo: b\x01ar"]),
    "del_in_value": lambda s: lines_request(good_lines(s) + ["X-Foo: b\x7far"]),
    "nul_in_value": lambda s: lines_request(good_lines(s) + ["X-Foo: b\x00ar"]),
    "no_colon": lambda s: lines_request(good_lines(s) + ["X-Foo bar"]),
    "empty_header_name": lambda s: lines_request(good_lines(s) + [": bar"]),
    "bad_char_in_name": lambda s: lines_request(good_lines(s) + ["X(Foo): bar"]),
    "bare_cr": lambda s: lines_request(good_lines(s) + ["X-Foo: b\rar"]),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_request_400(server, name):
    assert_rejected(server, MALFORMED[name](server), 400)


def test_all_bare_lf_request_400(wshub):
    # A request whose every line ends in a bare LF never contains CRLF CRLF;
    # the spec says bare-LF line endings get a 400 (not a silent timeout).
    server = wshub("--handshake-timeout", "2s")
    req = ("\n".join(good_lines(server)) + "\n\n").encode()
    resp = http_exchange(server, req, timeout=1.5)
    assert resp.status == 400, resp


# -------------------------------------------------------------- header limit


def sized_request(server, total, key=None):
    """A valid upgrade request whose head (through the final CRLF CRLF) is
    exactly `total` bytes long."""
    base = upgrade_request(host(server), key=key, extra_headers=[("X-Pad", "")])
    # base ends with "X-Pad: \r\n\r\n"; grow the pad value.
    pad = total - len(base)
    assert pad >= 0
    req = upgrade_request(host(server), key=key, extra_headers=[("X-Pad", "a" * pad)])
    if pad == 0:
        req = base
    assert len(req) == total
    return req


@pytest.mark.parametrize("flags,limit", [((), 8192), (("--max-header-bytes", "1KiB"), 1024), (("--max-header-bytes", "2000"), 2000)])
def test_header_limit_boundary(wshub, flags, limit):
    server = wshub(*flags)
    key = make_key()
    with RawClient(server.host, server.port) as c:
        c.send(sized_request(server, limit, key))
        assert_switching(c.read_http_response(), key)
        c.echo_roundtrip("exactly at the limit")
        c.close_cleanly()
    # One byte over: 431.
    resp = http_exchange(server, sized_request(server, limit + 1), allow_reset=True)
    assert resp.status == 431, resp
    assert resp.status_line == "HTTP/1.1 431 Request Header Fields Too Large"
    assert_alive(server)


def test_header_limit_far_over(wshub):
    server = wshub("--max-header-bytes", "1KiB")
    # A head that never ends: the server must answer 431 once it has more
    # than the limit, not wait for the end.
    with RawClient(server.host, server.port) as c:
        c.send(b"GET /echo HTTP/1.1\r\nX-Long: " + b"a" * 2000)
        resp = c.read_http_response(timeout=3)
        assert resp.status == 431, resp
        c.expect_eof(allow_reset=True)
    assert_alive(server)


def test_header_limit_trickled(wshub):
    # The same, with the oversized head arriving one byte at a time.
    server = wshub("--max-header-bytes", "1KiB")
    with RawClient(server.host, server.port) as c:
        data = b"GET /echo HTTP/1.1\r\nX-Long: " + b"a" * 1100
        try:
            c.send_bytewise(data, delay=0)
        except (BrokenPipeError, ConnectionResetError):
            pass
        resp = c.read_http_response(timeout=3)
        assert resp.status == 431, resp
        c.expect_eof(allow_reset=True)
    assert_alive(server)


# ---------------------------------------------------------- handshake timeout


@pytest.mark.parametrize("sent", [b"", b"GET /echo HTTP/1.1\r\nHost: x\r\n"])
def test_handshake_timeout(wshub, sent):
    server = wshub("--handshake-timeout", "300ms")
    with RawClient(server.host, server.port) as c:
        t0 = time.monotonic()
        if sent:
            c.send(sent)
        c.expect_eof(timeout=3)
        elapsed = time.monotonic() - t0
        assert 0.2 <= elapsed <= 2.0, f"closed after {elapsed:.2f}s, wanted ~0.3s"
    assert_alive(server)


def test_handshake_timeout_bytewise_trickle(wshub):
    # Trickling bytes does not extend the deadline.
    server = wshub("--handshake-timeout", "300ms")
    with RawClient(server.host, server.port) as c:
        t0 = time.monotonic()
        req = upgrade_request(host(server))
        closed = False
        for i in range(len(req) - 4):  # never send the final CRLF CRLF
            try:
                c.send(req[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.02)
            if time.monotonic() - t0 > 2.5:
                break
        if not closed:
            c.expect_eof(timeout=3, allow_reset=True)
        elapsed = time.monotonic() - t0
        assert elapsed <= 2.5, f"trickling client kept the connection for {elapsed:.2f}s"
        assert not c.pending()


def test_handshake_timeout_does_not_apply_after_upgrade(wshub):
    server = wshub("--handshake-timeout", "300ms")
    with RawClient(server.host, server.port) as c:
        c.handshake()
        time.sleep(0.8)
        c.echo_roundtrip("still here")
        c.close_cleanly()
