"""Many concurrent clients, and no fd leak afterwards."""

import asyncio

import websockets

from wshub_test.client import RawClient, assert_alive
from wshub_test.frames import OP_TEXT, build_frame
from wshub_test.proc import fd_count, stable_fd_count, wait_fds_at_most

N = 1000
MESSAGES = 3


SLACK = 2


def test_thousand_clients(wshub):
    server = wshub("--ping-interval", "0")
    baseline = stable_fd_count(server.pid)

    async def main():
        async def connect(i):
            return await websockets.connect(
                server.url(), max_size=None, ping_interval=None, compression=None,
                open_timeout=20, close_timeout=10)

        clients = await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(N))), 30)
        assert len(clients) == N
        # Every connection is held open by the server at the same time.
        during = fd_count(server.pid)
        assert during >= baseline + N, f"server has {during} fds with {N} clients open (baseline {baseline})"

        async def talk(i, ws):
            for j in range(MESSAGES):
                msg = f"client {i} message {j}" if j % 2 == 0 else f"bin {i}.{j}".encode()
                await ws.send(msg)
                got = await ws.recv()
                assert got == msg, f"client {i}: got {got!r}, want {msg!r}"

        await asyncio.wait_for(asyncio.gather(*(talk(i, ws) for i, ws in enumerate(clients))), 30)

        async def close(ws):
            await ws.close(1000, "done")
            assert ws.close_code == 1000, ws.close_code

        await asyncio.wait_for(asyncio.gather(*(close(ws) for ws in clients)), 30)

    asyncio.run(main())
    after = wait_fds_at_most(server.pid, baseline + SLACK, timeout=3.0)
    assert after <= baseline + SLACK, f"fd leak: {after} fds after all clients closed, baseline {baseline}"
    assert_alive(server)


def test_no_fd_leak_after_abrupt_disconnects_and_bad_input(wshub):
    server = wshub("--handshake-timeout", "500ms", "--max-message", "1KiB")
    baseline = stable_fd_count(server.pid)
    socks = []
    for i in range(50):
        c = RawClient(server.host, server.port)
        kind = i % 5
        if kind == 0:
            pass  # connect, say nothing, drop
        elif kind == 1:
            c.send(b"GET /echo HTTP/1.1\r\nHost: x\r\n")  # half a request
        elif kind == 2:
            c.handshake()
            c.send(build_frame(OP_TEXT, b"x" * 100)[:50])  # half a frame
        elif kind == 3:
            c.send(b"BROKEN\r\n\r\n")  # 400
        else:
            c.handshake()
            c.send(build_frame(OP_TEXT, b"", length=5000))  # 1009
        socks.append(c)
    during = fd_count(server.pid)
    assert during >= baseline + 10
    for c in socks:
        c.close()
    after = wait_fds_at_most(server.pid, baseline + SLACK, timeout=3.0)
    assert after <= baseline + SLACK, f"fd leak: {after} fds after abrupt disconnects, baseline {baseline}"
    assert_alive(server)
