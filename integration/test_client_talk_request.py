"""What wshub's public WebSocket client (wshub/client.h) puts on the wire,
through wshub-talk against a scripted raw server: the upgrade request
(target with path and query, Host with its port, a host name, IPv6 in
brackets, the handshake's headers, a fresh 16-byte key each run, the
offered subprotocols in order, --header lines as given, no extension
offered); its frames (each masked with a key of its own, the payload
unmasking to the line, every length form); its close (1000 "end of
input"); and the arguments refused before any connection (exit 2)."""

import base64
import socket

import pytest

from wshub_test import T
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_TEXT, apply_mask
from wshub_test.talk import Talk, answer_close, frames_with_keys, run_talk
from wshub_test.upstream import HOST, UpstreamPeer, upstreams  # noqa: F401 (a fixture)


def request_then_close(peer):
    """A script: the request read and accepted, the client's close (1000
    "end of input") answered with the code alone; returns the request."""
    request = peer.handshake()
    close = answer_close(peer)
    assert (close.close_code, close.close_reason) == (1000, b"end of input"), close
    return request


def request_for(upstreams, path, *flags):  # noqa: F811
    """The upgrade request wshub-talk sends to a raw server at `path` (its
    input empty: it opens and closes with 1000)."""
    up = upstreams.raw(request_then_close)
    run_talk(up.url(path), *flags).assert_closed(1000, "")
    assert len(up.peers) == 1
    return up.wait_peer(0), up.port


def test_the_request_line_and_handshake_headers(upstreams):  # noqa: F811
    req, port = request_for(upstreams, "/some/path.v2?room=a%20b&x=1")
    assert (req.method, req.target) == ("GET", "/some/path.v2?room=a%20b&x=1"), req
    assert req.raw_head.startswith(b"GET /some/path.v2?room=a%20b&x=1 HTTP/1.1\r\n"), req.raw_head
    assert req.one("Host") == f"{HOST}:{port}"
    assert req.one("Upgrade").lower() == "websocket"
    assert "upgrade" in [t.lower() for t in req.tokens("Connection")], req
    assert req.one("Sec-WebSocket-Version") == "13"
    assert req.header("Sec-WebSocket-Extensions") == [], "an extension offered"
    assert req.header("Sec-WebSocket-Protocol") == [], "a subprotocol offered though none was given"
    names = [n.lower() for n, _ in req.headers]
    assert sorted(names) == sorted(["host", "upgrade", "connection", "sec-websocket-key", "sec-websocket-version"]), req


@pytest.mark.parametrize("url_path,target", [("", "/"), ("/", "/"), ("?q=1", "/?q=1"), ("/a/b/", "/a/b/")])
def test_the_target_of_a_url_with_no_path_or_only_a_query(upstreams, url_path, target):  # noqa: F811
    req, _ = request_for(upstreams, url_path)
    assert req.target == target, req


def test_the_key_is_16_random_bytes_fresh_each_run(upstreams):  # noqa: F811
    keys = [request_for(upstreams, "/k")[0].one("Sec-WebSocket-Key") for _ in range(3)]
    for key in keys:
        assert len(key) == 24 and len(base64.b64decode(key, validate=True)) == 16, key
    assert len(set(keys)) == 3, f"a key repeated between runs: {keys}"


def test_the_offered_subprotocols_in_order(upstreams):  # noqa: F811
    req, _ = request_for(upstreams, "/p", "--protocol", "chat.v2", "--protocol", "chat.v1", "--protocol", "x-y")
    assert req.tokens("Sec-WebSocket-Protocol") == ["chat.v2", "chat.v1", "x-y"], req


def test_header_lines_present_as_given(upstreams):  # noqa: F811
    given = ["Origin: http://example.test", "Authorization: Bearer abc.def.ghi", "Cookie: a=b; c=d",
             "X-Custom: one, two  three", "X-Empty:"]
    flags = [arg for line in given for arg in ("--header", line)]
    req, _ = request_for(upstreams, "/h", *flags)
    for line in given:
        assert f"\r\n{line}\r\n".encode() in req.raw_head, f"{line!r} not in {req.raw_head!r}"
    assert req.one("X-Custom") == "one, two  three"
    assert req.one("Host") != "example.test"


def test_a_host_name_resolved_and_sent_as_given(upstreams):  # noqa: F811
    # /etc/hosts names localhost; the client reads it itself (not through libc).
    with open("/etc/hosts") as f:
        if not any(line.split()[:1] == ["127.0.0.1"] and "localhost" in line.split()[1:] for line in f):
            pytest.skip("/etc/hosts does not map localhost to 127.0.0.1")
    up = upstreams.raw(request_then_close)
    run_talk(f"ws://localhost:{up.port}/named").assert_closed(1000, "")
    req = up.wait_peer(0)
    assert (req.target, req.one("Host")) == ("/named", f"localhost:{up.port}"), req


def test_ipv6_host_in_brackets():
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        listener.bind(("::1", 0))
    except OSError as e:
        listener.close()
        pytest.skip(f"no ::1 here: {e}")
    with listener:
        listener.listen(1)
        listener.settimeout(T)
        port = listener.getsockname()[1]
        talk = Talk(f"ws://[::1]:{port}/six?x=6")
        try:
            sock, _ = listener.accept()
            peer = UpstreamPeer(sock)
            try:
                req = peer.handshake()
                talk.end_input()
                close = answer_close(peer)
            finally:
                peer.close()
        finally:
            done = talk.wait()
    assert req.target == "/six?x=6", req
    assert req.one("Host") == f"[::1]:{port}", req
    assert (close.close_code, close.close_reason) == (1000, b"end of input"), close
    done.assert_closed(1000, "")


# ------------------------------------------------------- the client's frames

LINE_SIZES = [0, 1, 2, 3, 4, 5, 125, 126, 127, 65535, 65536, 70_000] + list(range(7, 45))


def client_frames_script(count):
    """A script: handshake, then `count` frames and the close frame read with
    their keys, the close answered."""
    def script(peer):
        peer.handshake()
        frames = frames_with_keys(peer, count + 1)
        peer.send_frame(OP_CLOSE, frames[-1][0].payload[:2])
        assert peer.wait_eof(), "the client kept the connection open after the close handshake"
        return frames
    return script


@pytest.mark.parametrize("flags,opcode", [((), OP_TEXT), (("--binary",), OP_BINARY)])
def test_every_frame_masked_with_a_key_of_its_own(upstreams, flags, opcode):  # noqa: F811
    lines = [bytes((65 + (i + j) % 26) for j in range(size)) for i, size in enumerate(LINE_SIZES)]
    assert len(lines) == 50
    up = upstreams.raw(client_frames_script(len(lines)))
    run_talk(up.url(), *flags, input=b"".join(x + b"\n" for x in lines)).assert_closed(1000, "")
    frames = up.wait_peer(0)
    assert len(frames) == len(lines) + 1, f"{len(frames)} frames, wanted {len(lines)} and a close"
    for i, ((frame, key), line) in enumerate(zip(frames, lines)):
        assert frame.masked and key is not None, f"frame {i} not masked: {frame!r}"
        assert (frame.fin, frame.rsv, frame.opcode) == (True, 0, opcode), f"frame {i}: {frame!r}"
        assert frame.payload == line, f"frame {i} unmasks to {frame.payload[:20]!r}, wanted {line[:20]!r}"
        if len(line) >= 4:
            assert apply_mask(frame.payload, key) != line, f"frame {i}: the key {key!r} masks nothing"
    keys = [key for _, key in frames]
    assert len(set(keys)) >= 45, f"only {len(set(keys))} distinct masking keys in {len(keys)} frames"
    close, close_key = frames[-1]
    assert close.opcode == OP_CLOSE and close.masked and close_key is not None, close
    assert (close.close_code, close.close_reason) == (1000, b"end of input"), close


# ----------------------------------------------------------- bad arguments


BAD_ARGUMENTS = {
    "wss scheme": (["wss://{addr}/x"], "wss"),
    "http scheme": (["http://{addr}/x"], "expected ws://"),
    "fragment": (["ws://{addr}/x#part"], "fragment"),
    "fragment after a query": (["ws://{addr}/x?a=1#part"], "fragment"),
    "space in the query": (["ws://{addr}/x?a=1 2"], "query"),
    "port 0": (["ws://127.0.0.1:0/x"], "port"),
    "header with CR": (["--header", "X-A: one\rtwo", "ws://{addr}/x"], "header line"),
    "header with LF": (["--header", "X-A: one\ntwo", "ws://{addr}/x"], "header line"),
    "header without a colon": (["--header", "X-A one", "ws://{addr}/x"], "header line"),
    "Host header": (["--header", "Host: example.test", "ws://{addr}/x"], "handshake's own"),
    "Sec-WebSocket-Key header": (["--header", "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==", "ws://{addr}/x"],
                                 "handshake's own"),
    "Connection header": (["--header", "connection: close", "ws://{addr}/x"], "handshake's own"),
    "no URL": (["--binary"], "usage"),
    "unknown flag": (["--frobnicate", "ws://{addr}/x"], "usage"),
    "two URLs": (["ws://{addr}/x", "ws://{addr}/y"], "usage"),
    "flag without its value": (["ws://{addr}/x", "--protocol"], "usage"),
}


@pytest.mark.parametrize("case", BAD_ARGUMENTS, ids=list(BAD_ARGUMENTS))
def test_bad_arguments_exit_2_before_connecting(upstreams, case):  # noqa: F811
    up = upstreams.raw(request_then_close)
    argv, words = BAD_ARGUMENTS[case]
    args = [a.replace("{addr}", f"{HOST}:{up.port}") for a in argv]
    talk = Talk(args[-1], *args[:-1])
    talk.feed(b"a line\n")
    talk.wait().assert_bad_arguments(words)
    assert up.peers == [], f"{case}: wshub-talk connected anyway"
