"""How wshub's public WebSocket client (wshub/client.h) takes the server's
answer to its upgrade, through wshub-talk against a scripted raw server: a
101 that fails any of RFC 6455 4.1's checks (the accept value, Upgrade,
Connection, an extension or a subprotocol never offered) is "fail 0" and
the connection dropped with no frame sent, while the variations it allows
(case, lists, reason phrases, a subprotocol or none) open; another status
is "fail STATUS"
(a redirect not followed); a server that closes, resets or says nothing
before answering, and nothing listening at all, are "fail 0" too. Every
failure exits 1 with nothing on stdout."""

import pytest

from wshub_test.frames import accept_for, make_key
from wshub_test.talk import answer_close, run_talk
from wshub_test.upstream import refused_url, upstreams  # noqa: F401 (a fixture)

SWITCHING = "HTTP/1.1 101 Switching Protocols"
UPGRADE = "Upgrade: websocket"
CONNECTION = "Connection: Upgrade"


def head(*lines):
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def accept(req):
    return f"Sec-WebSocket-Accept: {accept_for(req.one('Sec-WebSocket-Key'))}"


def answering(answer):
    """A script: reads the request, sends answer(request) (bytes), and
    asserts the client then closes without sending a frame."""
    def script(peer):
        req = peer.read_request()
        peer.send(answer(req))
        assert peer.recv_client_frame() is None, "the client sent a frame after an answer it should refuse"
        return req
    return script


def fail_through(upstreams, answer, *flags):  # noqa: F811
    """wshub-talk's Outcome against a server answering answer(request), with
    a line of input it must never send."""
    up = upstreams.raw(answering(answer))
    done = run_talk(up.url(), *flags, input=b"never sent\n")
    up.wait_peer(0)
    assert len(up.peers) == 1, f"{len(up.peers)} connections, wanted one"
    return done


# Answers to the upgrade that are not a WebSocket upgrade for this client,
# with a word their "fail 0" line names, and the client's flags.
INVALID_101 = {
    "wrong accept": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, f"Sec-WebSocket-Accept: {accept_for(make_key())}"),
                     "Sec-WebSocket-Accept", ()),
    "accept of the key itself": (lambda r: head(SWITCHING, UPGRADE, CONNECTION,
                                                f"Sec-WebSocket-Accept: {r.one('Sec-WebSocket-Key')}"),
                                 "Sec-WebSocket-Accept", ()),
    "no accept": (lambda r: head(SWITCHING, UPGRADE, CONNECTION), "Sec-WebSocket-Accept", ()),
    "two accepts": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r), accept(r)), "Sec-WebSocket-Accept", ()),
    "no Upgrade": (lambda r: head(SWITCHING, CONNECTION, accept(r)), "Upgrade", ()),
    "Upgrade: h2c": (lambda r: head(SWITCHING, "Upgrade: h2c", CONNECTION, accept(r)), "Upgrade", ()),
    "no Connection": (lambda r: head(SWITCHING, UPGRADE, accept(r)), "Connection", ()),
    "Connection: keep-alive": (lambda r: head(SWITCHING, UPGRADE, "Connection: keep-alive", accept(r)),
                               "Connection", ()),
    "an extension": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                    "Sec-WebSocket-Extensions: permessage-deflate"), "extension", ()),
    "a protocol not offered": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                              "Sec-WebSocket-Protocol: c"), "subprotocol",
                               ("--protocol", "a", "--protocol", "b")),
    "a protocol that prefixes an offered one": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                                               "Sec-WebSocket-Protocol: cha"), "subprotocol",
                                                ("--protocol", "chat",)),
    "two offered protocols at once": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                                     "Sec-WebSocket-Protocol: a, b"), "subprotocol",
                                      ("--protocol", "a", "--protocol", "b")),
    "a protocol when none offered": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                                    "Sec-WebSocket-Protocol: chat"), "subprotocol", ()),
    "HTTP/1.0": (lambda r: head("HTTP/1.0 101 Switching Protocols", UPGRADE, CONNECTION, accept(r)), "HTTP/1.1", ()),
    "lines ending in LF": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r)).replace(b"\r\n", b"\n"),
                           "CRLF", ()),
    "not HTTP": (lambda r: b"SSH-2.0-OpenSSH_9.2\r\n", "HTTP", ()),
    "a malformed status line": (lambda r: head("HTTP/1.1 1O1 Switching Protocols", UPGRADE, CONNECTION, accept(r)),
                                "status line", ()),
    "a head over 16 KiB": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r), "X-Pad: " + "p" * 17000),
                           "too large", ()),
}


@pytest.mark.parametrize("case", INVALID_101, ids=list(INVALID_101))
def test_an_invalid_upgrade_answer_fails_0(upstreams, case):  # noqa: F811
    answer, word, flags = INVALID_101[case]
    fail_through(upstreams, answer, *flags).assert_failed(0, word)


def valid_answer(answer):
    """A script: reads the request, sends answer(request), answers the
    client's close; returns the client's close frame."""
    def script(peer):
        peer.send(answer(peer.read_request()))
        return answer_close(peer)
    return script


# Answers RFC 6455 4.1 lets a client take (header names and the Upgrade and
# Connection tokens are case-insensitive; a list may hold the token), with
# the client's flags and the subprotocol it must print.
VALID_101 = {
    "the plain answer": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r), "X-Other: 1"), (), ""),
    "names in lower case": (lambda r: head(SWITCHING, "upgrade: websocket", "connection: upgrade",
                                           "sec-websocket-accept: " + accept_for(r.one("Sec-WebSocket-Key"))),
                            (), ""),
    "tokens in mixed case": (lambda r: head(SWITCHING, "Upgrade: WebSocket", "Connection: UPGRADE", accept(r)), (), ""),
    "Connection as a list": (lambda r: head(SWITCHING, UPGRADE, "Connection: keep-alive, Upgrade", accept(r)), (), ""),
    "another reason phrase": (lambda r: head("HTTP/1.1 101 Web Socket Protocol Handshake", UPGRADE, CONNECTION,
                                             accept(r)), (), ""),
    "no reason phrase": (lambda r: head("HTTP/1.1 101", UPGRADE, CONNECTION, accept(r)), (), ""),
    "the second protocol offered": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r),
                                                   "Sec-WebSocket-Protocol: b"), ("--protocol", "a", "--protocol", "b"),
                                    "b"),
    "no protocol though some offered": (lambda r: head(SWITCHING, UPGRADE, CONNECTION, accept(r)),
                                        ("--protocol", "a"), ""),
}


@pytest.mark.parametrize("case", VALID_101, ids=list(VALID_101))
def test_a_valid_upgrade_answer_opens(upstreams, case):  # noqa: F811
    # The control for the table above too: its lines make answers the client takes.
    answer, flags, protocol = VALID_101[case]
    up = upstreams.raw(valid_answer(answer))
    done = run_talk(up.url(), *flags)
    assert done.event("open") == f"open {protocol}", done
    done.assert_closed(1000, "")
    assert up.wait_peer(0).close_code == 1000


def status_answer(status, reason, *lines, body=b""):
    return lambda r: head(f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body)}", *lines) + body


@pytest.mark.parametrize("status,reason", [(301, "Moved Permanently"), (302, "Found"),
                                           (307, "Temporary Redirect"), (308, "Permanent Redirect")])
def test_a_redirect_is_not_followed(upstreams, status, reason):  # noqa: F811
    target = upstreams.raw(lambda peer: None)  # where following the redirect would go
    location = f"Location: {target.url('/elsewhere')}"
    done = fail_through(upstreams, status_answer(status, reason, location))
    done.assert_failed(status, str(status), reason, "redirect")
    assert target.peers == [], "wshub-talk followed the redirect"


@pytest.mark.parametrize("status,reason", [(404, "Not Found"), (403, "Forbidden"), (401, "Unauthorized"),
                                           (400, "Bad Request"), (426, "Upgrade Required"),
                                           (500, "Internal Server Error"), (503, "Service Unavailable"),
                                           (200, "OK")])
def test_another_status_fails_with_it(upstreams, status, reason):  # noqa: F811
    answer = status_answer(status, reason, "Content-Type: text/plain", body=b"no websocket here\n")
    fail_through(upstreams, answer).assert_failed(status, str(status), reason)


def test_a_status_with_no_reason_phrase(upstreams):  # noqa: F811
    fail_through(upstreams, lambda r: head("HTTP/1.1 404", "Content-Length: 0")).assert_failed(404, "404")


# ------------------------------------------------- no answer, or none at all


def closes_after(prefix, reset=False):
    """A script: reads the request, sends `prefix` of an answer, then closes
    (or resets) the connection."""
    def script(peer):
        peer.read_request()
        if prefix:
            peer.send(prefix)
        peer.reset() if reset else peer.close()
    return script


@pytest.mark.parametrize("prefix,reset", [(b"", False), (b"", True), (b"HTTP/1.1 101 Swi", False),
                                          (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", False)],
                         ids=["close", "reset", "close mid status line", "close mid head"])
def test_the_server_ends_the_connection_before_answering(upstreams, prefix, reset):  # noqa: F811
    up = upstreams.raw(closes_after(prefix, reset))
    done = run_talk(up.url(), input=b"never sent\n")
    done.assert_failed(0)
    assert len(up.peers) == 1


def test_a_server_that_never_answers_times_out(upstreams):  # noqa: F811
    def silent(peer):
        peer.read_request()
        # The client gives up after its --timeout and closes.
        return peer.wait_eof()

    up = upstreams.raw(silent)
    done = run_talk(up.url(), "--timeout", "300", input=b"never sent\n")
    assert done.assert_failed(0) == "timed out", done
    assert up.wait_peer(0), "the client kept the connection after timing out"


def test_nothing_listening_connect_failed():
    done = run_talk(refused_url(), input=b"never sent\n")
    assert done.assert_failed(0) == "connect failed", done
