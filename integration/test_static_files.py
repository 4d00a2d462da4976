"""--static DIR (README.md, "Static files") against the real binary over raw
sockets: files with their type, length and validators; HEAD; 304; 405;
nothing outside DIR however the path is spelled or linked; directories;
keep-alive with one request at a time (pipelined requests answered in
order); a large file sent byte for byte while the queued bytes stay within
the send budget of a client that does not read; WebSocket routes and the
endpoints still winning over files; a bad DIR refused at start."""

import os
import socket
import time

import pytest

from wshub_test import T
from wshub_test.binary import assert_startup_error
from wshub_test.metrics import scrape

INDEX = b"<!doctype html><title>home</title><h1>home</h1>\n"
BUDGET = 64 * 1024  # --queue-bytes for the large-file tests


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "www"
    (root / "css").mkdir(parents=True)
    (root / "empty-dir").mkdir()
    (root / "index.html").write_bytes(INDEX)
    (root / "css" / "site.css").write_bytes(b"body { color: #333 }\n")
    (root / "app.js").write_bytes(b"export const x = 1;\n")
    (root / ".env").write_bytes(b"SECRET=1\n")
    (root / "big.bin").write_bytes(os.urandom(6 * 1024 * 1024 + 123))
    (tmp_path / "outside.txt").write_bytes(b"not yours\n")
    os.symlink(tmp_path / "outside.txt", root / "escape.txt")
    os.symlink(root / "css" / "site.css", root / "alias.css")
    return root


class Conn:
    """One keep-alive HTTP/1.1 client connection over a raw socket."""

    def __init__(self, server):
        self.sock = socket.create_connection((server.host, server.port), timeout=T)
        self.buf = b""

    def send(self, data):
        self.sock.sendall(data)

    def get(self, path, method="GET", headers=(), version="HTTP/1.1"):
        lines = [f"{method} {path} {version}", "Host: 127.0.0.1"] + [f"{k}: {v}" for k, v in headers]
        self.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.response(head_only=method == "HEAD")

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise EOFError("closed")
        self.buf += chunk

    def response(self, head_only=False):
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ")[1])
        assert lines[0].startswith("HTTP/1.1 "), lines[0]
        headers = {}
        for line in lines[1:]:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
        n = 0 if head_only or status == 304 else int(headers.get("content-length", "0"))
        while len(self.buf) < n:
            self._fill()
        body, self.buf = self.buf[:n], self.buf[n:]
        return status, headers, body

    def closed_by_server(self):
        try:
            while True:
                self._fill()
        except EOFError:
            return True
        except OSError:
            return True

    def close(self):
        self.sock.close()


def test_files_with_type_length_and_validators(wshub, site):
    server = wshub("--static", str(site))
    c = Conn(server)
    status, h, body = c.get("/")
    assert status == 200 and body == INDEX, (status, h)
    assert h["content-type"] == "text/html; charset=utf-8" and h["content-length"] == str(len(INDEX))
    assert h["connection"] == "keep-alive" and h["x-content-type-options"] == "nosniff"
    assert "etag" in h and "last-modified" in h
    status, h2, body = c.get("/css/site.css")
    assert status == 200 and h2["content-type"].startswith("text/css") and body == b"body { color: #333 }\n"
    status, h3, _ = c.get("/app.js")
    assert status == 200 and h3["content-type"].startswith("text/javascript"), h3
    status, hh, body = c.get("/index.html", method="HEAD")
    assert status == 200 and body == b"" and hh["content-length"] == str(len(INDEX)) and hh["etag"] == h["etag"]
    status, h304, body = c.get("/", headers=[("If-None-Match", h["etag"])])
    assert status == 304 and body == b"" and h304["etag"] == h["etag"], h304
    status, _, _ = c.get("/", headers=[("If-Modified-Since", h["last-modified"])])
    assert status == 304
    status, _, body = c.get("/", headers=[("If-None-Match", '"other"'), ("If-Modified-Since", h["last-modified"])])
    assert status == 200 and body == INDEX  # If-None-Match decides alone
    status, h405, _ = c.get("/index.html", method="POST", headers=[("Content-Length", "0")])
    assert status == 405 and h405["allow"] == "GET, HEAD", h405
    c.close()


@pytest.mark.parametrize("path", [
    "/../outside.txt", "/%2e%2e/outside.txt", "/css/%2E%2e/%2e%2E/outside.txt", "/..%2foutside.txt",
    "/escape.txt", "/.env", "/%2eenv", "/index.html%00.css", "/nope.html", "/empty-dir/", "/css\\site.css",
])
def test_nothing_outside_dir_nor_hidden(wshub, site, path):
    server = wshub("--static", str(site))
    c = Conn(server)
    status, _, body = c.get(path)
    assert status == 404, (path, status, body)
    assert b"not yours" not in body and b"SECRET" not in body
    assert c.get("/")[0] == 200  # and the connection is still good
    c.close()


def test_symlinks_inside_and_directories(wshub, site):
    server = wshub("--static", str(site))
    c = Conn(server)
    assert c.get("/alias.css")[2] == b"body { color: #333 }\n"
    status, h, _ = c.get("/css")
    assert status == 301 and h["location"] == "/css/", h
    (site / "css" / "index.html").write_bytes(b"css home")
    assert c.get("/css/")[2] == b"css home"
    c.close()


def test_pipelined_requests_are_answered_in_order(wshub, site):
    server = wshub("--static", str(site))
    c = Conn(server)
    req = lambda p: f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode()  # noqa: E731
    c.send(req("/css/site.css") + req("/") + req("/app.js") + req("/missing"))
    got = [c.response() for _ in range(4)]
    assert [g[0] for g in got] == [200, 200, 200, 404]
    assert got[0][2] == b"body { color: #333 }\n" and got[1][2] == INDEX and got[2][2] == b"export const x = 1;\n"
    c.close()


@pytest.mark.parametrize("version,headers", [("HTTP/1.0", []), ("HTTP/1.1", [("Connection", "close")])])
def test_connection_close_is_honoured(wshub, site, version, headers):
    server = wshub("--static", str(site))
    c = Conn(server)
    status, h, body = c.get("/", headers=headers, version=version)
    assert status == 200 and body == INDEX and h["connection"] == "close"
    assert c.closed_by_server()


def test_large_file_byte_for_byte_within_the_send_budget(wshub, site):
    server = wshub("--static", str(site), "--queue-bytes", str(BUDGET))
    want = (site / "big.bin").read_bytes()
    c = Conn(server)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    c.send(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    # Not read for a while: the server holds at most a piece or two of it.
    time.sleep(0.5)
    queued = scrape(server)["wshub_queued_bytes"]
    assert queued <= 2 * BUDGET, queued
    status, h, body = c.response()
    assert status == 200 and int(h["content-length"]) == len(want)
    assert body == want
    assert c.get("/")[2] == INDEX  # kept alive after the large answer
    c.close()
    assert scrape(server)["wshub_queued_bytes"] == 0


def test_routes_and_endpoints_win_over_files(wshub, site):
    for name in ("ws", "metrics", "publish"):
        (site / name).write_bytes(b"a file named " + name.encode())
    server = wshub("--static", str(site))
    c = Conn(server)
    status, _, body = c.get("/ws")  # a route without Upgrade: its own refusal, not the file
    assert status in (400, 426) and b"a file named" not in body, (status, body)
    c = Conn(server)
    status, _, body = c.get("/metrics")
    assert status == 200 and b"wshub_connections" in body
    c = Conn(server)
    status, _, body = c.get("/publish")
    assert b"a file named" not in body
    # A WebSocket upgrade to a path with a file and no route: 404, never the file.
    c = Conn(server)
    status, _, body = c.get("/index.html", headers=[("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                                    ("Sec-WebSocket-Version", "13")])
    assert status == 404 and body != INDEX


def test_idle_keep_alive_goes_quietly(wshub, site):
    server = wshub("--static", str(site), "--handshake-timeout", "300ms")
    c = Conn(server)
    assert c.get("/")[0] == 200
    assert c.closed_by_server()  # after --handshake-timeout without a request
    samples = scrape(server)
    timeouts = [v for k, v in samples.items() if k.startswith("wshub_connections_rejected_total") and "handshake_timeout" in k]
    assert sum(timeouts) == 0, samples


def test_keep_alive_connections_end_with_a_drain(wshub, site):
    server = wshub("--static", str(site))
    c = Conn(server)
    assert c.get("/")[0] == 200
    t0 = time.monotonic()
    server.stop()  # SIGTERM: the drain (teardown checks the exit)
    assert c.closed_by_server()
    assert time.monotonic() - t0 < 3, "the drain waited on an idle keep-alive connection"


def test_a_bad_dir_is_refused_at_start(tmp_path):
    assert_startup_error(["--static", str(tmp_path / "absent")], ["--static"])
    f = tmp_path / "file"
    f.write_text("x")
    assert_startup_error(["--static", str(f)], ["not a directory"])
