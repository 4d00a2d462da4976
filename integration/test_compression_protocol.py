"""permessage-deflate (RFC 7692) on the wire, from raw sockets with frames
built by hand and DEFLATE by Python's zlib: the Sec-WebSocket-Extensions
answer to each kind of offer, malformed headers, RSV1 where it may not be,
streams that are not DEFLATE, a zip bomb against --max-message (and the
server's memory meanwhile), fragmented compressed messages, UTF-8 checked
after inflating, which messages the server compresses, the windows it
compresses within, and the counters' exact bytes.
"""

import random
import zlib

import pytest

from wshub_test import T, asan_env
from wshub_test.client import RawClient, http_exchange
from wshub_test.deflate import (
    HEADER,
    RSV1,
    answer,
    compress,
    counter_deltas,
    counters,
    inflate,
    make_message,
    offering,
    recv_message,
    send_compressed,
)
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT, build_frame
from wshub_test.httpmsg import upgrade_request
from wshub_test.metrics import scrape
from wshub_test.proc import RssSampler, rss_kib

ASKED = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"


@pytest.fixture
def deflating(wshub):
    """A server that compresses on every route."""
    return wshub("--compression", "on")


# ------------------------------------------------------------ negotiation
ANSWERS = [
    ("permessage-deflate", ASKED),
    ("permessage-deflate; client_max_window_bits", ASKED),
    ("permessage-deflate; client_max_window_bits=10", ASKED + "; client_max_window_bits=10"),
    ("permessage-deflate; server_max_window_bits=9", ASKED + "; server_max_window_bits=9"),
    ("permessage-deflate; server_max_window_bits=12; client_max_window_bits=8",
     ASKED + "; server_max_window_bits=12; client_max_window_bits=8"),
    ("permessage-deflate; server_no_context_takeover; client_no_context_takeover", ASKED),
    ('PerMessage-Deflate ; Client_Max_Window_Bits = "11"', ASKED + "; client_max_window_bits=11"),
    ("permessage-deflate; foo=1, permessage-deflate; client_max_window_bits=10", ASKED + "; client_max_window_bits=10"),
    ("permessage-deflate; server_max_window_bits=10, permessage-deflate", ASKED + "; server_max_window_bits=10"),
    ("x-webkit-deflate-frame, permessage-deflate", ASKED),
    (",, permessage-deflate ,", ASKED),
    ("permessage-deflate; server_max_window_bits=16", None),
    ("permessage-deflate; server_max_window_bits", None),
    ("permessage-deflate; server_max_window_bits=08", None),
    ("permessage-deflate; client_max_window_bits=7", None),
    ("permessage-deflate; server_no_context_takeover; Server_No_Context_Takeover", None),
    ("permessage-deflate; client_max_window_bits=9; client_max_window_bits=9", None),
    ("permessage-deflate; server_no_context_takeover=1", None),
    ("permessage-deflate; foo", None),
    ("foo, bar; baz=1", None),
]


@pytest.mark.parametrize("offer,want", ANSWERS, ids=[a[0] for a in ANSWERS])
def test_answer_to_offer(deflating, offer, want):
    """The exact answer (or none: a 101 without the header); where there is
    none, RSV1 is a protocol error (1002)."""
    with offering(deflating, offer) as c:
        assert answer(c) == want, c.upgrade_response
        if want is None:
            c.send_frame(OP_TEXT, compress(b"x" * 300), rsv=RSV1)
            c.expect_close(1002)
        else:
            send_compressed(c, OP_TEXT, "x" * 300)
            assert recv_message(c).data == b"x" * 300
            c.close_cleanly()


def test_offers_over_several_header_lines(deflating):
    with RawClient(deflating.host, deflating.port) as c:
        c.handshake(extra_headers=[(HEADER, "foo"), (HEADER, "permessage-deflate; client_max_window_bits=9")])
        assert answer(c) == ASKED + "; client_max_window_bits=9"


MALFORMED = [
    "permessage-deflate;",
    "permessage-deflate; =1",
    '"permessage-deflate"',
    "permessage-deflate; server_max_window_bits=",
    'permessage-deflate; client_max_window_bits="10',
    "permessage deflate",
    "permessage-deflate@",
    'foo; bar="a b", permessage-deflate',
    "permessage-deflate, foo; ; x",
]


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_extensions_header_400(deflating, value):
    req = upgrade_request(f"{deflating.host}:{deflating.port}", extra_headers=[(HEADER, value)])
    resp = http_exchange(deflating, req)
    assert resp.status == 400, resp


def test_extensions_header_unread_where_nothing_compresses(wshub):
    """On a route that does not compress the header is not read at all:
    a malformed one is no reason to refuse, as before compression was."""
    server = wshub("--route", "/echo=echo", "--route", "/z=echo,compress")
    req = upgrade_request(f"{server.host}:{server.port}", path="/z", extra_headers=[(HEADER, MALFORMED[0])])
    assert http_exchange(server, req).status == 400
    with offering(server, MALFORMED[0], "/echo") as c:
        assert answer(c) is None
        c.echo_roundtrip("still plain " * 20)
        c.close_cleanly()


def test_compression_off_takes_no_offer(wshub):
    server = wshub()
    with offering(server) as c:
        assert answer(c) is None
        c.send_frame(OP_TEXT, compress(b"y" * 300), rsv=RSV1)
        c.expect_close(1002)


def test_a_reused_connection_slot_forgets_compression(wshub):
    """One worker, so that each connection takes the slot the one before
    left: a client that did not offer (or on a route that does not
    compress) after one that compressed gets plain frames."""
    server = wshub("--workers", "1", "--route", "/echo=echo,compress", "--route", "/plain=echo")
    data = b"a" * 5000
    for path, offer in [("/echo", "permessage-deflate"), ("/echo", None), ("/echo", "permessage-deflate"),
                        ("/plain", "permessage-deflate")]:
        with offering(server, offer, path) as c:
            c.send_binary(data)
            got = recv_message(c)
            assert (got.data, got.compressed) == (data, answer(c) is not None), (path, offer, got)
            c.close_cleanly()


# ------------------------------------------------- RSV1 where it may not be
@pytest.mark.parametrize("opcode", [OP_PING, OP_PONG, OP_CLOSE])
def test_rsv1_on_control_frame_1002(deflating, opcode):
    with offering(deflating) as c:
        c.send_frame(opcode, b"\x03\xe8" if opcode == OP_CLOSE else b"ping", rsv=RSV1)
        c.expect_close(1002)


def test_rsv1_on_continuation_1002(deflating):
    payload = compress(b"hello " * 100)
    with offering(deflating) as c:
        c.send(build_frame(OP_TEXT, payload[:10], fin=False, rsv=RSV1)
               + build_frame(OP_CONT, payload[10:], fin=True, rsv=RSV1))
        c.expect_close(1002)


@pytest.mark.parametrize("rsv", [2, 1, RSV1 | 2])
def test_rsv2_rsv3_still_1002_with_compression(deflating, rsv):
    with offering(deflating) as c:
        c.send_frame(OP_TEXT, compress(b"z" * 200), rsv=rsv)
        c.expect_close(1002)


def test_rsv1_without_offer_on_compressing_route_1002(deflating):
    with offering(deflating, None) as c:
        assert answer(c) is None
        c.send_frame(OP_BINARY, compress(b"z" * 200), rsv=RSV1)
        c.expect_close(1002)


# ------------------------------------------- what inflating finds wrong
NOT_DEFLATE = {
    "reserved block type": b"\xff\xff\xff\xff",
    "stored length check": b"\x01\x05\x00\x00\x00hello",
    "distance before the message": b"\x03\x02\x00",  # fixed block: a match at distance 1 before any byte
    "random bytes": random.Random(7).randbytes(300),
}


@pytest.mark.parametrize("name", NOT_DEFLATE)
def test_not_deflate_1007(deflating, name):
    payload = NOT_DEFLATE[name]
    with pytest.raises(Exception):  # zlib agrees the stream is bad
        inflate(payload)
    with offering(deflating) as c:
        c.send_frame(OP_BINARY, payload, rsv=RSV1)
        c.expect_close(1007)


def test_invalid_utf8_inside_compressed_text_1007(deflating):
    with offering(deflating) as c:
        send_compressed(c, OP_TEXT, b"valid start " * 20 + b"\xff\xfe" + b" end" * 50)
        c.expect_close(1007)


def test_utf8_checked_after_inflating_not_before(deflating):
    """Text whose compressed bytes are not UTF-8 (they never are) but whose
    content is: echoed; the same bytes as binary are not checked at all."""
    text = "héllo wörld € 𝄞 日本語 " * 40
    with offering(deflating) as c:
        send_compressed(c, OP_TEXT, text, pieces=7)
        got = recv_message(c)
        assert (got.opcode, got.data.decode("utf-8"), got.compressed) == (OP_TEXT, text, True)
        send_compressed(c, OP_BINARY, b"\xff\xfe" * 200)
        assert recv_message(c).data == b"\xff\xfe" * 200
        c.close_cleanly()


# -------------------------------------------------------------- zip bombs
def test_zip_bomb_1009_while_inflating(wshub):
    """100 KiB of zeros compressed to ~100 bytes against --max-message 64KiB."""
    server = wshub("--compression", "on", "--max-message", "64KiB")
    bomb = compress(bytes(100 * 1024), level=9)
    assert len(bomb) < 200
    with offering(server) as c:
        c.send_frame(OP_BINARY, bomb, rsv=RSV1)
        c.expect_close(1009)
    with offering(server) as c:  # exactly the limit still passes
        send_compressed(c, OP_BINARY, bytes(64 * 1024))
        assert recv_message(c).data == bytes(64 * 1024)
        c.close_cleanly()


def test_fragmented_zip_bomb_1009(wshub):
    """4 MiB of zeros in ~4 KiB, over eight frames."""
    server = wshub("--compression", "on", "--max-message", "64KiB")
    with offering(server) as c:
        send_compressed(c, OP_BINARY, bytes(4 << 20), pieces=8)
        c.expect_close(1009)


def test_compressed_message_itself_past_max_message_1009(wshub):
    """Random bytes do not shrink: 100 KiB of them compressed, in 16 KiB
    frames, are past --max-message 64KiB before any inflating."""
    server = wshub("--compression", "on", "--max-message", "64KiB")
    with offering(server) as c:
        send_compressed(c, OP_BINARY, random.Random(5).randbytes(100 * 1024), pieces=7)
        c.expect_close(1009)


def test_zip_bombs_leave_memory_alone(wshub):
    """256 MiB of zeros in ~250 KiB, twenty times over: each closed 1009
    while its first 64 KiB inflate; the server's RSS neither peaks nor
    stays much above where it was."""
    server = wshub("--compression", "on", "--max-message", "64KiB", "--workers", "1", env=asan_env(16))
    bomb = compress(bytes(256 << 20), level=9)
    with offering(server) as c:  # warm: a first connection's buffers
        send_compressed(c, OP_TEXT, "warm " * 1000)
        recv_message(c)
        c.close_cleanly()
    before = rss_kib(server.pid)
    sampler = RssSampler(server.pid)
    sampler.start()
    try:
        for _ in range(20):
            with offering(server, timeout=T) as c:
                try:
                    c.send_frame(OP_BINARY, bomb, rsv=RSV1)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # closed while the bomb was still being sent: expect_close reads the close
                c.expect_close(1009, allow_reset=True)
    finally:
        peak = sampler.stop()
    after = rss_kib(server.pid)
    assert peak - before < 32 * 1024, f"RSS peaked at {peak} KiB from {before} KiB"
    assert after - before < 8 * 1024, f"RSS {before} KiB before, {after} KiB after"


# ------------------------------------------------- messages that go through
@pytest.mark.parametrize("pieces", [2, 3, 10])
def test_fragmented_compressed_message_echoes(deflating, pieces):
    """RSV1 on the first frame only, the DEFLATE stream cut anywhere
    (empty frames included), a ping between two of them."""
    data = make_message("json", 30000, True).encode()
    payload = compress(data)
    step = len(payload) // pieces + 1
    cuts = [payload[i * step:(i + 1) * step] for i in range(pieces)] + [b""]
    with offering(deflating) as c:
        c.send(build_frame(OP_TEXT, cuts[0], fin=False, rsv=RSV1))
        c.send_frame(OP_PING, b"between")
        pong = c.recv_frame(T)
        assert (pong.opcode, pong.payload, pong.rsv) == (OP_PONG, b"between", 0), pong
        for i, cut in enumerate(cuts[1:], 1):
            c.send(build_frame(OP_CONT, cut, fin=i == len(cuts) - 1))
        got = recv_message(c)
        assert (got.opcode, got.data, got.compressed) == (OP_TEXT, data, True)
        c.close_cleanly()


def test_message_ending_in_a_final_block(deflating):
    """RFC 7692 7.2.3.4: a sender may end a message with a block whose BFINAL
    is set (zlib's Z_FINISH) instead of a sync flush."""
    data = make_message("json", 4000, True).encode()
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    payload = c.compress(data) + c.flush(zlib.Z_FINISH)
    with offering(deflating) as ws:
        ws.send_frame(OP_TEXT, payload, rsv=RSV1)
        assert recv_message(ws).data == data
        ws.close_cleanly()


def test_uncompressed_messages_from_a_compressing_client(deflating):
    """RSV1 is the sender's choice per message: plain ones echo as well."""
    data = make_message("repetitive", 5000, False)
    with offering(deflating) as c:
        c.send_frame(OP_BINARY, data)
        got = recv_message(c)
        assert (got.data, got.compressed) == (data, True)
        c.close_cleanly()


MIN_SIZES = [
    # (flags, [(size of a run of "a", sent compressed)]): a message goes
    # compressed from the minimum size on, when that makes it smaller.
    ((), [(0, False), (1, False), (127, False), (128, True), (129, True), (5000, True)]),
    (("--compression-min-size", "1000"), [(128, False), (999, False), (1000, True), (5000, True)]),
    (("--compression-min-size", "0"), [(0, False), (1, False), (20, True), (127, True)]),
]


@pytest.mark.parametrize("flags,sizes", MIN_SIZES, ids=["default", "1000", "0"])
def test_server_compresses_from_min_size(wshub, flags, sizes):
    server = wshub("--compression", "on", *flags)
    with offering(server) as c:
        for size, compressed in sizes:
            data = b"a" * size
            c.send_binary(data)
            got = recv_message(c)
            assert (got.data, got.compressed) == (data, compressed), (size, got)
        c.close_cleanly()


def test_server_sends_plain_what_compressing_would_not_shrink(deflating):
    data = random.Random(9).randbytes(5000)
    with offering(deflating) as c:
        c.send_binary(data)
        got = recv_message(c)
        assert (got.data, got.compressed) == (data, False), got
        c.close_cleanly()


def test_compression_levels(wshub):
    """--compression-level 1 and 9 both echo; 9 is no larger on JSON."""
    data = make_message("json", 100000, True).encode()
    sizes = {}
    for level in ("1", "9"):
        server = wshub("--compression", "on", "--compression-level", level)
        with offering(server) as c:
            send_compressed(c, OP_TEXT, data)
            got = recv_message(c)
            assert (got.data, got.compressed) == (data, True)
            sizes[level] = len(got.wire)
            c.close_cleanly()
    assert sizes["9"] <= sizes["1"] < len(data) / 3, sizes


@pytest.mark.parametrize("bits", range(8, 16))
def test_server_compresses_within_the_window_asked(deflating, bits):
    """Repeats 2^bits + 100 bytes apart (beyond the window asked, within
    the largest): the answer inflates through a 2^bits window, which it
    would not had the server reached back to them."""
    rnd = random.Random(bits)
    block = rnd.randbytes((1 << bits) + 100)
    data = block + block + b"near repeats " * 50
    with offering(deflating, f"permessage-deflate; server_max_window_bits={bits}") as c:
        assert answer(c) == ASKED + f"; server_max_window_bits={bits}"
        c.send_binary(data)
        got = recv_message(c, window=bits)
        assert (got.data, got.compressed) == (data, True)
        assert len(got.wire) < len(data), got
        c.close_cleanly()


def test_room_members_each_get_their_window(deflating):
    """A room message reaches members of the full window, of narrower ones
    and of none: each inflates it through the window it asked (the full
    one's compressed form is shared, not handed to the narrower ones)."""
    path = "/raw?room=windows"
    offers = [None, "permessage-deflate", "permessage-deflate; server_max_window_bits=9",
              "permessage-deflate; server_max_window_bits=12", "permessage-deflate"]
    windows = [None, 15, 9, 12, 15]
    members = [offering(deflating, o, path) for o in offers]
    try:
        rnd = random.Random(11)
        for n in range(3):
            block = rnd.randbytes(5000)
            data = block + block + b"near " * 100
            members[0].send_binary(data)
            for m, bits in zip(members[1:], windows[1:]):
                got = recv_message(m, window=bits)
                assert (got.data, got.compressed) == (data, True), (bits, got)
    finally:
        for m in members:
            m.close()


@pytest.mark.parametrize("bits", range(8, 16))
def test_client_compressing_within_its_window(deflating, bits):
    """The server inflates within the client window it answered. zlib
    refuses a raw window of 2^8; its 2^9 one never reaches back more than
    250 bytes, within 2^8."""
    data = make_message("json", 50000, True)
    with offering(deflating, f"permessage-deflate; client_max_window_bits={bits}") as c:
        assert answer(c) == ASKED + f"; client_max_window_bits={bits}"
        send_compressed(c, OP_TEXT, data, wbits=max(9, bits))
        assert recv_message(c).data == data.encode()
        c.close_cleanly()


def test_counters_count_compressed_messages_exactly(deflating):
    """Received: the payload bytes of compressed messages as they came and
    inflated; sent: as they went and before compressing. Plain messages,
    and those under the minimum size going out, count nowhere."""
    big = make_message("json", 20000, True).encode()
    small = b"s" * 50
    before = counters(scrape(deflating))
    with offering(deflating) as c:
        big_in = send_compressed(c, OP_TEXT, big)
        big_out = recv_message(c)
        small_in = send_compressed(c, OP_BINARY, small)
        assert not recv_message(c).compressed
        c.send_binary(big)
        plain_out = recv_message(c)
        c.close_cleanly()
    got = counter_deltas(before, counters(scrape(deflating)))
    assert got == {
        ("received", "compressed"): len(big_in) + len(small_in),
        ("received", "uncompressed"): len(big) + len(small),
        ("sent", "compressed"): len(big_out.wire) + len(plain_out.wire),
        ("sent", "uncompressed"): 2 * len(big),
    }, got
