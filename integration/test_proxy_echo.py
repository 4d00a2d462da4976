"""Proxy routes (--route PATH=proxy,upstream=ws://IP:PORT/UPATH) carrying a
client's messages to an upstream and back, through the `websockets` client:
every size and kind test_echo.py echoes, with two kinds of upstream (python
`websockets` and wshub's own echo route in another process); the upstream
counters; upstreams taken in turn, one that refuses connections set aside
and tried again later."""

import asyncio
import os
import random
import string
import time

import pytest

from wshub_test import T, wslib
from wshub_test.metrics import Histogram, scrape, wait_for
from wshub_test.upstream import (  # noqa: F401 (upstreams: a fixture)
    counters,
    expect_counter_deltas,
    proxy_route,
    refused_url,
    upstream_failure,
    upstreams,
)
from wshub_test.wslib import run

KINDS = ["websockets", "wshub"]
SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]


@pytest.fixture(params=KINDS)
def proxied(request, wshub, upstreams):
    """A server whose route /p is a proxy to an echo upstream of each kind."""
    if request.param == "websockets":
        url = upstreams.ws().url("/up")
    else:
        up = wshub("--route", "/up=echo")
        url = f"ws://{up.host}:{up.port}/up"
    return wshub("--route", proxy_route("/p", url), "--route", "/echo=echo")


async def roundtrip(ws, msg):
    await asyncio.wait_for(ws.send(msg), T)
    got = await asyncio.wait_for(ws.recv(), T)
    assert type(got) is type(msg), f"sent {type(msg).__name__}, got {type(got).__name__}"
    assert len(got) == len(msg), f"sent {len(msg)}, got {len(got)}"
    assert got == msg


def connect(server, path="/p", **kw):
    return wslib.connect(server, path, **kw)


# ------------------------------------------------------------ echo through it


@pytest.mark.parametrize("size", SIZES)
def test_echo_text(proxied, size):
    rnd = random.Random(size)
    msg = "".join(rnd.choice(string.ascii_letters) for _ in range(size))

    async def main():
        async with connect(proxied) as ws:
            await roundtrip(ws, msg)
            await roundtrip(ws, msg[::-1])

    run(main())


@pytest.mark.parametrize("size", SIZES)
def test_echo_binary(proxied, size):
    msg = os.urandom(size)

    async def main():
        async with connect(proxied) as ws:
            await roundtrip(ws, msg)
            await roundtrip(ws, bytes(reversed(msg)))

    run(main())


def test_echo_multibyte_utf8_text(proxied):
    msg = "héllo wörld € 𝄞 日本語 " * 100

    async def main():
        async with connect(proxied) as ws:
            await roundtrip(ws, msg)

    run(main())


def test_echo_fragmented_text(proxied):
    parts = ["hel", "", "lo ", "wörld ", "𝄞" * 50]

    async def main():
        async with connect(proxied) as ws:
            await asyncio.wait_for(ws.send(parts), T)
            got = await asyncio.wait_for(ws.recv(), T)
            assert got == "".join(parts)
            await roundtrip(ws, "after")

    run(main())


def test_echo_fragmented_binary(proxied):
    parts = [os.urandom(n) for n in (1, 1000, 0, 70000, 3)]

    async def main():
        async with connect(proxied) as ws:
            await asyncio.wait_for(ws.send(parts), T)
            got = await asyncio.wait_for(ws.recv(), T)
            assert got == b"".join(parts)
            await roundtrip(ws, b"after")

    run(main())


def test_ping_pong(proxied):
    async def main():
        async with connect(proxied) as ws:
            for data in (b"", b"abc", os.urandom(125)):
                waiter = await ws.ping(data)
                await asyncio.wait_for(waiter, T)
            await roundtrip(ws, "still echoing")

    run(main())


def test_many_messages_keep_order(proxied):
    n = 2000
    msgs = [f"message {i}" if i % 2 == 0 else f"bin {i}".encode() * (i % 7 + 1) for i in range(n)]

    async def main():
        async with connect(proxied) as ws:
            async def sender():
                for m in msgs:
                    await ws.send(m)

            async def receiver():
                for i, m in enumerate(msgs):
                    got = await ws.recv()
                    assert got == m, f"message {i}: got {got!r}, want {m!r}"

            await asyncio.wait_for(asyncio.gather(sender(), receiver()), 20)

    run(main())


def test_several_clients_are_independent(proxied):
    async def client(i):
        async with connect(proxied) as ws:
            for j in range(20):
                await roundtrip(ws, f"client {i} msg {j}")

    async def main():
        await asyncio.gather(*(client(i) for i in range(20)))

    run(main())


def test_echo_route_beside_the_proxy_is_untouched(proxied):
    async def main():
        async with connect(proxied, "/echo") as plain, connect(proxied) as via:
            await roundtrip(plain, "plain")
            await roundtrip(via, "proxied")

    run(main())
    assert scrape(proxied)["wshub_upstream_connects_total"] == 1


# ------------------------------------------------------------------- counters


def test_counters_of_one_proxied_connection(wshub, upstreams):
    up = upstreams.ws()
    server = wshub("--route", proxy_route("/p", up.url()))
    before = scrape(server)
    assert before["wshub_upstream_connections"] == 0
    hist_before = Histogram(before, "wshub_upstream_handshake_duration_seconds").count
    sent = os.urandom(100000)

    async def main():
        async with connect(server) as ws:
            await roundtrip(ws, sent)
            during = scrape(server)
            assert during["wshub_upstream_connections"] == 1, during["wshub_upstream_connections"]
            assert during["wshub_upstream_connects_total"] == before["wshub_upstream_connects_total"] + 1
            # The request head and the message out; the 101 and the echo back.
            assert during["wshub_upstream_sent_bytes_total"] - before["wshub_upstream_sent_bytes_total"] > len(sent)
            assert (during["wshub_upstream_received_bytes_total"]
                    - before["wshub_upstream_received_bytes_total"]) > len(sent)
            hist = Histogram(during, "wshub_upstream_handshake_duration_seconds")
            assert hist.count == hist_before + 1, (hist.count, hist_before)

    run(main())
    after = wait_for(server, lambda s: s["wshub_upstream_connections"] == 0)
    failures = {k: v for k, v in after.items() if k.startswith("wshub_upstream_failures_total") and v}
    assert not failures, f"failures counted for a clean echo: {failures}"
    assert after['wshub_connections_rejected_total{reason="upstream"}'] == 0


# ---------------------------------------------------------- choosing upstreams


def served_by(ups, n_before):
    """Which of `ups` saw a new upgrade request since the counts n_before."""
    got = [i for i, (u, n) in enumerate(zip(ups, n_before)) if len(u.requests) > n]
    assert len(got) == 1, f"one upgrade reached upstreams {got}"
    return got[0]


def open_and_close(server, path="/p", text="hi"):
    async def main():
        async with connect(server, path) as ws:
            await roundtrip(ws, text)

    run(main())


def test_upstreams_taken_in_turn_on_one_worker(wshub, upstreams):
    ups = [upstreams.ws() for _ in range(3)]
    server = wshub("--workers", "1", "--route", proxy_route("/p", *(u.url() for u in ups)))
    order = []
    for i in range(9):
        counts = [len(u.requests) for u in ups]
        open_and_close(server, text=f"client {i}")
        order.append(served_by(ups, counts))
    first = order[0]
    assert order == [(first + i) % 3 for i in range(9)], f"upstreams in the order {order}"


def test_upstreams_taken_in_turn_across_workers(wshub, upstreams):
    ups = [upstreams.ws() for _ in range(3)]
    server = wshub("--workers", "2", "--route", proxy_route("/p", *(u.url() for u in ups)))

    async def main():
        for i in range(30):
            async with connect(server) as ws:
                await roundtrip(ws, f"client {i}")

    run(main(), timeout=60)
    counts = [len(u.requests) for u in ups]
    assert sum(counts) == 30, counts
    # In turn on each worker: no upstream more than one client per worker
    # ahead of another.
    assert max(counts) - min(counts) <= 2, f"clients per upstream {counts}"


def test_refusing_upstream_is_skipped_for_the_next(wshub, upstreams):
    good = upstreams.ws()
    server = wshub("--workers", "1", "--route", proxy_route("/p", refused_url(), good.url()))
    before = counters(server)
    n = 20
    for i in range(n):
        open_and_close(server, text=f"client {i}")
    assert len(good.requests) == n
    failed = counters(server)[upstream_failure("connect")] - before[upstream_failure("connect")]
    # Tried at least once (in turn, the second client at the latest); then
    # set aside for 0.5 s and more, doubling: not tried for every client.
    assert 1 <= failed < n // 2, f"{failed} connect failures for {n} clients"
    expect_counter_deltas(server, before, {upstream_failure("connect"): failed,
                                           "wshub_upstream_connects_total": n})


def test_set_aside_upstream_is_taken_again_once_it_listens(wshub, upstreams):
    dead_url = refused_url()
    good = upstreams.ws()
    server = wshub("--workers", "1", "--route", proxy_route("/p", dead_url, good.url()))
    for i in range(2):
        open_and_close(server, text=f"client {i}")
    assert len(good.requests) == 2
    assert scrape(server)[upstream_failure("connect")] >= 1
    revived = upstreams.ws(port=int(dead_url.rsplit(":", 1)[1].split("/")[0]))
    # Set aside for at most a second or two: clients reach it again.
    deadline = time.monotonic() + 3 * T
    i = 2
    while not revived.requests:
        assert time.monotonic() < deadline, f"{i} clients and none reached the upstream listening again"
        open_and_close(server, text=f"client {i}")
        i += 1
        time.sleep(0.05)
    assert revived.requests[0].target == "/up"
