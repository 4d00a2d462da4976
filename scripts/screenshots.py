#!/usr/bin/python3
"""Writes docs/demo.png and docs/dashboard.png, the pictures README.md shows:
starts ./wshub (or $WSHUB_BIN) with no flags but a free port, has headless
Chromium (through selenium and Debian's chromedriver, as the browser tests
do) hold a short chat between two tabs and a Python client, then shows the
dashboard while Python clients come, talk and go.

    make && /usr/bin/python3 scripts/screenshots.py

Needs chromium, chromium-driver, python3-selenium and python3-websockets.
Takes about a minute: the dashboard draws what it sees, in real time.
"""

import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "integration"))

import websockets  # noqa: E402

from wshub_test.browser import chromium  # noqa: E402
from wshub_test.pages import demo_join, demo_say, wait_until, texts  # noqa: E402

SIZE = (1000, 700)  # the pictures' size in CSS pixels, at a device scale of 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def wshub_server():
    binary = os.environ.get("WSHUB_BIN") or os.path.join(REPO, "wshub")
    port = free_port()
    proc = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}"], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 5
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
            if proc.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"screenshots: {binary} did not start listening on {port}")
            time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)


def screenshot(browser, name):
    os.makedirs(os.path.join(REPO, "docs"), exist_ok=True)
    path = os.path.join(REPO, "docs", name)
    browser.save_screenshot(path)
    print(f"wrote {os.path.relpath(path, REPO)} ({os.path.getsize(path)} bytes)")


def exact_size(browser):
    """The page's viewport at SIZE exactly, whatever the window decorations take."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": SIZE[0], "height": SIZE[1], "deviceScaleFactor": 1, "mobile": False})


class Loop:
    """An asyncio loop on a thread of its own, for Python clients beside the browser."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout=120):
        return self.start(coro).result(timeout)

    def start(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


async def json_client(address, room):
    # Reading everything (max_queue None) keeps the server's sends flowing;
    # the messages are dropped with the client.
    ws = await websockets.connect(f"ws://{address}/ws", ping_interval=None, max_queue=None, close_timeout=1)
    await ws.recv()  # welcome
    await ws.send(json.dumps({"type": "join", "room": room}))
    return ws


async def carol_says(address, lines):
    """A Python client in the demo's room, speaking the demo's data format."""
    ws = await json_client(address, "lobby")
    await ws.send(json.dumps({"type": "message", "room": "lobby", "data": {"name": "carol", "hello": True}}))
    for text in lines:
        await asyncio.sleep(0.4)
        await ws.send(json.dumps({"type": "message", "room": "lobby", "data": {"name": "carol", "text": text}}))
    return ws


def demo(browser, loop, address):
    url = f"http://{address}/"
    browser.get(url)
    ann = browser.current_window_handle
    demo_join(browser, "ann", "lobby")
    browser.switch_to.new_window("tab")
    browser.get(url)
    demo_join(browser, "bob", "lobby")
    demo_say(browser, "hi ann! is it up?")
    browser.switch_to.window(ann)
    wait_until(browser, lambda b: len(texts(b, "#log li.msg")) == 1, "bob's line")
    demo_say(browser, "yes: make run, then http://127.0.0.1:8080/")
    carol = loop.run(carol_says(address, ["hello from Python's websockets", "same room, same protocol"]))
    wait_until(browser, lambda b: len(texts(b, "#log li.msg")) == 4, "carol's lines")
    browser.switch_to.window(browser.window_handles[1])
    demo_say(browser, "three of us now")
    browser.switch_to.window(ann)
    wait_until(browser, lambda b: len(texts(b, "#log li.msg")) == 5, "the last line")
    exact_size(browser)
    screenshot(browser, "demo.png")
    loop.run(carol.close())


async def load(address, seconds):
    """Clients arrive over the first half, talk in five rooms, and a third
    of them leave near the end: shapes for every chart but the drops."""
    clients = []
    start = time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        if elapsed < seconds / 2 and len(clients) < 60:
            clients += [await json_client(address, f"room-{len(clients) % 5}") for _ in range(3)]
        if elapsed > seconds * 0.75 and len(clients) > 40:
            for ws in clients[-4:]:
                await ws.close()
            del clients[-4:]
        talkers = random.sample(clients, k=min(len(clients), 1 + int(elapsed)))
        for i, ws in enumerate(talkers):
            await ws.send(json.dumps({"type": "message", "room": f"room-{clients.index(ws) % 5}",
                                      "data": {"n": i, "text": "x" * random.randint(10, 400)}}))
        await asyncio.sleep(0.25)
    return clients


def dashboard(browser, loop, address):
    browser.switch_to.new_window("tab")
    exact_size(browser)
    browser.get(f"http://{address}/dashboard")
    seconds = 40
    running = loop.start(load(address, seconds))
    time.sleep(seconds - 2)  # the picture while they still talk
    screenshot(browser, "dashboard.png")
    clients = running.result(30)

    async def close_all():
        await asyncio.gather(*(ws.close() for ws in clients))

    loop.run(close_all())


def main():
    loop = Loop()
    try:
        with wshub_server() as address, chromium() as browser:
            browser.set_window_size(*SIZE)
            demo(browser, loop, address)
            dashboard(browser, loop, address)
    finally:
        loop.stop()


if __name__ == "__main__":
    main()
