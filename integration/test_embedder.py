"""Embedding wshub: the example programs (src/examples/) driven by real
WebSocket clients, and a program built out of tree against an installed
copy of the library (`make install`: include/wshub and lib/libwshub.a).

- wshub-shout: a custom mode served by wshub::run (the binary's flags and
  signals);
- wshub-chat: a multi-room chat on wshub::Server and Options, which owns its
  signals and stops the server on SIGTERM;
- the out-of-tree program stops itself (stop() from a callback).
"""

import asyncio
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import websockets

from wshub_test import T
from wshub_test.binary import REPO, clean_env, example_bin, free_port
from conftest import SANITIZER_MARKERS, read_whole


class Program:
    """A server program on 127.0.0.1:port, its stderr kept in a file."""

    def __init__(self, argv, port):
        self.port = port
        self._err = tempfile.TemporaryFile(mode="w+b")
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._err, env=clean_env())
        deadline = time.monotonic() + T
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.proc.kill()
                    pytest.fail(f"{argv[0]} did not start: {self.stderr}")
                time.sleep(0.02)

    @property
    def stderr(self):
        return read_whole(self._err)

    def url(self, path):
        return f"ws://127.0.0.1:{self.port}{path}"

    def exit_status(self, sig=None):
        """Sends `sig` (if any) and returns the exit status; no sanitizer report allowed."""
        if sig is not None:
            self.proc.send_signal(sig)
        try:
            status = self.proc.wait(T)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"still running {T}s later: {self.stderr}")
        err = self.stderr
        assert not any(m in err for m in SANITIZER_MARKERS), err
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def programs():
    started = []
    yield started
    for p in started:
        p.kill()


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), T)


async def assert_quiet(ws, seconds=0.3):
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(ws.recv(), seconds)


# ------------------------------------------------------------- wshub-shout
def shout(programs, *flags):
    port = free_port()
    p = Program([example_bin("shout"), "--listen", f"127.0.0.1:{port}", *flags], port)
    programs.append(p)
    return p


def test_custom_mode_publishes_upper_case_to_its_room(programs):
    p = shout(programs, "--route", "/shout=shout", "--workers", "2")

    async def run():
        a = await websockets.connect(p.url("/shout?room=hall"))
        b = await websockets.connect(p.url("/shout?room=hall"))
        other = await websockets.connect(p.url("/shout?room=elsewhere"))
        await a.send("hello there")
        assert await recv(a) == "HELLO THERE"  # include_self
        assert await recv(b) == "HELLO THERE"
        await assert_quiet(other)
        await b.send(b"\x00binary")
        with pytest.raises(websockets.ConnectionClosed):
            await recv(b)
        assert b.close_code == 1003  # CloseCode::unsupported_data
        for ws in (a, other):
            await ws.close()
    asyncio.run(run())
    assert p.exit_status(signal.SIGTERM) == 0


def test_custom_mode_name_is_a_valid_route_and_builtins_remain(programs):
    proc = subprocess.run([example_bin("shout"), "--route", "/x=nosuchmode"], capture_output=True, text=True,
                          env=clean_env(), timeout=5)
    assert proc.returncode == 2
    assert "echo, raw, json, proxy, shout" in proc.stderr
    p = shout(programs, "--route", "/shout=shout", "--route", "/echo=echo")

    async def run():
        async with websockets.connect(p.url("/echo")) as ws:
            await ws.send("same")
            assert await recv(ws) == "same"
    asyncio.run(run())
    assert p.exit_status(signal.SIGTERM) == 0


def test_run_keeps_the_binarys_second_signal(programs):
    """wshub::run drains on the first signal and exits 1 on a second one."""
    p = shout(programs, "--route", "/shout=shout", "--drain-timeout", "30s", "--close-timeout", "30s")
    holder = socket.create_connection(("127.0.0.1", p.port))
    holder.sendall(b"GET /shout HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    holder.settimeout(T)
    assert holder.recv(4096).startswith(b"HTTP/1.1 101")
    p.proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + T
    while "drain_start" not in p.stderr:
        assert time.monotonic() < deadline, p.stderr
        time.sleep(0.02)
    assert p.proc.poll() is None  # the holder never answers its 1001
    assert p.exit_status(signal.SIGINT) == 1
    assert "drain_abort signal=SIGINT" in p.stderr
    holder.close()


# -------------------------------------------------------------- wshub-chat
@pytest.fixture
def chat(programs):
    port = free_port()
    p = Program([example_bin("chat"), str(port)], port)
    programs.append(p)
    return p


def test_chat_rooms_messages_and_notices(chat):
    async def run():
        alice = await websockets.connect(chat.url("/chat?name=alice"))
        bob = await websockets.connect(chat.url("/chat?name=bob"))
        carol = await websockets.connect(chat.url("/chat?name=carol"))
        for ws, name in ((alice, "alice"), (bob, "bob"), (carol, "carol")):
            assert await recv(ws) == f"* welcome {name} (from 127.0.0.1)"
        await alice.send("hello?")
        assert await recv(alice) == "* join a room first: /join ROOM"
        await alice.send("/join lobby")
        assert await recv(alice) == "* you joined lobby (1 member)"
        await bob.send("/join lobby")
        assert await recv(bob) == "* you joined lobby (2 members)"
        assert await recv(alice) == "* bob joined lobby"
        await carol.send("/join attic")
        assert await recv(carol) == "* you joined attic (1 member)"

        await bob.send("hi all")
        assert await recv(alice) == "bob: hi all"
        assert await recv(bob) == "bob: hi all"
        await assert_quiet(carol)
        await carol.send("/rooms")
        assert await recv(carol) == "* rooms: attic (1) lobby (2)"

        await carol.send("/join lobby")  # from attic to lobby
        assert await recv(carol) == "* you joined lobby (3 members)"
        assert await recv(alice) == "* carol joined lobby"
        assert await recv(bob) == "* carol joined lobby"
        await carol.send("/rooms")
        assert await recv(carol) == "* rooms: lobby (3)"

        await bob.send("/leave")
        assert await recv(bob) == "* you left lobby"
        assert await recv(alice) == "* bob left lobby"
        assert await recv(carol) == "* bob left lobby"
        await bob.send("/leave")
        assert await recv(bob) == "* you are in no room"
        await alice.send("still here")
        assert await recv(carol) == "alice: still here"
        await assert_quiet(bob)

        await alice.close()  # a member that goes is heard leaving
        assert await recv(carol) == "* alice left lobby"
        await carol.send("/nonsense")
        assert await recv(carol) == "* commands: /join ROOM, /leave, /rooms"
        await carol.send(b"\x01")
        with pytest.raises(websockets.ConnectionClosed):
            await recv(carol)
        assert carol.close_code == 1003
        await bob.send("/rooms")
        assert await recv(bob) == "* no rooms"
        await bob.close()
    asyncio.run(run())
    assert chat.exit_status(signal.SIGTERM) == 0


def test_chat_subprotocol_and_refusals(chat):
    async def run():
        async with websockets.connect(chat.url("/chat?name=dan"), subprotocols=["other.v9", "chat.v1"]) as ws:
            assert ws.subprotocol == "chat.v1"
            assert await recv(ws) == "* welcome dan (from 127.0.0.1)"
        async with websockets.connect(chat.url("/chat")) as ws:  # no name, no subprotocol
            assert (await recv(ws)).startswith("* welcome guest-")
        for url, offers in ((chat.url("/chat?name=eve"), ["other.v9"]), (chat.url("/chat?name="), None)):
            with pytest.raises(websockets.exceptions.InvalidStatusCode) as refused:
                await websockets.connect(url, subprotocols=offers)
            assert refused.value.status_code == 400
    asyncio.run(run())
    assert chat.exit_status(signal.SIGTERM) == 0


def test_chat_sigterm_drains_with_1001(chat):
    async def run():
        ws = await websockets.connect(chat.url("/chat?name=frank"))
        await recv(ws)
        await ws.send("/join lobby")
        await recv(ws)
        chat.proc.send_signal(signal.SIGTERM)
        with pytest.raises(websockets.ConnectionClosed):
            await recv(ws)
        assert ws.close_code == 1001
    asyncio.run(run())
    assert chat.exit_status() == 0
    err = chat.stderr
    assert "drain_start signal=none connections=1" in err and "drain_done" in err, err


# ----------------------------------------------- a program built out of tree
PROGRAM = r"""
// An embedder's whole program, against the installed headers and library.
#include <wshub/server.h>
#include <cstdio>
#include <string>

struct Relay final : wshub::Handler {
    wshub::Server* server = nullptr;
    void on_message(wshub::Conn& c, std::string_view data, wshub::MessageType type) override {
        if (data == "stop") return server->stop();
        c.broadcast(data, type, /*include_self=*/true);
    }
};

int main(int argc, char** argv) {
    wshub::Options options;
    options.listen = std::string("127.0.0.1:") + (argc > 1 ? argv[1] : "8080");
    options.routes = {"/relay=relay"};
    wshub::Server server(options);
    Relay relay;
    relay.server = &server;
    server.add_mode("relay", relay);
    if (wshub::Status s = server.start(); !s) return std::fprintf(stderr, "%s\n", s.message.c_str()), 1;
    return server.wait();
}
"""


def test_program_built_against_the_installed_library(tmp_path, programs):
    root = tmp_path / "root"
    result = subprocess.run(["make", "-s", "install", f"DESTDIR={root}", "PREFIX=/usr"],
                            cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    source = tmp_path / "relay.cpp"
    source.write_text(PROGRAM)
    assert len(PROGRAM.strip().splitlines()) <= 25
    binary = tmp_path / "relay"
    cxx = os.environ.get("CXX", "g++")
    build = subprocess.run([cxx, "-std=c++20", "-Wall", "-Wextra", "-Werror", f"-I{root}/usr/include",
                            str(source), f"{root}/usr/lib/libwshub.a", "-pthread", "-o", str(binary)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    port = free_port()
    p = Program([str(binary), str(port)], port)
    programs.append(p)

    async def run():
        a = await websockets.connect(p.url("/relay"))
        b = await websockets.connect(p.url("/relay"))
        await a.send("round trip")
        assert await recv(a) == "round trip"
        assert await recv(b) == "round trip"
        await b.send(b"\x00\xffbinary")
        assert await recv(a) == b"\x00\xffbinary"
        assert await recv(b) == b"\x00\xffbinary"
        await a.send("stop")  # the program's own way out: stop() from its callback
        for ws in (a, b):
            with pytest.raises(websockets.ConnectionClosed):
                await recv(ws)
            assert ws.close_code == 1001
    asyncio.run(run())
    assert p.exit_status() == 0
    err = p.stderr
    assert "drain_start signal=none connections=2" in err and "drain_done" in err, err
