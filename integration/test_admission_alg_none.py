"""The textbook `alg: none` token (RFC 7519 section 6.1's unsecured JWT: a
header, a payload and an empty signature) through the real binary: refused
as bad_alg, not malformed, on every transport of an ,auth route and on
POST /publish, so that an alert on
wshub_auth_failures_total{reason="bad_alg"} sees the classic forgery."""

import http.client
import os

import pytest

from wshub_test import T
from wshub_test.admission import assert_401, auth_failure, bearer, expect_deltas, rejected, snapshot
from wshub_test.client import upgrade_attempt as attempt
from wshub_test.jwt import b64url

SECRET = "itest-alg-none-" + os.urandom(12).hex()

# {"alg":"none"} . {"sub":"m"} . (nothing)
TEXTBOOK = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtIn0."


@pytest.fixture
def server(wshub, tmp_path):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    return wshub("--route", "/p=json,auth", "--route", "/e=echo,auth", "--jwt-secret-file", str(p),
                 "--subprotocol", "wshub")


def test_textbook_token_is_bad_alg(server):
    assert TEXTBOOK.split(".")[0] == b64url('{"alg":"none"}')
    before = snapshot(server)
    resp, _ = attempt(server, "/p", headers=[bearer(TEXTBOOK)])
    assert_401(resp, "bad_alg", had_token=True)
    assert TEXTBOOK.encode() not in resp.raw_head + resp.body, "the token is echoed in the refusal"
    expect_deltas(server, before, {auth_failure("bad_alg"): 1, rejected("unauthorized"): 1})


def test_on_every_transport_and_route(server):
    before = snapshot(server)
    resp, _ = attempt(server, "/e", headers=[bearer(TEXTBOOK)])
    assert_401(resp, "bad_alg", had_token=True)
    resp, _ = attempt(server, "/p", protocols=["wshub", "bearer." + TEXTBOOK])
    assert_401(resp, "bad_alg", had_token=True)
    resp, _ = attempt(server, "/p?token=" + TEXTBOOK)
    assert_401(resp, "bad_alg", had_token=True)
    expect_deltas(server, before, {auth_failure("bad_alg"): 3, rejected("unauthorized"): 3})


@pytest.mark.parametrize("token", [
    pytest.param(b64url('{"alg":"none","typ":"JWT"}') + "." + b64url('{"sub":"admin","scope":"publish"}') + ".",
                 id="with_typ"),
    pytest.param(b64url('{"alg":"none"}') + "..", id="empty_payload_too"),
    pytest.param(b64url('{"alg":"None"}') + "." + b64url("{}") + ".", id="capitalised"),
    pytest.param(b64url('{"alg":"HS512"}') + "." + b64url("{}") + ".", id="other_alg_unsigned"),
])
def test_unsigned_variants(server, token):
    before = snapshot(server)
    resp, _ = attempt(server, "/p", headers=[bearer(token)])
    assert_401(resp, "bad_alg", had_token=True)
    expect_deltas(server, before, {auth_failure("bad_alg"): 1, rejected("unauthorized"): 1})


def test_an_hs256_header_with_an_empty_signature_stays_malformed(server):
    token = b64url('{"alg":"HS256","typ":"JWT"}') + "." + b64url('{"sub":"m"}') + "."
    before = snapshot(server)
    resp, _ = attempt(server, "/p", headers=[bearer(token)])
    assert_401(resp, "malformed", had_token=True)
    expect_deltas(server, before, {auth_failure("malformed"): 1, rejected("unauthorized"): 1})


def test_publish_refuses_it_as_bad_alg(server):
    conn = http.client.HTTPConnection(server.host, server.port, timeout=T)
    try:
        conn.request("POST", "/publish?room=news", body=b"hi",
                     headers={"Authorization": "Bearer " + TEXTBOOK, "Content-Type": "text/plain"})
        r = conn.getresponse()
        body = r.read()
    finally:
        conn.close()
    assert r.status == 401, (r.status, body)
    assert body == b"unauthorized: bad_alg\n"
    assert r.getheader("WWW-Authenticate") == 'Bearer realm="wshub", error="invalid_token"'
