"""1,000 proxied clients at once (asyncio, the `websockets` client), each
echoing messages through its own upstream connection, with wshub's echo
route as the upstream and with a python `websockets` one; once they close,
no upstream connection and no fd is left on the proxy. The proxy holds two
fds per client, this process one (two with the in-process upstream), the
wshub upstream one: well under the 20,000 limit."""

import asyncio

import pytest
import websockets

from wshub_test.client import assert_alive
from wshub_test.metrics import scrape, wait_for
from wshub_test.proc import fd_count, stable_fd_count, wait_fds_at_most
from wshub_test.upstream import proxy_route, upstreams  # noqa: F401 (upstreams: a fixture)

N = 1000
MESSAGES = 3
SLACK = 2  # fds the proxy may hold beyond its baseline once all are closed
KINDS = ["wshub", "websockets"]


@pytest.fixture(params=KINDS)
def upstream_url(request, wshub, upstreams):
    if request.param == "websockets":
        return upstreams.ws().url("/up")
    up = wshub("--ping-interval", "0", "--route", "/up=echo")
    return f"ws://{up.host}:{up.port}/up"


def test_thousand_proxied_clients(wshub, upstream_url):
    server = wshub("--ping-interval", "0", "--route", proxy_route("/p", upstream_url), "--route", "/echo=echo")
    baseline = stable_fd_count(server.pid)

    async def main():
        async def connect(i):
            return await websockets.connect(server.url("/p"), max_size=None, ping_interval=None, compression=None,
                                            open_timeout=30, close_timeout=10)

        clients = await asyncio.wait_for(asyncio.gather(*(connect(i) for i in range(N))), 60)
        # Every client and its upstream connection are open at the same time.
        samples = scrape(server)
        assert samples["wshub_upstream_connections"] == N, samples["wshub_upstream_connections"]
        during = fd_count(server.pid)
        assert during >= baseline + 2 * N, f"proxy has {during} fds with {N} clients open (baseline {baseline})"

        async def talk(i, ws):
            for j in range(MESSAGES):
                msg = f"client {i} message {j}" if j % 2 == 0 else f"bin {i}.{j}".encode() * (j + 1)
                await ws.send(msg)
                got = await ws.recv()
                assert got == msg, f"client {i}: got {got!r}, want {msg!r}"

        await asyncio.wait_for(asyncio.gather(*(talk(i, ws) for i, ws in enumerate(clients))), 60)

        async def close(ws):
            await ws.close(1000, "done")
            assert ws.close_code == 1000, ws.close_code

        await asyncio.wait_for(asyncio.gather(*(close(ws) for ws in clients)), 60)

    asyncio.run(main())
    samples = wait_for(server, lambda s: s["wshub_upstream_connections"] == 0, timeout=10)
    assert samples["wshub_upstream_connects_total"] == N
    failures = {k: v for k, v in samples.items() if k.startswith("wshub_upstream_failures_total") and v}
    assert not failures, f"upstream failures under load: {failures}"
    after = wait_fds_at_most(server.pid, baseline + SLACK, timeout=5.0)
    assert after <= baseline + SLACK, f"fd leak: {after} fds after all clients closed, baseline {baseline}"
    assert_alive(server)
