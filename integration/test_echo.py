"""Echo route through a real third-party client (the `websockets` library)."""

import asyncio
import os
import random
import string

import pytest

from wshub_test import T, wslib  # T: seconds, bound for every network wait
from wshub_test.wslib import run


def connect(server, path="/echo", **kw):
    return wslib.connect(server, path, **kw)


async def roundtrip(ws, msg):
    await asyncio.wait_for(ws.send(msg), T)
    got = await asyncio.wait_for(ws.recv(), T)
    assert type(got) is type(msg)
    assert len(got) == len(msg)
    assert got == msg


SIZES = [0, 1, 125, 126, 65535, 65536, 1 << 20]


@pytest.mark.parametrize("size", SIZES)
def test_echo_text(server, size):
    rnd = random.Random(size)
    msg = "".join(rnd.choice(string.ascii_letters) for _ in range(size))

    async def main():
        async with connect(server) as ws:
            await roundtrip(ws, msg)
            # A second message on the same connection, right after.
            await roundtrip(ws, msg[::-1])

    run(main())


@pytest.mark.parametrize("size", SIZES)
def test_echo_binary(server, size):
    msg = os.urandom(size)

    async def main():
        async with connect(server) as ws:
            await roundtrip(ws, msg)
            await roundtrip(ws, bytes(reversed(msg)))

    run(main())


def test_echo_multibyte_utf8_text(server):
    msg = "héllo wörld € 𝄞 日本語 " * 100

    async def main():
        async with connect(server) as ws:
            await roundtrip(ws, msg)

    run(main())


def test_echo_fragmented_text(server):
    parts = ["hel", "", "lo ", "wörld ", "𝄞" * 50]

    async def main():
        async with connect(server) as ws:
            await asyncio.wait_for(ws.send(parts), T)
            got = await asyncio.wait_for(ws.recv(), T)
            assert got == "".join(parts)
            await roundtrip(ws, "after")

    run(main())


def test_echo_fragmented_binary(server):
    parts = [os.urandom(n) for n in (1, 1000, 0, 70000, 3)]

    async def main():
        async with connect(server) as ws:
            await asyncio.wait_for(ws.send(parts), T)
            got = await asyncio.wait_for(ws.recv(), T)
            assert got == b"".join(parts)

    run(main())


def test_ping_pong(server):
    async def main():
        async with connect(server) as ws:
            for data in (b"", b"abc", os.urandom(125)):
                waiter = await ws.ping(data)
                await asyncio.wait_for(waiter, T)
            await roundtrip(ws, "still echoing")

    run(main())


@pytest.mark.parametrize(
    "offered,expected",
    [
        (["superchat", "chat"], "superchat"),
        (["chat", "superchat"], "chat"),
        (["unknown", "chat"], "chat"),
        (["unknown"], None),
        (None, None),
    ],
)
def test_subprotocol_selection(wshub, offered, expected):
    server = wshub("--subprotocol", "chat", "--subprotocol", "superchat")

    async def main():
        async with connect(server, subprotocols=offered) as ws:
            assert ws.subprotocol == expected
            await roundtrip(ws, "proto")

    run(main())


@pytest.mark.parametrize("code,reason", [(1000, "bye"), (3000, ""), (4000, "done here"), (4999, "x" * 123)])
def test_clean_close_echoes_code(server, code, reason):
    async def main():
        async with connect(server) as ws:
            await roundtrip(ws, "before close")
            await asyncio.wait_for(ws.close(code, reason), T)
            assert ws.close_code == code
            await asyncio.wait_for(ws.wait_closed(), T)

    run(main())


def test_many_messages_keep_order(server):
    n = 2000

    async def main():
        async with connect(server) as ws:
            msgs = []
            for i in range(n):
                msgs.append(f"message {i}" if i % 2 == 0 else f"bin {i}".encode() * (i % 7 + 1))

            async def sender():
                for m in msgs:
                    await ws.send(m)

            async def receiver():
                for i, m in enumerate(msgs):
                    got = await ws.recv()
                    assert got == m, f"message {i}: got {got!r}, want {m!r}"

            await asyncio.wait_for(asyncio.gather(sender(), receiver()), 20)

    run(main())


def test_several_clients_are_independent(server):
    async def client(i):
        async with connect(server) as ws:
            for j in range(20):
                await roundtrip(ws, f"client {i} msg {j}")

    async def main():
        await asyncio.gather(*(client(i) for i in range(20)))

    run(main())
