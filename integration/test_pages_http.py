"""The built-in pages over plain HTTP (README "Built-in pages"): each file
of src/web/manifest served byte for byte with its type, ETag and 304, HEAD,
405 for other methods, --demo false, a route on the same path winning, and
/dashboard only where /metrics is served."""

import os
import socket

from wshub_test import T
from wshub_test.binary import REPO, free_port
from wshub_test.client import RawClient
from wshub_test.httpmsg import parse_response_head
from wshub_test.metrics import scrape

WEB = os.path.join(REPO, "src", "web")

TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}


def manifest():
    """[(path, file, places)] as src/web/manifest lists them."""
    rows = []
    with open(os.path.join(WEB, "manifest"), encoding="utf-8") as f:
        for line in f:
            words = line.split()
            if words and not words[0].startswith("#"):
                rows.append((words[0], words[1], set(words[2].split(","))))
    return rows


def request(server, path, method="GET", headers=(), port=None):
    """One request with Connection: close; the response with the whole body
    read up to the server's close (so a HEAD's lack of body is seen)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {server.host}", "Connection: close", *headers]
    raw = b""
    with socket.create_connection((server.host, port or server.port), timeout=T) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while chunk := sock.recv(65536):
            raw += chunk
    end = raw.find(b"\r\n\r\n")
    assert end > 0, f"no response head in {raw!r}"
    resp = parse_response_head(raw[: end + 4])
    resp.body = raw[end + 4 :]
    return resp


def assert_page_headers(resp):
    assert resp.one("Cache-Control") == "no-cache", resp
    assert resp.one("X-Content-Type-Options") == "nosniff", resp
    csp = resp.one("Content-Security-Policy")
    for directive in ("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"):
        assert directive in csp, (directive, csp)
    etag = resp.one("ETag")
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2, etag


def test_every_asset_is_its_file_with_its_type(server):
    rows = manifest()
    assert {p for p, _, _ in rows} >= {"/", "/wshub.js", "/dashboard", "/demo.js", "/dashboard.js", "/style.css"}
    etags = set()
    for path, file, _ in rows:
        resp = request(server, path)
        assert resp.status == 200, (path, resp)
        with open(os.path.join(WEB, file), "rb") as f:
            assert resp.body == f.read(), f"{path} is not {file} byte for byte"
        assert resp.one("Content-Type") == TYPES[os.path.splitext(file)[1]], (path, resp)
        assert resp.content_length() == len(resp.body), resp
        assert resp.one("Connection") == "close", resp
        assert_page_headers(resp)
        etags.add(resp.one("ETag"))
    assert len(etags) == len(rows), etags
    # The query is not part of the path: the demo reads ?ws= and ?name=.
    assert request(server, "/?ws=/chat&name=ann").status == 200


def test_etag_and_304(server):
    first = request(server, "/wshub.js")
    etag = first.one("ETag")
    for value in (etag, "W/" + etag, f'"nope", {etag}', "*"):
        resp = request(server, "/wshub.js", headers=[f"If-None-Match: {value}"])
        assert resp.status == 304, (value, resp)
        assert resp.body == b"" and not resp.header("Content-Length"), resp
        assert resp.one("ETag") == etag, resp
        assert_page_headers(resp)
    for value in ('"nope"', etag[:-2] + '"', etag.strip('"')):
        resp = request(server, "/wshub.js", headers=[f"If-None-Match: {value}"])
        assert resp.status == 200 and resp.body == first.body, (value, resp)
    # Another page's tag is not this one's.
    other = request(server, "/").one("ETag")
    assert request(server, "/wshub.js", headers=[f"If-None-Match: {other}"]).status == 200


def test_head_has_the_headers_and_no_body(server):
    for path in ("/", "/wshub.js", "/dashboard"):
        get = request(server, path)
        head = request(server, path, method="HEAD")
        assert head.status == 200, head
        assert head.body == b"", f"HEAD {path} sent a body: {head.body[:80]!r}"
        assert head.headers == get.headers, (head.headers, get.headers)
        assert head.content_length() == len(get.body)


def test_other_methods_get_405(server):
    for method in ("POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
        for path in ("/", "/wshub.js", "/dashboard"):
            resp = request(server, path, method=method)
            assert resp.status == 405, (method, path, resp)
            assert resp.one("Allow") == "GET, HEAD", resp


def test_demo_false_keeps_the_client(wshub):
    s = wshub("--demo", "false")
    for path in ("/", "/demo.js"):
        assert request(s, path).status == 404, path
    # The client and (with no --metrics-listen) the dashboard stay.
    for path in ("/wshub.js", "/dashboard", "/dashboard.js", "/style.css"):
        assert request(s, path).status == 200, path


def test_a_route_on_the_path_wins(wshub):
    s = wshub("--route", "/=echo", "--route", "/wshub.js=json", "--route", "/dashboard=raw")
    for path in ("/", "/wshub.js", "/dashboard"):
        resp = request(s, path)  # a plain GET on a route: not an upgrade, 400
        assert resp.status == 400, (path, resp)
        assert not resp.header("ETag"), resp
    with RawClient(s.host, s.port) as c:
        c.handshake("/")  # the route's WebSocket
    # The demo's other files are still there.
    assert request(s, "/demo.js").status == 200


def test_dashboard_only_on_the_metrics_listener(wshub):
    mport = free_port()
    s = wshub("--metrics-listen", f"127.0.0.1:{mport}")
    on_main = {"/": 200, "/demo.js": 200, "/wshub.js": 200, "/style.css": 200, "/dashboard": 404,
               "/dashboard.js": 404}
    on_metrics = {"/dashboard": 200, "/dashboard.js": 200, "/style.css": 200, "/": 404, "/demo.js": 404,
                  "/wshub.js": 404}
    got_main = {p: request(s, p).status for p in on_main}
    got_metrics = {p: request(s, p, port=mport).status for p in on_metrics}
    assert got_main == on_main
    assert got_metrics == on_metrics
    # The stylesheet is the demo's on the main port: without the demo it goes.
    s2 = wshub("--metrics-listen", f"127.0.0.1:{free_port()}", "--demo", "false")
    assert request(s2, "/style.css").status == 404
    assert request(s2, "/wshub.js").status == 200


def test_pages_count_as_http_requests(server):
    before = scrape(server)["wshub_http_requests_total"]
    for path in ("/", "/wshub.js", "/dashboard"):
        request(server, path)
    after = scrape(server)["wshub_http_requests_total"]
    assert after - before == 3 + 1, (before, after)  # and the first scrape itself


def test_pages_keep_the_connection(server):
    """HTTP/1.1 without Connection: close: one connection for a page and its
    files, as a browser loads them; a 405 closes."""
    with RawClient(server.host, server.port) as c:
        for path in ("/", "/demo.js", "/style.css", "/wshub.js"):
            c.send(f"GET {path} HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
            resp = c.read_http_response(T)
            assert resp.status == 200, (path, resp)
            assert resp.one("Connection") == "keep-alive", resp
        etag = resp.one("ETag")
        c.send(f"GET /wshub.js HTTP/1.1\r\nHost: {server.host}\r\nIf-None-Match: {etag}\r\n\r\n".encode())
        assert c.read_http_response(T).status == 304
        c.send(f"POST / HTTP/1.1\r\nHost: {server.host}\r\nContent-Length: 0\r\n\r\n".encode())
        resp = c.read_http_response(T)
        assert resp.status == 405 and resp.one("Connection") == "close", resp
        c.expect_eof(T)


def test_a_static_file_wins_over_a_page(wshub, tmp_path):
    (tmp_path / "wshub.js").write_text("// mine\n")
    (tmp_path / "other.txt").write_text("other\n")
    s = wshub("--static", str(tmp_path))
    assert request(s, "/wshub.js").body == b"// mine\n"
    assert request(s, "/other.txt").body == b"other\n"
    # No index.html under DIR: the demo's page; a path neither has: 404.
    resp = request(s, "/")
    assert resp.status == 200 and resp.body.startswith(b"<!doctype html>"), resp
    assert request(s, "/nope.txt").status == 404
    (tmp_path / "index.html").write_text("<p>my site</p>\n")
    assert request(s, "/").body == b"<p>my site</p>\n"
