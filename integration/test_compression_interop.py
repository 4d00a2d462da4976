"""permessage-deflate (RFC 7692) against clients written by others: the
python `websockets` library (every offer it can make), node's `ws` (every
option it has) and headless Chromium; and in rooms where compressing and
plain members mix. Each exchange is checked byte for byte, the negotiated
parameters as each client took them, and the server's compression counters
prove that the messages really went compressed.
"""

import asyncio
import contextlib
import itertools
import json

import pytest
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from wshub_test import T, browser, node_ws, wslib
from wshub_test.deflate import (
    KINDS,
    MIN_SIZE,
    SIZES,
    counter_deltas,
    counters,
    make_message,
    offering,
    recv_message,
    sent_compressed_bounds,
    shrinks,
    wire_size,
)
from wshub_test.frames import OP_BINARY, OP_TEXT
from wshub_test.metrics import scrape
from wshub_test.wslib import recv_json, run

ASKED = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"


def expected_answer(server_bits=None, client_bits=None):
    """The server's answer: both no_context_takeover always, then each
    window the offer named with a value."""
    line = ASKED
    if server_bits:
        line += f"; server_max_window_bits={server_bits}"
    if client_bits:
        line += f"; client_max_window_bits={client_bits}"
    return line


def stats(server):
    return counters(scrape(server))


# --------------------------------------------------- python `websockets`
SERVER_NCT = (False, True)
CLIENT_NCT = (False, True)
SERVER_BITS = (None, *range(8, 16))
CLIENT_BITS = (None, True, *range(8, 16))
OFFERS = list(itertools.product(SERVER_NCT, CLIENT_NCT, SERVER_BITS, CLIENT_BITS))


def py_deflate(server_nct=False, client_nct=False, server_bits=None, client_bits=True):
    return ClientPerMessageDeflateFactory(server_no_context_takeover=server_nct, client_no_context_takeover=client_nct,
                                          server_max_window_bits=server_bits, client_max_window_bits=client_bits)


def py_connect(server, path="/echo", offer=None, **kw):
    """A `websockets` client offering `offer` (a ClientPerMessageDeflateFactory;
    None: no extension)."""
    return wslib.connect(server, path, extensions=[offer] if offer else None, **kw)


def check_py_agreement(ws, server_bits, client_bits):
    """The client's view of the agreement: both sides without context
    takeover (the server always asks it), the windows it offered."""
    assert ws.response_headers.get_all("Sec-WebSocket-Extensions") == [
        expected_answer(server_bits, client_bits if client_bits is not True else None)]
    (ext,) = ws.extensions
    got = (ext.name, ext.remote_no_context_takeover, ext.local_no_context_takeover,
           ext.remote_max_window_bits, ext.local_max_window_bits)
    local_bits = client_bits if isinstance(client_bits, int) and client_bits is not True else 15
    assert got == ("permessage-deflate", True, True, server_bits or 15, local_bits), ext


async def roundtrip(ws, msg):
    await asyncio.wait_for(ws.send(msg), T)
    got = await asyncio.wait_for(ws.recv(), T)
    assert type(got) is type(msg) and len(got) == len(msg), (type(got), len(got), type(msg), len(msg))
    assert got == msg, f"echo differs ({len(msg)} {type(msg).__name__})"


OFFER_MESSAGES = [("repetitive", 3000, True), ("json", 1000, False), ("random", 300, False),
                  ("json", 100, True), ("random", 0, True)]


def test_python_client_every_offer_round_trips(wshub):
    """All 360 offers the library can make: the answer, the agreement, and
    echoes both ways; the counters say which messages went compressed. A
    client window of 8 is taken as offered, but the library cannot compress
    with it (zlib refuses a raw window of 2^8), so those clients only
    receive, through a room."""
    server = wshub("--compression", "on")
    messages = [make_message(k, n, text, seed=3) for k, n, text in OFFER_MESSAGES]
    sizes = [wire_size(m) for m in messages]
    sent_least, sent_most = sent_compressed_bounds(messages)
    # Uncompressed bytes of the compressed messages: the library compresses
    # every message, the server those of MIN_SIZE and more it can shrink.
    want = {"received": 0, "sent_least": 0, "sent_most": 0}

    async def main():
        for i, (snct, cnct, sbits, cbits) in enumerate(OFFERS):
            offer = py_deflate(snct, cnct, sbits, cbits)
            if cbits == 8:
                sent = await receive_only(server, offer, sbits, f"bits8-{i}")
                want["sent_least"] += sent
                want["sent_most"] += sent
                continue
            async with py_connect(server, offer=offer) as ws:
                check_py_agreement(ws, sbits, cbits)
                for m in messages:
                    await roundtrip(ws, m)
            want["received"] += sum(sizes)
            want["sent_least"] += sent_least
            want["sent_most"] += sent_most

    before = stats(server)
    run(main(), timeout=120)
    got = counter_deltas(before, stats(server))
    assert got[("received", "uncompressed")] == want["received"], got
    assert want["sent_least"] <= got[("sent", "uncompressed")] <= want["sent_most"], (got, want)
    assert 0 < got[("sent", "compressed")] < got[("sent", "uncompressed")], got
    assert 0 < got[("received", "compressed")] < got[("received", "uncompressed")], got


async def receive_only(server, offer, server_bits, room):
    """`offer` (client window 8) in a raw room, receiving a plain member's
    messages compressed with the server window it asked for. Returns their
    bytes."""
    path = f"/raw?room={room}"
    sent = 0
    async with py_connect(server, path, offer=offer) as ws, py_connect(server, path) as sender:
        check_py_agreement(ws, server_bits, 8)
        for msg in (make_message("json", 5000, True), make_message("repetitive", 700, False)):  # both shrink
            await asyncio.wait_for(sender.send(msg), T)
            assert await asyncio.wait_for(ws.recv(), T) == msg
            sent += wire_size(msg)
    return sent


MATRIX_OFFERS = {
    "library default": ClientPerMessageDeflateFactory(),
    "smallest windows": py_deflate(server_bits=8, client_bits=9),
    "everything offered": py_deflate(True, True, 15, 15),
    "no window parameter": py_deflate(client_bits=None),
}


@pytest.mark.parametrize("name", MATRIX_OFFERS)
def test_python_client_message_matrix(wshub, name):
    """Every kind and size up to 200 KiB, text and binary, on one
    connection: random, repetitive and JSON content."""
    server = wshub("--compression", "on")
    offer = MATRIX_OFFERS[name]

    async def main():
        async with py_connect(server, offer=offer) as ws:
            assert [e.name for e in ws.extensions] == ["permessage-deflate"]
            for kind, size, text in itertools.product(KINDS, SIZES, (True, False)):
                await roundtrip(ws, make_message(kind, size, text))

    before = stats(server)
    run(main(), timeout=60)
    got = counter_deltas(before, stats(server))
    total = sum(wire_size(make_message(k, n, t)) for k, n, t in itertools.product(KINDS, SIZES, (True, False)))
    assert got[("received", "uncompressed")] == total, got
    assert got[("received", "compressed")] < total / 2, got  # repetitive and JSON dominate
    assert got[("sent", "compressed")] < got[("sent", "uncompressed")], got


def test_python_client_compression_only_where_routed(wshub):
    """--compression off (the default) with one route marked ,compress:
    that route answers the offer, the others do not, and echo works on both,
    open at once (one after the other: test_compression_protocol.py's
    test_a_reused_connection_slot_forgets_compression)."""
    server = wshub("--route", "/echo=echo,compress", "--route", "/plain=echo")
    msg = make_message("repetitive", 5000, True)

    async def main():
        async with py_connect(server, "/plain", offer=py_deflate()) as plain, \
                py_connect(server, "/echo", offer=py_deflate()) as compressing:
            assert plain.extensions == [] and "Sec-WebSocket-Extensions" not in plain.response_headers
            check_py_agreement(compressing, None, True)
            for ws in (plain, compressing, plain):
                await roundtrip(ws, msg)

    run(main())


def test_compression_off_by_default(wshub):
    server = wshub()

    async def main():
        async with py_connect(server, offer=py_deflate()) as ws:
            assert ws.extensions == [] and "Sec-WebSocket-Extensions" not in ws.response_headers
            await roundtrip(ws, make_message("json", 3000, True))

    run(main())


# ------------------------------------------------------------------ rooms
FANOUT = [("json", 40, True), ("repetitive", 500, False), ("json", 70000, True), ("random", 3000, False)]


def test_raw_room_mixed_members_get_identical_messages(wshub):
    """Compressing and plain members of one raw room, python and raw-socket:
    each sender's messages reach every other member identical; the
    raw-socket members see them compressed exactly when they offered, the
    message is at least --compression-min-size and compressing shrinks it."""
    server = wshub("--compression", "on")
    path = "/raw?room=mixed"
    offers = [ClientPerMessageDeflateFactory(), py_deflate(True, True, 9, 10), None]

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            pys = [await stack.enter_async_context(py_connect(server, path, offer=o)) for o in offers]
            raws = [stack.enter_context(offering(server, o, path)) for o in ("permessage-deflate", None)]
            for i, sender in enumerate(pys):
                for kind, size, text in FANOUT:
                    msg = make_message(kind, size, text, seed=i)
                    await asyncio.wait_for(sender.send(msg), T)
                    for other in pys:
                        if other is not sender:
                            assert await asyncio.wait_for(other.recv(), T) == msg
                    for raw, offered in zip(raws, (True, False)):
                        got = await asyncio.to_thread(recv_message, raw)
                        want = msg.encode() if text else msg
                        assert (got.opcode, got.data) == (OP_TEXT if text else OP_BINARY, want)
                        shrunk = shrinks(want) if offered and len(want) >= MIN_SIZE else False
                        assert got.compressed == shrunk or shrunk is None, got

    run(main())


def test_json_room_mixed_members_get_identical_messages(wshub):
    """Three json members (two compressing) in one room: every room message
    arrives as the same text at each of the others."""
    server = wshub("--compression", "on")
    offers = [ClientPerMessageDeflateFactory(), None, py_deflate(server_bits=8)]

    async def main():
        async with contextlib.AsyncExitStack() as stack:
            members = []
            for o in offers:
                ws = await stack.enter_async_context(py_connect(server, "/ws", offer=o))
                assert (await recv_json(ws))["type"] == "welcome"
                members.append(ws)
            for i, ws in enumerate(members):
                await wslib.join(ws, "mix")
                for earlier in members[:i]:
                    assert (await recv_json(earlier))["type"] == "presence"
            for i, sender in enumerate(members):
                data = {"from": i, "records": [{"n": n, "text": "hello room " * 3} for n in range(60)]}
                await wslib.send_json(sender, {"type": "message", "room": "mix", "data": data})
                got = [await asyncio.wait_for(ws.recv(), T) for ws in members if ws is not sender]
                assert got[0] == got[1], (got[0][:200], got[1][:200])
                assert json.loads(got[0])["data"] == data

    run(main())


# ----------------------------------------------------------------- node ws
NODE_MESSAGES = [("json", 0, False), ("repetitive", 100, False), ("json", 1023, True), ("json", 1024, False),
                 ("random", 5000, True), ("repetitive", 65536, False), ("json", 200 * 1024, True),
                 ("random", 2000, False)]
BOTH = {"server_no_context_takeover": True, "client_no_context_takeover": True}
NODE_OPTIONS = [
    ("true", True, BOTH),
    ("serverNoContextTakeover", {"serverNoContextTakeover": True}, BOTH),
    ("clientNoContextTakeover", {"clientNoContextTakeover": True}, BOTH),
    ("clientMaxWindowBits=false", {"clientMaxWindowBits": False}, BOTH),
    *((f"serverMaxWindowBits={b}", {"serverMaxWindowBits": b}, {**BOTH, "server_max_window_bits": b})
      for b in range(8, 16)),
    *((f"clientMaxWindowBits={b}", {"clientMaxWindowBits": b}, {**BOTH, "client_max_window_bits": b})
      for b in range(8, 16)),
    *((f"threshold={t}", {"threshold": t}, BOTH) for t in (0, 200, 5000)),
    ("every option", {"serverNoContextTakeover": True, "clientNoContextTakeover": True, "serverMaxWindowBits": 10,
                      "clientMaxWindowBits": 11, "threshold": 0},
     {**BOTH, "server_max_window_bits": 10, "client_max_window_bits": 11}),
    # `ws` offers server_max_window_bits without a value: not a valid offer, declined.
    ("serverMaxWindowBits=true", {"serverMaxWindowBits": True}, None),
    ("false", False, None),
]


@pytest.mark.parametrize("name,options,params", NODE_OPTIONS, ids=[o[0] for o in NODE_OPTIONS])
def test_node_ws_client(wshub, name, options, params):
    """node's `ws` with each option it has: the echoes, the parameters `ws`
    accepted, and by the counters which messages went compressed: `ws`
    compresses those of its threshold (1024 by default) and more, the
    server those of MIN_SIZE and more but random bytes (compressing would
    not shrink them)."""
    server = wshub("--compression", "on")
    before = stats(server)
    out = node_ws.echo_run(server.url("/echo"), options, NODE_MESSAGES)
    assert "error" not in out, out
    assert out["closeCode"] == 1000 and len(out["sizes"]) == len(NODE_MESSAGES), out
    assert out["params"] == params, out
    assert out["extensions"] == ("permessage-deflate" if params else ""), out
    got = counter_deltas(before, stats(server))
    threshold = options.get("threshold", 1024) if isinstance(options, dict) else 1024
    negotiated = params is not None
    assert got[("received", "uncompressed")] == negotiated * sum(n for n in out["sizes"] if n >= threshold), got
    shrinking = [n for (kind, _, binary), n in zip(NODE_MESSAGES, out["sizes"])
                 if n >= MIN_SIZE and not (kind == "random" and binary)]
    assert got[("sent", "uncompressed")] == negotiated * sum(shrinking), got
    assert got[("sent", "compressed")] < got[("sent", "uncompressed")] or not negotiated, got


def test_node_ws_refuses_client_no_context_takeover_it_did_not_allow(wshub):
    """`ws` given clientNoContextTakeover: false refuses an answer that asks
    it (RFC 7692 7.1.1.2 lets a server ask it unoffered, and this server
    always does): such a client cannot connect with compression offered."""
    server = wshub("--compression", "on")
    out = node_ws.echo_run(server.url("/echo"), {"clientNoContextTakeover": False}, NODE_MESSAGES[:1])
    assert out.get("error") == "Invalid Sec-WebSocket-Extensions header", out


# ---------------------------------------------------------------- Chromium
def test_chromium_compresses_both_ways(wshub):
    """A real browser: its WebSocket takes permessage-deflate as the server
    answers it, and text and binary messages up to 200 KiB echo intact,
    compressed in both directions."""
    server = wshub("--compression", "on")
    specs = [{"text": 5000}, {"bytes": 70000}, {"text": 0}, {"bytes": 10}, {"text": 200 * 1024}, {"bytes": 3000}]
    before = stats(server)
    with browser.chromium() as page:
        out = browser.echo_in_page(page, f"http://{server.host}:{server.port}/healthz", server.url("/echo"), specs)
    assert out["error"] is None and out["mismatch"] is None and out["echoed"] == len(specs), out
    assert out["extensions"] == ASKED, out
    got = counter_deltas(before, stats(server))
    large = [n for n in out["sizes"] if n >= MIN_SIZE]
    assert got[("received", "uncompressed")] >= sum(large), got
    assert 0 < got[("received", "compressed")] < got[("received", "uncompressed")], got
    assert got[("sent", "uncompressed")] == sum(large), got
    assert 0 < got[("sent", "compressed")] < got[("sent", "uncompressed")], got


def test_chromium_without_compression_on_the_route(wshub):
    """The same browser on a route that does not compress: no extension
    taken, the messages still echo."""
    server = wshub("--route", "/echo=echo")
    with browser.chromium() as page:
        out = browser.echo_in_page(page, f"http://{server.host}:{server.port}/healthz", server.url("/echo"),
                                   [{"text": 5000}, {"bytes": 70000}])
    assert (out["error"], out["mismatch"], out["echoed"], out["extensions"]) == (None, None, 2, ""), out
