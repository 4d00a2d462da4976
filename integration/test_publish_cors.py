"""CORS on POST /publish (README "POST /publish: from a browser"): the
--allow-origin list governs /publish as it governs the upgrade. A preflight
(OPTIONS with Origin) from an admitted origin is answered 204 with
Access-Control-Allow-Origin naming that origin (never `*`), the methods and
request headers /publish takes, Access-Control-Max-Age and Vary: Origin;
every answer to a request from an admitted origin carries
Access-Control-Allow-Origin and Vary: Origin, refusals included, so the
page can read them. An origin not admitted: 403 for the preflight and the
POST alike, and nothing published. No Access-Control-Allow-Credentials ever:
/publish takes a bearer token the page sets, never a cookie. Without
--allow-origin any origin is admitted, as for the upgrade. Requests
without Origin (back ends) are answered as they always were."""

import os

import pytest

from wshub_test import T
from wshub_test.client import RawClient, http_exchange
from wshub_test.frames import OP_TEXT
from wshub_test.httpmsg import publish_request
from wshub_test.members import member
from wshub_test.metrics import scrape

TOKEN = "cors-" + os.urandom(12).hex()
APP = "https://app.example.com"


@pytest.fixture
def token_file(tmp_path):
    p = tmp_path / "publish.token"
    p.write_text(TOKEN + "\n")
    return str(p)


def start(wshub, token_file, *extra):
    return wshub("--route", "/raw=raw", "--publish-token-file", token_file, *extra)


def exchange(server, head, body=b""):
    """Sends one request, returns its response (body read by its
    Content-Length) once the server has closed the connection."""
    with RawClient(server.host, server.port) as c:
        c.send(head.encode("latin-1") + body)
        resp = c.read_http_response(T)
        c.expect_eof(T)
        return resp


def preflight(server, origin, method="POST", headers="authorization, content-type"):
    return exchange(server, f"OPTIONS /publish?room=news HTTP/1.1\r\nHost: {server.host}\r\nOrigin: {origin}\r\n"
                            f"Access-Control-Request-Method: {method}\r\n"
                            f"Access-Control-Request-Headers: {headers}\r\n\r\n")


def post(server, origin=None, token=TOKEN, room="news", body=b"hello"):
    lines = [f"POST /publish?room={room}&ns=/raw HTTP/1.1", f"Host: {server.host}",
             f"Authorization: Bearer {token}", "Content-Type: text/plain", f"Content-Length: {len(body)}"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return exchange(server, "\r\n".join(lines) + "\r\n\r\n", body)


def codes(server):
    return {k.split('"')[1]: v for k, v in scrape(server).items() if k.startswith("wshub_publish_requests_total{")}


def assert_preflight_ok(resp, origin):
    assert resp.status == 204 and resp.reason == "No Content", resp
    assert resp.one("Access-Control-Allow-Origin") == origin, resp
    assert resp.one("Access-Control-Allow-Methods") == "POST, OPTIONS", resp
    assert resp.one("Access-Control-Allow-Headers") == "Authorization, Content-Type", resp
    assert resp.one("Access-Control-Max-Age") == "600", resp
    assert resp.one("Vary") == "Origin", resp
    assert resp.header("Access-Control-Allow-Credentials") == [], resp
    # RFC 9110 section 8.6: no Content-Length in a 204, and no body
    assert resp.header("Content-Length") == [] and resp.body == b"", resp


def assert_no_cors(resp):
    assert resp.header("Access-Control-Allow-Origin") == [], resp
    assert resp.header("Vary") == [], resp


def test_preflight_from_an_allowed_origin(wshub, token_file):
    server = start(wshub, token_file, "--allow-origin", APP, "--allow-origin", "https://*.corp.example")
    before = codes(server)
    assert_preflight_ok(preflight(server, APP), APP)
    assert_preflight_ok(preflight(server, "https://a.b.corp.example"), "https://a.b.corp.example")
    # scheme and host compare case-insensitively; the origin is echoed as sent
    assert_preflight_ok(preflight(server, "HTTPS://APP.example.com"), "HTTPS://APP.example.com")
    after = codes(server)
    assert after["204"] - before["204"] == 3, (before, after)


def test_preflight_from_another_origin_is_403(wshub, token_file):
    server = start(wshub, token_file, "--allow-origin", APP)
    before = codes(server)
    for origin in ("https://evil.example", "http://app.example.com", "https://app.example.com:8443", "null"):
        resp = preflight(server, origin)
        assert resp.status == 403 and resp.body == b"origin not allowed\n", (origin, resp)
        assert_no_cors(resp)
    after = codes(server)
    assert after["403"] - before["403"] == 4 and after["204"] == before["204"], (before, after)


def test_post_from_an_allowed_origin_carries_acao(wshub, token_file):
    server = start(wshub, token_file, "--allow-origin", APP)
    m = member(server, "news")
    resp = post(server, APP)
    assert resp.status == 200 and resp.body == b'{"room":"news","recipients":1}\n', resp
    assert resp.one("Access-Control-Allow-Origin") == APP and resp.one("Vary") == "Origin", resp
    assert resp.header("Access-Control-Allow-Credentials") == [], resp
    f = m.recv_frame()
    assert (f.opcode, f.payload) == (OP_TEXT, b"hello"), f
    # refusals too: the page reads why
    for resp, status in ((post(server, APP, token="wrong-token-xxxxxxxx"), 401), (post(server, APP, room=""), 400)):
        assert resp.status == status, resp
        assert resp.one("Access-Control-Allow-Origin") == APP and resp.one("Vary") == "Origin", resp
    get = exchange(server, f"GET /publish HTTP/1.1\r\nHost: h\r\nOrigin: {APP}\r\n\r\n")
    assert get.status == 405 and get.one("Allow") == "POST", get
    assert get.one("Access-Control-Allow-Origin") == APP, get
    m.close()


def test_post_from_another_origin_is_403_and_not_published(wshub, token_file):
    server = start(wshub, token_file, "--allow-origin", APP)
    m = member(server, "news")
    before = codes(server)
    resp = post(server, "https://evil.example")
    assert resp.status == 403 and resp.body == b"origin not allowed\n", resp
    assert_no_cors(resp)
    assert codes(server)["403"] - before["403"] == 1
    # a back end (no Origin) is answered as before, without CORS headers
    resp = post(server, None, body=b"from the back end")
    assert resp.status == 200, resp
    assert_no_cors(resp)
    f = m.recv_frame()
    assert f.payload == b"from the back end", f  # the refused one never came
    m.close()


def test_without_allow_origin_any_origin_is_echoed(wshub, token_file):
    server = start(wshub, token_file)
    for origin in ("https://anywhere.example", "http://localhost:3000", "null"):
        assert_preflight_ok(preflight(server, origin), origin)
        resp = post(server, origin)
        assert resp.status == 200 and resp.one("Access-Control-Allow-Origin") == origin, resp
        assert "*" not in resp.one("Access-Control-Allow-Origin")


def test_options_without_origin_is_not_a_preflight(wshub, token_file):
    server = start(wshub, token_file, "--allow-origin", APP)
    resp = http_exchange(server, f"OPTIONS /publish HTTP/1.1\r\nHost: {server.host}\r\n\r\n".encode())
    assert resp.status == 405 and resp.one("Allow") == "POST", resp
    assert_no_cors(resp)


def test_require_origin_does_not_apply_to_publish(wshub, token_file):
    """--require-origin is about browsers opening WebSockets; a back end
    posting without Origin is still let in."""
    server = start(wshub, token_file, "--allow-origin", APP, "--require-origin", "true")
    resp = http_exchange(server, publish_request(f"{server.host}:{server.port}", "news", "x", TOKEN, ns="/raw"))
    assert resp.status == 200, resp


def test_publishing_disabled_is_403_before_any_cors(wshub):
    server = wshub("--route", "/raw=raw", "--allow-origin", APP)
    resp = preflight(server, APP)
    assert resp.status == 403 and b"publishing is not enabled" in resp.body, resp
    assert_no_cors(resp)
