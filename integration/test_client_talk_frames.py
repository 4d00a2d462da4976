"""Frames from the server as wshub's public WebSocket client (wshub/client.h)
takes them, through wshub-talk against a scripted raw server: fragmented
messages reassembled (a character split between fragments), pings answered
with masked pongs of the same payload (inside a fragmented message too),
frames right behind the 101; every RFC 6455 violation answered with the
close code section 7.4.1 gives it (1002, 1007, 1009), the message never
printed; the server's close (its code echoed, its reason printed), a close
without a code, and a connection dropped without one (1006)."""

import pytest

from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT
from wshub_test.frames import build_frame, close_payload
from wshub_test.talk import Talk
from wshub_test.upstream import upstreams  # noqa: F401 (a fixture)


def served(upstreams, script, *flags):  # noqa: F811
    """wshub-talk against a raw server running `script`, its input left open
    (the server ends the connection): (Outcome, the script's result)."""
    up = upstreams.raw(script)
    done = Talk(up.url(), *flags).wait(end_input=False)
    return done, up.wait_peer(0)


def frame(opcode, payload=b"", **kw):
    """A frame as a server sends it: unmasked unless told otherwise."""
    return build_frame(opcode, payload, **{"mask": False, **kw})


def next_close(peer):
    """The client's next frame, which must be a close."""
    f = peer.recv_client_frame()
    assert f is not None and f.opcode == OP_CLOSE, f"wanted the client's close frame, got {f!r}"
    return f


def server_closes(peer, code=1000, reason=b"done"):
    """The server's close; the client's answer (its code echoed) and its EOF."""
    peer.send_close(code, reason)
    answer = next_close(peer)
    assert peer.wait_eof(), "the client kept the connection after the close handshake"
    return answer


def sending(*data, then=server_closes):
    """A script: handshake, each of `data` sent (bytes, as its own send),
    then then(peer) returned."""
    def script(peer):
        peer.handshake()
        for d in data:
            peer.send(d)
        return then(peer)
    return script


# ------------------------------------------------------------ good frames

SPLIT_TEXT = "a€b𝄞c — ü".encode()


def test_fragmented_text_with_a_character_split_arrives_as_one_line(upstreams):  # noqa: F811
    # Cut inside the euro sign (3 bytes) and inside the clef (4 bytes).
    cuts = (SPLIT_TEXT[:2], SPLIT_TEXT[2:7], SPLIT_TEXT[7:])
    done, _ = served(upstreams, sending(frame(OP_TEXT, cuts[0], fin=False), frame(OP_CONT, cuts[1], fin=False),
                                        frame(OP_CONT, cuts[2])))
    assert done.out == SPLIT_TEXT + b"\n", done
    done.assert_closed(1000, "done")


def test_fragmented_binary_with_empty_fragments(upstreams):  # noqa: F811
    done, _ = served(upstreams, sending(frame(OP_BINARY, b"", fin=False), frame(OP_CONT, b"\x00\xff", fin=False),
                                        frame(OP_CONT, b"", fin=False), frame(OP_CONT, b"\x01")))
    assert done.out == b"\x00\xff\x01\n", done
    done.assert_closed(1000, "done")


@pytest.mark.parametrize("payload", [b"", b"are you there", bytes(range(125))], ids=["empty", "text", "125"])
def test_a_ping_inside_a_fragmented_message_is_answered(upstreams, payload):  # noqa: F811
    def then(peer):
        pong = peer.recv_client_frame()  # asserts it is masked, without RSV bits
        assert pong is not None and (pong.opcode, pong.fin, pong.payload) == (OP_PONG, True, payload), pong
        return server_closes(peer)

    done, _ = served(upstreams, sending(frame(OP_TEXT, b"first ", fin=False), frame(OP_PING, payload),
                                        frame(OP_CONT, b"second"), then=then))
    assert done.out == b"first second\n", done
    done.assert_closed(1000, "done")


def test_an_unsolicited_pong_is_ignored(upstreams):  # noqa: F811
    done, _ = served(upstreams, sending(frame(OP_TEXT, b"a"), frame(OP_PONG, b"unasked"), frame(OP_TEXT, b"b")))
    assert done.lines == [b"a", b"b"], done
    done.assert_closed(1000, "done")


def test_frames_right_behind_the_101_are_delivered(upstreams):  # noqa: F811
    trailing = frame(OP_TEXT, b"one") + frame(OP_PING, b"p") + frame(OP_BINARY, b"two") + frame(OP_TEXT, b"three")

    def script(peer):
        peer.handshake(trailing=trailing)  # the head and the frames in one send
        pong = peer.recv_client_frame()
        assert pong is not None and (pong.opcode, pong.payload) == (OP_PONG, b"p"), pong
        return server_closes(peer)

    done, _ = served(upstreams, script)
    assert done.lines == [b"one", b"two", b"three"], done
    done.assert_closed(1000, "done")


def test_a_close_frame_right_behind_the_101(upstreams):  # noqa: F811
    def script(peer):
        peer.handshake(trailing=frame(OP_TEXT, b"hello") + frame(OP_CLOSE, close_payload(4001, "at once")))
        answer = next_close(peer)
        assert peer.wait_eof()
        return answer

    done, answer = served(upstreams, script)
    assert done.lines == [b"hello"], done
    done.assert_closed(4001, "at once")
    assert answer.close_code == 4001, answer


@pytest.mark.parametrize("pieces", [[100], [50, 50], [0, 100, 0]], ids=["whole", "halves", "empty ends"])
def test_a_message_of_exactly_max_message(upstreams, pieces):  # noqa: F811
    frames = [frame(OP_BINARY if i == 0 else OP_CONT, b"m" * n, fin=i == len(pieces) - 1)
              for i, n in enumerate(pieces)]
    done, _ = served(upstreams, sending(*frames), "--max-message", "100")
    assert done.lines == [b"m" * 100], done
    done.assert_closed(1000, "done")


# ------------------------------------------------- the server's RFC 6455 faults

# What the server sends after a good message, the close code the client must
# answer with, and its flags.
MAX_100 = ("--max-message", "100")
FAULTS = {
    "masked frame": (build_frame(OP_TEXT, b"hidden", mask=True), 1002, ()),
    "RSV1 without an extension": (frame(OP_TEXT, b"x", rsv=4), 1002, ()),
    "RSV2": (frame(OP_TEXT, b"x", rsv=2), 1002, ()),
    "RSV3": (frame(OP_BINARY, b"x", rsv=1), 1002, ()),
    "RSV1 on a ping": (frame(OP_PING, b"x", rsv=4), 1002, ()),
    "opcode 0x3": (frame(0x3, b"x"), 1002, ()),
    "opcode 0x7": (frame(0x7, b"x"), 1002, ()),
    "opcode 0xB": (frame(0xB, b"x"), 1002, ()),
    "opcode 0xF": (frame(0xF), 1002, ()),
    "continuation without a message": (frame(OP_CONT, b"x"), 1002, ()),
    "new message inside a fragmented one": (frame(OP_TEXT, b"a", fin=False) + frame(OP_TEXT, b"b"), 1002, ()),
    "fragmented ping": (frame(OP_PING, b"x", fin=False), 1002, ()),
    "ping of 126 bytes": (frame(OP_PING, b"p" * 126), 1002, ()),
    "close of 126 bytes": (frame(OP_CLOSE, close_payload(1000, "r" * 124)), 1002, ()),
    "close payload of 1 byte": (frame(OP_CLOSE, b"\x03"), 1002, ()),
    "close code 0": (frame(OP_CLOSE, close_payload(0)), 1002, ()),
    "close code 999": (frame(OP_CLOSE, close_payload(999)), 1002, ()),
    "close code 1004": (frame(OP_CLOSE, close_payload(1004)), 1002, ()),
    "close code 1005": (frame(OP_CLOSE, close_payload(1005)), 1002, ()),
    "close code 1006": (frame(OP_CLOSE, close_payload(1006)), 1002, ()),
    "close code 1015": (frame(OP_CLOSE, close_payload(1015)), 1002, ()),
    "close code 2999": (frame(OP_CLOSE, close_payload(2999)), 1002, ()),
    "close code 5000": (frame(OP_CLOSE, close_payload(5000)), 1002, ()),
    "close reason not UTF-8": (frame(OP_CLOSE, close_payload(1000, b"bad \xff")), 1007, ()),
    "64-bit length with the top bit set": (frame(OP_BINARY, length=1 << 63, length_bytes=8), 1002, ()),
    "text not UTF-8": (frame(OP_TEXT, b"ok \xff"), 1007, ()),
    "text ending inside a character": (frame(OP_TEXT, b"ab\xe2\x82"), 1007, ()),
    "a character broken across fragments": (frame(OP_TEXT, b"ab\xe2\x82", fin=False) + frame(OP_CONT, b"("),
                                            1007, ()),
    "a surrogate": (frame(OP_TEXT, b"\xed\xa0\x80"), 1007, ()),
    "an overlong slash": (frame(OP_TEXT, b"\xc0\xaf"), 1007, ()),
    "a code point over U+10FFFF": (frame(OP_TEXT, b"\xf4\x90\x80\x80"), 1007, ()),
    "text over --max-message": (frame(OP_TEXT, b"t" * 101), 1009, MAX_100),
    "binary over --max-message": (frame(OP_BINARY, b"b" * 101), 1009, MAX_100),
    "fragments over --max-message": (frame(OP_TEXT, b"t" * 60, fin=False) + frame(OP_CONT, b"t" * 41), 1009, MAX_100),
    "a length over the default 16 MiB, no payload": (frame(OP_BINARY, length=(16 << 20) + 1, length_bytes=8),
                                                     1009, ()),
}


@pytest.mark.parametrize("case", FAULTS, ids=list(FAULTS))
def test_a_server_fault_is_answered_with_its_close_code(upstreams, case):  # noqa: F811
    bad, code, flags = FAULTS[case]

    def told(peer):
        told = next_close(peer)
        assert peer.wait_eof(), "the client kept the connection open after its protocol error close"
        return told

    done, told = served(upstreams, sending(frame(OP_TEXT, b"before"), bad, then=told), *flags)
    assert told.close_code == code, f"{case}: the client sent {told!r}, wanted code {code}"
    assert done.out == b"before\n", f"{case}: {done!r}"
    reason = done.assert_closed(code)
    assert reason.encode() == told.close_reason, f"printed {reason!r}, sent {told.close_reason!r}"


# ------------------------------------------------------------------ closes


@pytest.mark.parametrize("code,reason", [(4000, "bye"), (1001, "going away"), (3000, ""), (1011, "é ✓")])
def test_the_servers_close_is_echoed_and_printed(upstreams, code, reason):  # noqa: F811
    done, answer = served(upstreams, sending(frame(OP_TEXT, b"hi"), then=lambda p: server_closes(p, code, reason)))
    assert answer.close_code == code, f"the client answered {answer!r}, wanted code {code} echoed"
    assert done.lines == [b"hi"], done
    done.assert_closed(code, reason)


def test_the_servers_close_with_1000_exits_0(upstreams):  # noqa: F811
    done, answer = served(upstreams, sending(then=lambda p: server_closes(p, 1000, "fine")))
    assert answer.close_code == 1000, answer
    done.assert_closed(1000, "fine")


def test_a_close_without_a_code_is_1005_and_answered_empty(upstreams):  # noqa: F811
    def script(peer):
        peer.handshake()
        peer.send_close()
        answer = next_close(peer)
        assert peer.wait_eof()
        return answer

    done, answer = served(upstreams, script)
    assert answer.payload == b"", f"the client answered a close without a code with {answer!r}"
    done.assert_closed(1005, "")


@pytest.mark.parametrize("reset", [False, True], ids=["FIN", "reset"])
def test_a_connection_dropped_without_a_close_is_1006(upstreams, reset):  # noqa: F811
    def script(peer):
        peer.handshake()
        peer.send_frame(OP_TEXT, b"last words")
        peer.reset() if reset else peer.close()

    done, _ = served(upstreams, script)
    if not reset:  # a reset may discard what the client had yet to read
        assert done.lines == [b"last words"], done
    done.assert_closed(1006)


def test_messages_after_the_clients_close_are_still_delivered(upstreams):  # noqa: F811
    def script(peer):
        peer.handshake()
        close = next_close(peer)  # at the end of the (empty) input
        peer.send(frame(OP_TEXT, b"late one") + frame(OP_BINARY, b"late two"))
        peer.send_close(1000)
        assert peer.wait_eof()
        return close

    up = upstreams.raw(script)
    done = Talk(up.url()).wait()
    close = up.wait_peer(0)
    assert (close.close_code, close.close_reason) == (1000, b"end of input"), close
    assert done.lines == [b"late one", b"late two"], done
    done.assert_closed(1000, "")


def test_a_close_the_server_never_answers_times_out_1006(upstreams):  # noqa: F811
    def script(peer):
        peer.handshake()
        close = next_close(peer)
        # Neither a close frame nor a FIN: the client gives up on its own.
        assert peer.wait_eof(timeout=10), "the client never dropped the connection"
        return close

    up = upstreams.raw(script)
    done = Talk(up.url()).wait(timeout=10)
    assert up.wait_peer(0, timeout=10).close_code == 1000
    done.assert_closed(1006, "close timed out")
