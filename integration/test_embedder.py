"""The example embedder program (src/examples/shout.cpp): a custom mode on the
public handler API, served by the same server core."""

import asyncio
import os
import signal
import subprocess
import time

import pytest
import websockets

from wshub_test.binary import REPO, clean_env, free_port


def shout_bin():
    wshub = os.environ.get("WSHUB_BIN", "build/release/wshub")
    path = os.path.join(os.path.dirname(wshub), "wshub-shout")
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built")
    return path


def start(*flags):
    port = free_port()
    proc = subprocess.Popen([shout_bin(), "--listen", f"127.0.0.1:{port}", *flags],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=clean_env())
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            import socket
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.02)
    proc.kill()
    pytest.fail("wshub-shout did not start: " + proc.stderr.read().decode())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(5) == 0
    err = proc.stderr.read().decode()
    assert "AddressSanitizer" not in err and "runtime error" not in err, err


def test_custom_mode_publishes_upper_case_to_its_room():
    proc, port = start("--route", "/shout=shout", "--workers", "2")
    try:
        async def run():
            url = f"ws://127.0.0.1:{port}/shout?room=hall"
            a = await websockets.connect(url)
            b = await websockets.connect(url)
            other = await websockets.connect(f"ws://127.0.0.1:{port}/shout?room=elsewhere")
            await a.send("hello there")
            assert await asyncio.wait_for(a.recv(), 3) == "HELLO THERE"  # include_self
            assert await asyncio.wait_for(b.recv(), 3) == "HELLO THERE"
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(other.recv(), 0.3)
            await b.send(b"\x00binary")
            with pytest.raises(websockets.ConnectionClosed):
                await asyncio.wait_for(b.recv(), 3)
            assert b.close_code == 1003
            for ws in (a, other):
                await ws.close()
        asyncio.run(run())
    finally:
        stop(proc)


def test_custom_mode_name_is_a_valid_route_and_builtins_remain():
    proc = subprocess.run([shout_bin(), "--route", "/x=nosuchmode"], capture_output=True, text=True,
                          env=clean_env(), timeout=5)
    assert proc.returncode == 2
    assert "echo, raw, json, shout" in proc.stderr
    proc, port = start("--route", "/shout=shout", "--route", "/echo=echo")
    try:
        async def run():
            async with websockets.connect(f"ws://127.0.0.1:{port}/echo") as ws:
                await ws.send("same")
                assert await asyncio.wait_for(ws.recv(), 3) == "same"
        asyncio.run(run())
    finally:
        stop(proc)
