"""HTTP/1.1 as bytes (RFC 9112), for the upgrade handshake: requests built
field by field (broken ones included) and response heads parsed strictly;
and POST /publish requests."""

import urllib.parse

from wshub_test.frames import accept_for, make_key


def upgrade_request(
    host,
    path="/echo",
    key=None,
    version="13",
    protocols=None,
    extra_headers=(),
    method="GET",
    http_version="HTTP/1.1",
    omit=(),
):
    """Builds an upgrade request head (bytes, CRLF line endings).

    `omit` lists header names (lower case) to leave out; `extra_headers` is a
    sequence of (name, value) pairs or raw strings (already "Name: value")."""
    if key is None:
        key = make_key()
    headers = [
        ("Host", host),
        ("Upgrade", "websocket"),
        ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", key),
        ("Sec-WebSocket-Version", version),
    ]
    lines = [f"{method} {path} {http_version}"]
    for name, value in headers:
        if name.lower() in omit:
            continue
        lines.append(f"{name}: {value}")
    if protocols:
        lines.append("Sec-WebSocket-Protocol: " + ", ".join(protocols))
    for h in extra_headers:
        lines.append(h if isinstance(h, str) else f"{h[0]}: {h[1]}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def publish_request(host, room, body, token, content_type="text/plain", ns=None):
    """A complete POST /publish?room=ROOM[&ns=NS] request (head and body,
    bytes) with `token` as its bearer; the room name is percent-encoded."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    target = "/publish?room=" + urllib.parse.quote(room, safe="")
    if ns is not None:
        target += "&ns=" + urllib.parse.quote(ns, safe="/")
    head = (f"POST {target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


class HttpResponse:
    def __init__(self, status_line, status, reason, headers, body, raw_head):
        self.status_line = status_line
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.raw_head = raw_head

    def header(self, name):
        """All values of a header (case-insensitive name)."""
        return [v for n, v in self.headers if n.lower() == name.lower()]

    def one(self, name):
        vals = self.header(name)
        assert len(vals) == 1, f"expected exactly one {name} header, got {vals!r} in {self.raw_head!r}"
        return vals[0]

    def content_length(self):
        """The Content-Length as a number, 0 without one; asserts there is at most one."""
        cl = self.header("Content-Length")
        assert len(cl) <= 1, f"several Content-Length headers in {self.raw_head!r}"
        return int(cl[0]) if cl else 0

    def __repr__(self):
        return f"HttpResponse({self.raw_head!r} body={self.body!r})"


def parse_response_head(raw_head):
    """An HttpResponse (body empty) from a head ending in CRLF CRLF; asserts
    an HTTP/1.1 status line and well-formed header lines."""
    text = raw_head.decode("latin-1")
    lines = text[:-4].split("\r\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    assert len(parts) >= 2 and parts[0] == "HTTP/1.1", f"bad status line {status_line!r}"
    status = int(parts[1])
    reason = parts[2] if len(parts) > 2 else ""
    headers = []
    for line in lines[1:]:
        assert ":" in line, f"bad header line {line!r} in {raw_head!r}"
        name, value = line.split(":", 1)
        assert name == name.strip() and name, f"bad header name in {line!r}"
        headers.append((name, value.strip(" \t")))
    return HttpResponse(status_line, status, reason, headers, b"", raw_head)


def assert_switching(resp, key):
    """Asserts a correct 101 for the request that sent `key`."""
    assert resp.status == 101, f"expected 101, got {resp!r}"
    assert resp.status_line == "HTTP/1.1 101 Switching Protocols", resp.status_line
    assert resp.one("Upgrade").lower() == "websocket", resp
    assert "upgrade" in [t.strip().lower() for t in resp.one("Connection").split(",")], resp
    assert resp.one("Sec-WebSocket-Accept") == accept_for(key), resp
