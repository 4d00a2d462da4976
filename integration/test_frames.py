"""RFC 6455 after the upgrade, through raw sockets: framing errors with their
exact close codes, control frames, fragmentation, limits, keepalive."""

import os
import socket
import struct
import time

import pytest

from wshub_test.client import PeerClosed, assert_alive, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, build_frame, close_payload


def fail_case(server, data, code, path="/echo"):
    """Sends `data` after a good handshake; asserts close `code` then EOF, and
    that the server still serves a fresh client."""
    with open_ws(server, path) as c:
        c.send(data)
        c.expect_close(code)
    assert_alive(server)


# ------------------------------------------------------------ echo semantics


@pytest.mark.parametrize("size", [0, 1, 125, 126, 127, 65535, 65536, 200000])
def test_raw_echo_is_one_unmasked_frame(server, size):
    with open_ws(server) as c:
        data = os.urandom(size)
        c.send_binary(data)
        c.expect_message(OP_BINARY, data)
        text = ("é" * size)[:size]
        c.send_text(text)
        c.expect_message(OP_TEXT, text)
        c.close_cleanly()


def test_fragmented_message_echoed_as_one_frame(server):
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, b"one ", fin=False)
        c.send_frame(OP_CONT, b"", fin=False)
        c.send_frame(OP_CONT, b"two ", fin=False)
        c.send_frame(OP_CONT, b"three")
        c.expect_message(OP_TEXT, b"one two three")
        c.send_frame(OP_BINARY, b"\x00", fin=False)
        c.send_frame(OP_CONT, b"\xff")
        c.expect_message(OP_BINARY, b"\x00\xff")
        c.close_cleanly()


def test_utf8_sequence_split_across_fragments(server):
    text = "a€𝄞b".encode()  # 1 + 3 + 4 + 1 bytes
    with open_ws(server) as c:
        # split inside the 3-byte and the 4-byte sequence
        c.send_frame(OP_TEXT, text[:2], fin=False)
        c.send_frame(OP_CONT, text[2:6], fin=False)
        c.send_frame(OP_CONT, text[6:])
        c.expect_message(OP_TEXT, text)
        c.close_cleanly()


def test_ping_answered_with_pong(server):
    with open_ws(server) as c:
        for payload in (b"", b"x", os.urandom(125)):
            c.send_frame(OP_PING, payload)
            f = c.recv_frame()
            assert (f.opcode, f.fin, f.rsv, f.masked, f.payload) == (OP_PONG, True, 0, False, payload)
        c.close_cleanly()


def test_ping_interleaved_in_fragmented_message(server):
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, b"frag1-", fin=False)
        c.send_frame(OP_PING, b"mid")
        f = c.recv_frame()
        assert (f.opcode, f.payload) == (OP_PONG, b"mid")
        c.send_frame(OP_CONT, b"frag2-", fin=False)
        c.send_frame(OP_PONG, b"unsolicited")  # ignored
        c.send_frame(OP_PING, b"")
        f = c.recv_frame()
        assert (f.opcode, f.payload) == (OP_PONG, b"")
        c.send_frame(OP_CONT, b"end")
        c.expect_message(OP_TEXT, b"frag1-frag2-end")
        c.close_cleanly()


def test_unsolicited_pong_ignored(server):
    with open_ws(server) as c:
        c.send_frame(OP_PONG, b"hello")
        c.echo_roundtrip("after pong")
        c.close_cleanly()


def test_binary_is_not_utf8_checked(server):
    with open_ws(server) as c:
        c.send_binary(b"\xff\xfe\xc0\xaf")
        c.expect_message(OP_BINARY, b"\xff\xfe\xc0\xaf")
        c.close_cleanly()


@pytest.mark.parametrize("size", [5, 300, 70000])
def test_frame_fed_one_byte_at_a_time(server, size):
    payload = bytes((i * 7) % 251 for i in range(size))
    frame = build_frame(OP_BINARY, payload)
    with open_ws(server) as c:
        if size <= 300:
            c.send_bytewise(frame, delay=0.001)
        else:
            # 64-bit length header (2 + 8 + 4 mask bytes) byte by byte, then the
            # payload in odd-sized pieces.
            c.send_bytewise(frame[:14], delay=0.002)
            rest = frame[14:]
            for i in range(0, len(rest), 4093):
                c.send(rest[i:i + 4093])
        c.expect_message(OP_BINARY, payload)
        c.close_cleanly()


def test_many_frames_in_one_packet(server):
    msgs = [(OP_TEXT if i % 3 else OP_BINARY, f"batched {i} ".encode() * (i % 40)) for i in range(600)]
    data = b"".join(build_frame(op, p) for op, p in msgs)
    with open_ws(server) as c:
        c.send(data)
        for op, p in msgs:
            c.expect_message(op, p)
        c.close_cleanly()


def test_fragmented_text_fed_one_byte_at_a_time(server):
    text = "ü€𝄞 byte by byte".encode()
    data = build_frame(OP_TEXT, text[:5], fin=False) + build_frame(OP_PING, b"p") + build_frame(OP_CONT, text[5:])
    with open_ws(server) as c:
        c.send_bytewise(data, delay=0.001)
        f = c.recv_frame()
        assert (f.opcode, f.payload) == (OP_PONG, b"p")
        c.expect_message(OP_TEXT, text)
        c.close_cleanly()


# ------------------------------------------------------------- close handshake


@pytest.mark.parametrize("code", [1000, 3000, 3999, 4000, 4999])
def test_client_close_echoes_code(server, code):
    with open_ws(server) as c:
        c.echo_roundtrip("before close")
        c.send_close(code, "a reason é")
        c.expect_close(code)
    assert_alive(server)


def test_client_close_without_payload(server):
    with open_ws(server) as c:
        c.send_close()
        f = c.recv_frame()
        assert f.opcode == OP_CLOSE
        # No code received: the answer carries no code, or 1000.
        assert f.payload == b"" or f.close_code == 1000, f
        c.expect_eof()
    assert_alive(server)


def test_client_close_with_max_reason(server):
    with open_ws(server) as c:
        c.send_close(1000, "r" * 123)  # 125-byte payload
        c.expect_close(1000)


def test_a_frame_behind_the_client_close_is_dropped(server):
    # Against the protocol (nothing may follow a close frame), in the same
    # packet: what came with the close never reaches the handler,
    # the answer still arrives whole, then EOF, not a reset.
    with open_ws(server) as c:
        c.send(build_frame(OP_CLOSE, close_payload(1000)) + build_frame(OP_TEXT, b"too late"))
        c.expect_close(1000)
    assert_alive(server)


def test_close_during_fragmented_message(server):
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, b"unfinished", fin=False)
        c.send_close(1000)
        c.expect_close(1000)
    assert_alive(server)


# ------------------------------------------------------------ protocol errors


def test_unmasked_frame_1002(server):
    fail_case(server, build_frame(OP_TEXT, b"hello", mask=False), 1002)


def test_unmasked_ping_1002(server):
    fail_case(server, build_frame(OP_PING, b"p", mask=False), 1002)


@pytest.mark.parametrize("rsv", [4, 2, 1, 7])
def test_rsv_bits_1002(server, rsv):
    fail_case(server, build_frame(OP_TEXT, b"hello", rsv=rsv), 1002)


@pytest.mark.parametrize("rsv", [4, 2, 1])
def test_rsv_bits_on_control_frame_1002(server, rsv):
    fail_case(server, build_frame(OP_PING, b"p", rsv=rsv), 1002)


@pytest.mark.parametrize("opcode", [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
def test_reserved_opcode_1002(server, opcode):
    fail_case(server, build_frame(opcode, b"x"), 1002)


@pytest.mark.parametrize("opcode", [OP_PING, OP_PONG, OP_CLOSE])
def test_control_frame_too_long_1002(server, opcode):
    payload = close_payload(1000, "r" * 124) if opcode == OP_CLOSE else b"p" * 126
    assert len(payload) == 126
    fail_case(server, build_frame(opcode, payload), 1002)


def test_control_frame_too_long_header_only_1002(server):
    # Declares 200 bytes in a ping, sends no payload: rejected from the header.
    fail_case(server, build_frame(OP_PING, b"", length=200), 1002)


@pytest.mark.parametrize("opcode", [OP_PING, OP_PONG, OP_CLOSE])
def test_fragmented_control_frame_1002(server, opcode):
    payload = close_payload(1000) if opcode == OP_CLOSE else b"p"
    fail_case(server, build_frame(opcode, payload, fin=False), 1002)


@pytest.mark.parametrize("fin", [True, False])
def test_continuation_without_message_1002(server, fin):
    fail_case(server, build_frame(OP_CONT, b"orphan", fin=fin), 1002)


def test_continuation_after_finished_message_1002(server):
    with open_ws(server) as c:
        c.send_text("complete")
        c.expect_message(OP_TEXT, "complete")
        c.send_frame(OP_CONT, b"late")
        c.expect_close(1002)
    assert_alive(server)


@pytest.mark.parametrize("first,second", [(OP_TEXT, OP_TEXT), (OP_TEXT, OP_BINARY), (OP_BINARY, OP_TEXT), (OP_BINARY, OP_BINARY)])
def test_new_message_inside_fragmented_1002(server, first, second):
    data = build_frame(first, b"part", fin=False) + build_frame(second, b"new")
    fail_case(server, data, 1002)


def test_64bit_length_top_bit_1002(server):
    fail_case(server, build_frame(OP_BINARY, b"", length=(1 << 63) | 5, length_bytes=8), 1002)


def test_64bit_length_all_ones_1002(server):
    fail_case(server, build_frame(OP_BINARY, b"", length=(1 << 64) - 1, length_bytes=8), 1002)


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


@pytest.mark.parametrize("name", sorted(INVALID_UTF8))
def test_invalid_utf8_text_1007(server, name):
    fail_case(server, build_frame(OP_TEXT, INVALID_UTF8[name]), 1007)


def test_invalid_utf8_across_fragments_1007(server):
    data = build_frame(OP_TEXT, b"abc\xe2", fin=False) + build_frame(OP_CONT, b"\x28\xa1")
    fail_case(server, data, 1007)


def test_truncated_utf8_at_message_end_fragmented_1007(server):
    data = build_frame(OP_TEXT, b"abc", fin=False) + build_frame(OP_CONT, b"\xf0\x9d\x84")
    fail_case(server, data, 1007)


@pytest.mark.parametrize("bad", [b"ok\xff", b"\xc0\xaf more", b"\xed\xa0\x80", b"\xf4\x90"])
def test_invalid_utf8_fails_fast_in_first_fragment(server, bad):
    # FIN=0 and the message is never finished: 1007 must come anyway.
    with open_ws(server) as c:
        c.send_frame(OP_TEXT, bad, fin=False)
        c.expect_close(1007, timeout=2)
    assert_alive(server)


def test_invalid_utf8_fails_fast_inside_unfinished_frame(server):
    # One frame declares 100 bytes but only the first 5 (already invalid) are sent.
    frame = build_frame(OP_TEXT, b"ab\xffcd" + b"x" * 95)
    with open_ws(server) as c:
        c.send(frame[:2 + 4 + 5])
        c.expect_close(1007, timeout=2)
    assert_alive(server)


def test_close_one_byte_payload_1002(server):
    fail_case(server, build_frame(OP_CLOSE, b"\x03"), 1002)


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
def test_close_code_not_allowed_1002(server, code):
    fail_case(server, build_frame(OP_CLOSE, close_payload(code, "x")), 1002)


def test_close_reason_not_utf8_1007(server):
    fail_case(server, build_frame(OP_CLOSE, struct.pack("!H", 1000) + b"bad \xff reason"), 1007)


# ----------------------------------------------------------------- max message


@pytest.fixture
def small(wshub):
    return wshub("--max-message", "1KiB")


def test_max_message_header_only_1009(small):
    # Declares 2000 bytes, sends none of them: the header alone must trigger 1009.
    with open_ws(small) as c:
        c.send(build_frame(OP_BINARY, b"", length=2000))
        c.expect_close(1009, timeout=2)
    assert_alive(small)


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_max_message_boundary(small, opcode):
    with open_ws(small) as c:
        c.send_frame(opcode, b"a" * 1024)
        c.expect_message(opcode, b"a" * 1024)
        c.send_frame(opcode, b"b" * 1025)
        c.expect_close(1009)
    assert_alive(small)


def test_max_message_fragmented_total_1009(small):
    with open_ws(small) as c:
        c.send_frame(OP_TEXT, b"a" * 600, fin=False)
        c.send_frame(OP_CONT, b"b" * 424)  # 1024 in total: fine
        c.expect_message(OP_TEXT, b"a" * 600 + b"b" * 424)
        c.send_frame(OP_BINARY, b"a" * 600, fin=False)
        c.send_frame(OP_CONT, b"b" * 425, fin=False)  # 1025 in total
        c.expect_close(1009)
    assert_alive(small)


def test_max_message_fragmented_header_only_1009(small):
    with open_ws(small) as c:
        c.send_frame(OP_BINARY, b"a" * 1000, fin=False)
        c.send(build_frame(OP_CONT, b"", length=100))  # would make 1100: header alone decides
        c.expect_close(1009, timeout=2)
    assert_alive(small)


def test_control_frames_not_counted_in_message(small):
    with open_ws(small) as c:
        c.send_frame(OP_TEXT, b"a" * 1000, fin=False)
        c.send_frame(OP_PING, b"p" * 125)
        f = c.recv_frame()
        assert (f.opcode, f.payload) == (OP_PONG, b"p" * 125)
        c.send_frame(OP_CONT, b"b" * 24)
        c.expect_message(OP_TEXT, b"a" * 1000 + b"b" * 24)
        c.close_cleanly()


# ------------------------------------------------------------------- keepalive


KEEPALIVE = ("--ping-interval", "200ms", "--idle-timeout", "1s", "--close-timeout", "1s")


def test_server_sends_pings(wshub):
    server = wshub(*KEEPALIVE)
    with open_ws(server) as c:
        t0 = time.monotonic()
        f = c.recv_frame(timeout=1.5)
        assert f.opcode == OP_PING, f
        assert (f.fin, f.rsv, f.masked) == (True, 0, False)
        assert len(f.payload) <= 125
        assert time.monotonic() - t0 <= 1.2
        c.send_frame(OP_PONG, f.payload)
        c.auto_pong = True
        c.close_cleanly()


def test_idle_client_closed_1001(wshub):
    server = wshub(*KEEPALIVE)
    with open_ws(server) as c:
        t0 = time.monotonic()
        pings = 0
        while True:
            try:
                f = c.recv_frame(timeout=5 - (time.monotonic() - t0))
            except PeerClosed:
                raise AssertionError(f"TCP closed without a close frame after {time.monotonic() - t0:.2f}s")
            if f.opcode == OP_PING:
                pings += 1
                continue
            break
        elapsed = time.monotonic() - t0
        assert f.opcode == OP_CLOSE, f
        assert f.close_code == 1001, f
        assert 0.8 <= elapsed <= 4.0, f"closed after {elapsed:.2f}s"
        assert pings >= 1
        c.expect_eof(timeout=4.0 - elapsed + 0.5)
        assert time.monotonic() - t0 <= 4.0
    assert_alive(server)


def test_client_answering_pings_stays_open(wshub):
    server = wshub(*KEEPALIVE)
    with open_ws(server) as c:
        t0 = time.monotonic()
        pings = 0
        while time.monotonic() - t0 < 2.3:
            try:
                f = c.recv_frame(timeout=0.1)
            except socket.timeout:
                continue
            assert f.opcode == OP_PING, f"unexpected {f!r} after {time.monotonic() - t0:.2f}s"
            pings += 1
            c.send_frame(OP_PONG, f.payload)
        assert pings >= 5, f"only {pings} pings in 2.3s at a 200ms interval"
        c.auto_pong = True
        c.echo_roundtrip("still open")
        c.close_cleanly()


def test_ping_interval_zero_sends_no_pings(wshub):
    server = wshub("--ping-interval", "0", "--idle-timeout", "0")
    with open_ws(server) as c:
        with pytest.raises(socket.timeout):
            c.recv_frame(timeout=0.8)
        c.echo_roundtrip("quiet")
        c.close_cleanly()
