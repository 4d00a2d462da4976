"""Admission by Origin (README "Admission", .auth-spec.md): the
--allow-origin list (exact and wildcard, case-insensitive scheme and host),
--require-origin, what the check leaves alone (/metrics, /healthz), its
place before the token and after the route and upgrade headers, and bad
patterns at startup.

Every refusal is checked for its status and the exact movement of the
admission counters on GET /metrics.
"""

import urllib.parse
import urllib.request

import pytest

from wshub_test.admission import (
    assert_401,
    auth_failure,
    bearer,
    expect_deltas,
    refused,
    rejected,
    snapshot,
    upgrade_ok,
)
from wshub_test.binary import assert_startup_error
from wshub_test.client import http_exchange, upgrade_attempt
from wshub_test.httpmsg import upgrade_request
from wshub_test.jwt import Minter


# =============================================================== origins
def start_origin(wshub, *extra):
    return wshub("--route", "/echo=echo", "--allow-origin", "https://app.example.com",
                 "--allow-origin", "https://*.example.org", *extra)


ALLOWED = ["https://app.example.com", "HTTPS://APP.EXAMPLE.COM", "https://App.Example.Com",
           "https://a.example.org", "https://a.b.example.org", "https://A.EXAMPLE.ORG",
           "https://x-y.example.org"]

REFUSED = ["https://example.org", "http://a.example.org", "https://a.example.org:8443",
           "https://evil-example.org", "https://a.example.org.evil.net", "https://xexample.org",
           "http://app.example.com", "https://app.example.com:8443", "https://app.example.com.evil.net",
           "https://other.example.com", "https://example.com", "null", "https://evil.test",
           "wss://a.example.org", "https://app.example.co"]


@pytest.mark.parametrize("origin", ALLOWED)
def test_origin_allowed(wshub, origin):
    server = start_origin(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo", headers=[("Origin", origin)])
    c.echo_roundtrip("from " + origin)
    c.close_cleanly()
    expect_deltas(server, before, {})


@pytest.mark.parametrize("origin", REFUSED)
def test_origin_refused(wshub, origin):
    server = start_origin(wshub)
    before = snapshot(server)
    resp = refused(server, "/echo", 403, headers=[("Origin", origin)], body="origin not allowed")
    assert resp.reason == "Forbidden", resp.status_line
    expect_deltas(server, before, {rejected("origin"): 1})


def test_no_origin_allowed_by_default(wshub):
    server = start_origin(wshub)
    before = snapshot(server)
    c = upgrade_ok(server, "/echo")
    c.echo_roundtrip()
    c.close_cleanly()
    expect_deltas(server, before, {})


def test_require_origin_refuses_missing_origin(wshub):
    server = start_origin(wshub, "--require-origin", "true")
    before = snapshot(server)
    refused(server, "/echo", 403)
    refused(server, "/echo", 403, headers=[("Origin", "https://evil.test")], body="origin not allowed")
    c = upgrade_ok(server, "/echo", headers=[("Origin", "https://app.example.com")])
    c.echo_roundtrip()
    c.close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 2})


def test_require_origin_without_allow_list(wshub):
    server = wshub("--route", "/echo=echo", "--require-origin", "true")
    before = snapshot(server)
    refused(server, "/echo", 403)
    c = upgrade_ok(server, "/echo", headers=[("Origin", "https://anything.test")])
    c.close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 1})


def test_require_origin_false_is_the_default(wshub):
    server = start_origin(wshub, "--require-origin", "false")
    upgrade_ok(server, "/echo").close_cleanly()
    refused(server, "/echo", 403, headers=[("Origin", "https://evil.test")])


def test_any_origin_without_allow_list(wshub):
    server = wshub("--route", "/echo=echo")
    before = snapshot(server)
    for origin in ("https://evil.test", "null", "http://localhost:3000"):
        c = upgrade_ok(server, "/echo", headers=[("Origin", origin)])
        c.close_cleanly()
    expect_deltas(server, before, {})


def test_allow_origin_null(wshub):
    server = wshub("--route", "/echo=echo", "--allow-origin", "null", "--allow-origin", "http://localhost:3000")
    upgrade_ok(server, "/echo", headers=[("Origin", "null")]).close_cleanly()
    upgrade_ok(server, "/echo", headers=[("Origin", "http://localhost:3000")]).close_cleanly()
    refused(server, "/echo", 403, headers=[("Origin", "http://localhost:3001")])
    refused(server, "/echo", 403, headers=[("Origin", "http://localhost")])


def test_metrics_and_health_unaffected_by_origin(wshub):
    server = start_origin(wshub, "--require-origin", "true")
    before = snapshot(server)  # itself a request without Origin
    for headers in ({"Origin": "https://evil.test"}, {}):
        for path in ("/metrics", "/healthz", "/readyz"):
            req = urllib.request.Request(f"http://{server.host}:{server.port}{path}", headers=headers)
            with urllib.request.urlopen(req, timeout=3) as r:
                assert r.status == 200, (path, headers, r.status)
    expect_deltas(server, before, {})


def test_origin_checked_before_token(wshub, tmp_path):
    p = tmp_path / "s"
    p.write_text("origin-order-secret\n")
    server = wshub("--route", "/p=echo,auth", "--jwt-secret-file", str(p), "--allow-origin", "https://app.example.com")
    before = snapshot(server)
    refused(server, "/p", 403, headers=[("Origin", "https://evil.test")], body="origin not allowed")
    good = Minter("origin-order-secret").token()
    refused(server, "/p", 403, headers=[("Origin", "https://evil.test"), bearer(good)], body="origin not allowed")
    expect_deltas(server, before, {rejected("origin"): 2})
    resp, _ = upgrade_attempt(server, "/p", headers=[("Origin", "https://app.example.com")])
    assert_401(resp, "missing", False)
    upgrade_ok(server, "/p", headers=[("Origin", "https://app.example.com"), bearer(good)]).close_cleanly()
    expect_deltas(server, before, {rejected("origin"): 2, rejected("unauthorized"): 1, auth_failure("missing"): 1})


def test_origin_checked_after_route_and_upgrade_headers(wshub):
    server = start_origin(wshub)
    host = f"{server.host}:{server.port}"
    evil = [("Origin", "https://evil.test")]
    resp = http_exchange(server, upgrade_request(host, path="/nowhere", extra_headers=evil))
    assert resp.status == 404, resp
    resp = http_exchange(server, upgrade_request(host, path="/echo", version="8", extra_headers=evil))
    assert resp.status == 426, resp
    resp = http_exchange(server, upgrade_request(host, path="/echo", omit=("upgrade",), extra_headers=evil))
    assert resp.status == 400, resp


# ======================================================== startup errors
BAD_ORIGINS = ["example.com", "https://example.com/", "https://example.com/path", "https://user@example.com",
               "HTTPS://example.com", "https://a.*.example.com", "https://example.com?x=1", "*",
               "https://*", "https://", "", "https://example.com#f", "https://*example.com"]


@pytest.mark.parametrize("pattern", BAD_ORIGINS)
def test_bad_allow_origin(pattern):
    assert_startup_error(["--route", "/echo=echo", "--allow-origin", pattern], ["--allow-origin"])
