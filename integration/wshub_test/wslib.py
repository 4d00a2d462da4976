"""The third-party `websockets` client against the server: connections with
the suites' defaults, bounded receives, and json-mode requests."""

import asyncio
import json

import websockets

from wshub_test import T


def connect(server, path, **kw):
    """websockets.connect to `path` with no size limit, no pings, no
    compression and T-bounded open and close (each overridable)."""
    kw.setdefault("max_size", None)
    kw.setdefault("ping_interval", None)
    kw.setdefault("compression", None)
    kw.setdefault("open_timeout", T)
    kw.setdefault("close_timeout", T)
    return websockets.connect(server.url(path), **kw)


def run(coro, timeout=30):
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def recv_n(ws, n, timeout=T):
    out = []
    for _ in range(n):
        out.append(await asyncio.wait_for(ws.recv(), timeout))
    return out


async def assert_quiet(wss, quiet=0.3):
    """Nothing more arrives on any of `wss` within `quiet` seconds."""

    async def one(ws):
        try:
            got = await asyncio.wait_for(ws.recv(), quiet)
        except asyncio.TimeoutError:
            return None
        return got

    extra = await asyncio.gather(*(one(ws) for ws in wss))
    bad = [(i, e) for i, e in enumerate(extra) if e is not None]
    assert not bad, f"unexpected extra messages (client index, message): {bad[:5]!r}"


# ------------------------------------------------------------- json mode
async def recv_text(ws, timeout=T):
    msg = await asyncio.wait_for(ws.recv(), timeout)
    assert isinstance(msg, str), f"expected a text frame, got {msg!r}"
    return msg


async def recv_json(ws, timeout=T):
    """The next message, which must be a text frame holding a JSON object."""
    text = await recv_text(ws, timeout)
    obj = json.loads(text)
    assert isinstance(obj, dict), text
    return obj


async def send_json(ws, msg):
    """Sends `msg`: str and bytes as they are, anything else as JSON text."""
    if not isinstance(msg, (str, bytes)):
        msg = json.dumps(msg)
    await asyncio.wait_for(ws.send(msg), T)


async def request(ws, msg):
    """Sends a request and returns the parsed reply."""
    await send_json(ws, msg)
    return await recv_json(ws)


async def open_json(stack, server, path="/ws", headers=None, **kw):
    """A json-mode connection entered into the AsyncExitStack `stack`, its
    welcome read: (ws, welcome). `kw` goes to connect (ssl, local_addr ...)."""
    ws = await stack.enter_async_context(connect(server, path, extra_headers=headers, **kw))
    welcome = await recv_json(ws)
    assert welcome["type"] == "welcome", welcome
    return ws, welcome


async def join(ws, room, **extra):
    """Joins `room` (extra request fields such as a password); returns the reply."""
    got = await request(ws, {"type": "join", "room": room, **extra})
    assert got["type"] == "joined" and got["room"] == room, got
    return got
