"""Admission by token: JSON Web Tokens on routes marked `,auth` (README
"Admission", .auth-spec.md): every rejection and its reason, accepted
tokens, leeway, issuer and audience, the three transports (header,
subprotocol, query), public routes beside ,auth ones, the claims (sub, rooms,
scope), secret sources and their startup errors. Passwords, Origin and rates
are in test_admission_passwords.py, test_admission_origin.py and
test_admission_rate.py.

Tokens are minted by wshub_test/jwt.py (Python's hmac/hashlib, independent of the
server's code). Every refusal is checked for its status, WWW-Authenticate,
body, and the exact movement of the admission counters on GET /metrics;
every acceptance for a real 101 and, in json mode, the identity it carries.
"""

import asyncio
import contextlib
import hashlib
import json
import os
import re
import time

import pytest

from wshub_test import T, jwt, wslib
from wshub_test.admission import (
    AUTH_REASONS,
    assert_401,
    auth_failure,
    bearer,
    closed,
    expect_deltas,
    joins_forbidden,
    rejected,
    snapshot,
    upgrade_ok,
)
from wshub_test.binary import assert_startup_error, run_wshub
from wshub_test.client import upgrade_attempt
from wshub_test.frames import OP_TEXT
from wshub_test.jwt import Minter
from wshub_test.metrics import scrape
from wshub_test.wslib import assert_quiet, join, open_json, recv_json, request, run, send_json

SECRET = "itest-secret-" + os.urandom(12).hex()
ISS = "https://issuer.itest"
AUD = "wshub-itest"
M = Minter(SECRET)
DROP = object()  # a claim value meaning "leave the claim out"


def now():
    return int(time.time())


@pytest.fixture
def secret_path(tmp_path):
    p = tmp_path / "jwt.secret"
    p.write_text(SECRET + "\n")
    return str(p)


def start(wshub, secret_path, *extra, env=None):
    """json, raw and echo routes with ,auth, and public json and raw ones."""
    return wshub("--route", "/p=json,auth", "--route", "/r=raw,auth", "--route", "/e=echo,auth",
                 "--route", "/pub=json", "--route", "/rawpub=raw",
                 "--jwt-secret-file", secret_path, *extra, env=env)


def start_strict(wshub, secret_path, *extra):
    """As start(), with --jwt-leeway 5s, --jwt-issuer and --jwt-audience."""
    return start(wshub, secret_path, "--jwt-leeway", "5s", "--jwt-issuer", ISS, "--jwt-audience", AUD, *extra)


def claims(**kw):
    """A payload that start_strict() accepts, changed by kw (DROP removes)."""
    p = {"sub": "alice", "iss": ISS, "aud": AUD, "exp": now() + 3600}
    p.update(kw)
    return {k: v for k, v in p.items() if v is not DROP}


def tok(**kw):
    return jwt.mint(claims(**kw), SECRET)


def tok_with_header(header, **kw):
    return jwt.mint(claims(**kw), SECRET, header=header)


def raw_payload_tok(extra_members):
    """A token whose payload is claims() minus exp plus `extra_members`, JSON
    text written verbatim (numbers Python cannot produce, such as 1e999)."""
    base = json.dumps(claims(exp=DROP), separators=(",", ":"))
    return jwt.mint(base[:-1] + "," + extra_members + "}", SECRET)


def echo_ok(client, text="hello"):
    client.echo_roundtrip(text)
    client.close_cleanly()


# ------------------------------------------------------------- the metrics
def test_every_auth_failure_label_is_exported_from_the_start(wshub, secret_path):
    server = start(wshub, secret_path)
    s = scrape(server)
    for reason in AUTH_REASONS:
        assert s.get(auth_failure(reason)) == 0, f"{auth_failure(reason)} missing or not 0"
    for series in (rejected("unauthorized"), rejected("origin"), joins_forbidden("rooms_claim"),
                   joins_forbidden("password"), "wshub_rate_limited_total"):
        assert s.get(series) == 0, f"{series} missing or not 0"


# ------------------------------------------------------- every rejection
def k(name, make, reason):
    return pytest.param(make, reason, id=name)


REJECTIONS = [
    # too_large: over 4096 bytes, refused before anything is decoded
    k("too_large_valid_4097", lambda: M.of_length(4097, sub="alice", iss=ISS, aud=AUD), "too_large"),
    k("too_large_garbage_5000", lambda: "x" * 5000, "too_large"),
    k("too_large_dots", lambda: "." * 4500, "too_large"),
    # malformed
    k("malformed_one_segment", lambda: "notajwt", "malformed"),
    k("malformed_two_segments", lambda: ".".join(tok().split(".")[:2]), "malformed"),
    k("malformed_four_segments", lambda: tok() + "." + tok().split(".")[2], "malformed"),
    k("malformed_empty_header", lambda: "." + tok().split(".", 1)[1], "malformed"),
    k("malformed_empty_payload", lambda: (lambda p: f"{p[0]}..{p[2]}")(tok().split(".")), "malformed"),
    k("malformed_empty_signature", lambda: tok().rsplit(".", 1)[0] + ".", "malformed"),
    k("bad_alg_none_unsigned", lambda: jwt.mint(claims(), SECRET, header={"alg": "none"}).rsplit(".", 1)[0] + ".", "bad_alg"),
    k("malformed_b64_padding", lambda: M.padded(), "malformed"),
    k("malformed_b64_standard_alphabet", lambda: M.standard_alphabet(), "malformed"),
    k("malformed_b64_length_4k_plus_1", lambda: M.length_mod4_is_1(), "malformed"),
    k("malformed_b64_nonzero_unused_bits", lambda: M.nonzero_pad_bits(), "malformed"),
    k("malformed_b64_bad_character", lambda: M.bad_char(), "malformed"),
    k("malformed_header_not_json", lambda: tok_with_header('{"alg":"HS256"'), "malformed"),
    k("malformed_header_trailing_text", lambda: tok_with_header('{"alg":"HS256"} x'), "malformed"),
    k("malformed_payload_not_json", lambda: jwt.mint('{"sub":"alice",', SECRET), "malformed"),
    k("malformed_payload_bare_word", lambda: jwt.mint("alice", SECRET), "malformed"),
    k("malformed_crit_header", lambda: tok_with_header({"alg": "HS256", "crit": ["exp"]}), "malformed"),
    # not_object
    k("not_object_header_array", lambda: tok_with_header("[]"), "not_object"),
    k("not_object_header_number", lambda: tok_with_header("1"), "not_object"),
    k("not_object_header_string", lambda: tok_with_header('"HS256"'), "not_object"),
    k("not_object_payload_array", lambda: jwt.mint("[]", SECRET), "not_object"),
    k("not_object_payload_number", lambda: jwt.mint("1", SECRET), "not_object"),
    k("not_object_payload_null", lambda: jwt.mint("null", SECRET), "not_object"),
    # bad_alg
    k("bad_alg_none_signed", lambda: tok_with_header({"alg": "none", "typ": "JWT"}), "bad_alg"),
    k("bad_alg_hs512_sha512", lambda: jwt.mint(claims(), SECRET, header={"alg": "HS512", "typ": "JWT"}, digest=hashlib.sha512), "bad_alg"),
    k("bad_alg_lower_case", lambda: tok_with_header({"alg": "hs256"}), "bad_alg"),
    k("bad_alg_trailing_space", lambda: tok_with_header({"alg": "HS256 "}), "bad_alg"),
    k("bad_alg_rs256", lambda: tok_with_header({"alg": "RS256"}), "bad_alg"),
    k("bad_alg_missing", lambda: tok_with_header({"typ": "JWT"}), "bad_alg"),
    k("bad_alg_number", lambda: tok_with_header({"alg": 256}), "bad_alg"),
    k("bad_alg_null", lambda: tok_with_header({"alg": None}), "bad_alg"),
    k("bad_alg_array", lambda: tok_with_header({"alg": ["HS256"]}), "bad_alg"),
    # bad_signature
    k("bad_signature_wrong_secret", lambda: jwt.mint(claims(), SECRET + "x"), "bad_signature"),
    k("bad_signature_flipped_bit", lambda: (lambda p: p[0] + "." + p[1] + "." + jwt.b64url(bytes([jwt.b64url_decode(p[2])[0] ^ 1]) + jwt.b64url_decode(p[2])[1:]))(tok().split(".")), "bad_signature"),
    k("bad_signature_31_bytes", lambda: (lambda p: p[0] + "." + p[1] + "." + jwt.b64url(jwt.b64url_decode(p[2])[:31]))(tok().split(".")), "bad_signature"),
    k("bad_signature_33_bytes", lambda: (lambda p: p[0] + "." + p[1] + "." + jwt.b64url(jwt.b64url_decode(p[2]) + b"\0"))(tok().split(".")), "bad_signature"),
    k("bad_signature_sha512_under_hs256", lambda: jwt.mint(claims(), SECRET, digest=hashlib.sha512), "bad_signature"),
    k("bad_signature_payload_swapped", lambda: (lambda a, b: a.split(".")[0] + "." + b.split(".")[1] + "." + a.split(".")[2])(tok(sub="alice"), tok(sub="mallory")), "bad_signature"),
    k("bad_signature_secret_with_newline", lambda: jwt.mint(claims(), SECRET + "\n"), "bad_signature"),
    k("bad_signature_empty_secret", lambda: jwt.mint(claims(), ""), "bad_signature"),
    # expired (leeway 5 s)
    k("expired_10s_ago", lambda: tok(exp=now() - 10), "expired"),
    k("expired_an_hour_ago", lambda: tok(exp=now() - 3600), "expired"),
    k("expired_epoch", lambda: tok(exp=0), "expired"),
    k("expired_fraction", lambda: tok(exp=now() - 10.5), "expired"),
    k("expired_huge_negative_exponent", lambda: raw_payload_tok('"exp":-1e999'), "expired"),
    # not_yet_valid
    k("not_yet_valid_10s_ahead", lambda: tok(nbf=now() + 10), "not_yet_valid"),
    k("not_yet_valid_an_hour_ahead", lambda: tok(nbf=now() + 3600), "not_yet_valid"),
    k("not_yet_valid_huge_exponent", lambda: raw_payload_tok(f'"exp":{now() + 3600},"nbf":1e999'), "not_yet_valid"),
    # wrong_issuer / wrong_audience
    k("wrong_issuer_missing", lambda: tok(iss=DROP), "wrong_issuer"),
    k("wrong_issuer_other", lambda: tok(iss="https://evil.itest"), "wrong_issuer"),
    k("wrong_issuer_case", lambda: tok(iss=ISS.upper()), "wrong_issuer"),
    k("wrong_audience_missing", lambda: tok(aud=DROP), "wrong_audience"),
    k("wrong_audience_other", lambda: tok(aud="someone-else"), "wrong_audience"),
    k("wrong_audience_array_without", lambda: tok(aud=["a", "b"]), "wrong_audience"),
    k("wrong_audience_empty_array", lambda: tok(aud=[]), "wrong_audience"),
    k("wrong_audience_prefix", lambda: tok(aud=AUD + "x"), "wrong_audience"),
    # bad_claims: a claim of the wrong type
    k("bad_claims_exp_string", lambda: tok(exp=str(now() + 3600)), "bad_claims"),
    k("bad_claims_exp_true", lambda: tok(exp=True), "bad_claims"),
    k("bad_claims_exp_null", lambda: tok(exp=None), "bad_claims"),
    k("bad_claims_nbf_string", lambda: tok(nbf="0"), "bad_claims"),
    k("bad_claims_iat_string", lambda: tok(iat="now"), "bad_claims"),
    k("bad_claims_sub_number", lambda: tok(sub=5), "bad_claims"),
    k("bad_claims_sub_null", lambda: tok(sub=None), "bad_claims"),
    k("bad_claims_iss_number", lambda: tok(iss=5), "bad_claims"),
    k("bad_claims_aud_number", lambda: tok(aud=5), "bad_claims"),
    k("bad_claims_aud_array_of_numbers", lambda: tok(aud=[1]), "bad_claims"),
    k("bad_claims_aud_array_mixed", lambda: tok(aud=[AUD, 2]), "bad_claims"),
    k("bad_claims_aud_object", lambda: tok(aud={"a": AUD}), "bad_claims"),
    k("bad_claims_rooms_string", lambda: tok(rooms="chess"), "bad_claims"),
    k("bad_claims_rooms_mixed", lambda: tok(rooms=["chess", 1]), "bad_claims"),
    k("bad_claims_rooms_object", lambda: tok(rooms={}), "bad_claims"),
    k("bad_claims_scope_array", lambda: tok(scope=["publish"]), "bad_claims"),
    k("bad_claims_scope_number", lambda: tok(scope=1), "bad_claims"),
    # the order of the checks
    k("order_too_large_before_malformed", lambda: "a" * 4097, "too_large"),
    k("order_not_object_header_before_signature", lambda: jwt.mint(claims(), "wrong", header="[]"), "not_object"),
    k("order_bad_alg_before_signature", lambda: jwt.mint(claims(), "wrong", header={"alg": "HS512"}, digest=hashlib.sha512), "bad_alg"),
    k("order_signature_before_payload_json", lambda: jwt.mint('{"sub":', "wrong"), "bad_signature"),
    k("order_signature_before_claims", lambda: jwt.mint(claims(exp="soon"), "wrong"), "bad_signature"),
    k("order_bad_claims_before_expired", lambda: tok(exp=now() - 100, sub=5), "bad_claims"),
    k("order_expired_before_issuer", lambda: tok(exp=now() - 100, iss="other"), "expired"),
    k("order_not_yet_valid_before_issuer", lambda: tok(nbf=now() + 100, iss="other"), "not_yet_valid"),
    k("order_issuer_before_audience", lambda: tok(iss="other", aud="other"), "wrong_issuer"),
]


@pytest.mark.parametrize("make,reason", REJECTIONS)
def test_rejected_token(wshub, secret_path, make, reason):
    server = start_strict(wshub, secret_path)
    token = make()
    before = snapshot(server)
    resp, _ = upgrade_attempt(server, "/p", headers=[bearer(token)])
    assert_401(resp, reason, had_token=True)
    assert token.encode() not in resp.raw_head + resp.body, "the token is echoed in the refusal"
    expect_deltas(server, before, {auth_failure(reason): 1, rejected("unauthorized"): 1})


def test_missing_token(wshub, secret_path):
    server = start_strict(wshub, secret_path)
    before = snapshot(server)
    for path in ("/p", "/r?room=chess", "/e"):
        resp, _ = upgrade_attempt(server, path)
        assert_401(resp, "missing", had_token=False)
    # another scheme is not a bearer token
    resp, _ = upgrade_attempt(server, "/p", headers=[("Authorization", "Basic YWxpY2U6c2VjcmV0")])
    assert_401(resp, "missing", had_token=False)
    # a subprotocol that is not bearer.<jwt>, a query without token=
    resp, _ = upgrade_attempt(server, "/p?tok=" + tok(), protocols=["wshub"])
    assert_401(resp, "missing", had_token=False)
    expect_deltas(server, before, {auth_failure("missing"): 5, rejected("unauthorized"): 5})


def test_rejections_on_every_transport(wshub, secret_path):
    """A bad token is found and judged in each of the three places."""
    server = start_strict(wshub, secret_path, "--subprotocol", "wshub")
    bad = jwt.mint(claims(), SECRET + "x")
    expired = tok(exp=now() - 60)
    before = snapshot(server)
    resp, _ = upgrade_attempt(server, "/p", headers=[bearer(bad)])
    assert_401(resp, "bad_signature", True)
    resp, _ = upgrade_attempt(server, "/p", protocols=["wshub", "bearer." + bad])
    assert_401(resp, "bad_signature", True)
    assert bad.encode() not in resp.raw_head
    resp, _ = upgrade_attempt(server, "/p?token=" + bad)
    assert_401(resp, "bad_signature", True)
    resp, _ = upgrade_attempt(server, "/r?room=chess&token=" + expired)
    assert_401(resp, "expired", True)
    expect_deltas(server, before, {auth_failure("bad_signature"): 3, auth_failure("expired"): 1,
                                   rejected("unauthorized"): 4})


# ------------------------------------------------------- accepted tokens
ACCEPTED = [
    pytest.param(lambda: tok(), id="plain"),
    pytest.param(lambda: tok(exp=DROP), id="no_exp"),
    pytest.param(lambda: tok(exp=now() - 3), id="exp_3s_ago_within_leeway"),
    pytest.param(lambda: tok(nbf=now() + 3), id="nbf_3s_ahead_within_leeway"),
    pytest.param(lambda: tok(nbf=now() - 10, iat=now() - 10), id="nbf_and_iat_past"),
    pytest.param(lambda: tok(exp=now() + 3600.75), id="exp_fraction"),
    pytest.param(lambda: raw_payload_tok('"exp":1e999'), id="exp_huge_exponent"),
    pytest.param(lambda: raw_payload_tok(f'"exp":{now() + 3600}.0e0'), id="exp_exponent_form"),
    pytest.param(lambda: tok(aud=["other", AUD]), id="aud_array_holding_it"),
    pytest.param(lambda: tok(extra={"nested": [1, {"a": None}]}, jti="x"), id="unknown_claims"),
    pytest.param(lambda: tok_with_header({"alg": "HS256"}), id="header_without_typ"),
    pytest.param(lambda: tok_with_header({"typ": "JWT", "kid": "k1", "alg": "HS256"}), id="header_key_order"),
    pytest.param(lambda: M.of_length(4096, sub="alice", iss=ISS, aud=AUD), id="exactly_4096_bytes"),
]


@pytest.mark.parametrize("make", ACCEPTED)
def test_accepted_token(wshub, secret_path, make):
    server = start_strict(wshub, secret_path)
    token = make()
    before = snapshot(server)
    c = upgrade_ok(server, "/e", headers=[bearer(token)])
    echo_ok(c)
    expect_deltas(server, before, {})


def test_leeway_default_is_30s(wshub, secret_path):
    server = start(wshub, secret_path)
    before = snapshot(server)
    c = upgrade_ok(server, "/e", headers=[bearer(M.token(exp=now() - 20))])
    echo_ok(c)
    c = upgrade_ok(server, "/e", headers=[bearer(M.token(nbf=now() + 20))])
    echo_ok(c)
    resp, _ = upgrade_attempt(server, "/e", headers=[bearer(M.token(exp=now() - 40))])
    assert_401(resp, "expired", True)
    resp, _ = upgrade_attempt(server, "/e", headers=[bearer(M.token(nbf=now() + 40))])
    assert_401(resp, "not_yet_valid", True)
    expect_deltas(server, before, {auth_failure("expired"): 1, auth_failure("not_yet_valid"): 1,
                                   rejected("unauthorized"): 2})


def test_issuer_and_audience_unchecked_without_flags(wshub, secret_path):
    server = start(wshub, secret_path)
    for token in (M.token(iss="anyone", aud="anything"), M.token(aud=["x", "y"]), M.token()):
        c = upgrade_ok(server, "/e", headers=[bearer(token)])
        echo_ok(c)


def test_audience_alone(wshub, secret_path):
    server = start(wshub, secret_path, "--jwt-audience", AUD)
    c = upgrade_ok(server, "/e", headers=[bearer(M.token(aud=AUD))])
    echo_ok(c)
    resp, _ = upgrade_attempt(server, "/e", headers=[bearer(M.token(aud="nope"))])
    assert_401(resp, "wrong_audience", True)
    resp, _ = upgrade_attempt(server, "/e", headers=[bearer(M.token(iss="whoever"))])
    assert_401(resp, "wrong_audience", True)


# ------------------------------------------------------------ transports
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_authorization_header(wshub, secret_path, scheme):
    server = start(wshub, secret_path)
    before = snapshot(server)
    c = upgrade_ok(server, "/p", headers=[bearer(M.token(sub="alice"), scheme)])
    welcome = json.loads(c.recv_frame().payload)
    assert welcome.get("user") == "alice", welcome
    c.close_cleanly()
    expect_deltas(server, before, {})


@pytest.mark.parametrize("offer", [["wshub", "bearer.{t}"], ["bearer.{t}", "wshub"], ["chat", "bearer.{t}", "wshub"]],
                         ids=["wshub_first", "bearer_first", "unknown_first"])
def test_subprotocol_transport_answers_wshub_only(wshub, secret_path, offer):
    server = start(wshub, secret_path, "--subprotocol", "wshub")
    token = M.token(sub="alice")
    before = snapshot(server)
    c = upgrade_ok(server, "/p", protocols=[p.format(t=token) for p in offer])
    resp = c.upgrade_response
    try:
        assert resp.header("Sec-WebSocket-Protocol") == ["wshub"], resp
        assert token.encode() not in resp.raw_head, f"token echoed: {resp.raw_head!r}"
        assert b"bearer" not in resp.raw_head.lower(), f"bearer element echoed: {resp.raw_head!r}"
        f = c.recv_frame()
        assert token.encode() not in f.payload
        welcome = json.loads(f.payload)
        assert welcome.get("user") == "alice", welcome
        c.close_cleanly()
    finally:
        c.close()
    expect_deltas(server, before, {})


def test_subprotocol_transport_alone_gets_no_protocol(wshub, secret_path):
    server = start(wshub, secret_path, "--subprotocol", "wshub")
    token = M.token(sub="alice")
    c = upgrade_ok(server, "/e", protocols=["bearer." + token])
    resp = c.upgrade_response
    assert resp.header("Sec-WebSocket-Protocol") == [], f"bearer element answered: {resp.raw_head!r}"
    echo_ok(c)


def test_subprotocol_transport_without_subprotocol_flag(wshub, secret_path):
    server = start(wshub, secret_path)
    token = M.token(sub="alice")
    c = upgrade_ok(server, "/e", protocols=["wshub", "bearer." + token])
    resp = c.upgrade_response
    assert resp.header("Sec-WebSocket-Protocol") == [], f"unexpected protocol answer: {resp.raw_head!r}"
    assert token.encode() not in resp.raw_head
    echo_ok(c)


def test_subprotocol_transport_with_websockets_library(wshub, secret_path):
    """What a browser does: new WebSocket(url, ["wshub", "bearer." + jwt])."""
    server = start(wshub, secret_path, "--subprotocol", "wshub")
    token = M.token(sub="alice")

    async def main():
        async with wslib.connect(server, "/p", subprotocols=["wshub", "bearer." + token]) as ws:
            assert ws.subprotocol == "wshub", ws.subprotocol
            welcome = await recv_json(ws)
            assert welcome["type"] == "welcome" and welcome.get("user") == "alice", welcome

    run(main())


def test_query_transport(wshub, secret_path):
    server = start(wshub, secret_path)
    token = M.token(sub="alice")
    before = snapshot(server)
    c = upgrade_ok(server, "/p?token=" + token)
    welcome = json.loads(c.recv_frame().payload)
    assert welcome.get("user") == "alice", welcome
    c.close_cleanly()
    c = upgrade_ok(server, "/e?x=1&token=" + token + "&y=2")
    echo_ok(c)
    # raw: the token next to the rooms
    a = upgrade_ok(server, "/r?room=chess&token=" + token)
    b = upgrade_ok(server, "/r?token=" + token + "&room=chess")
    try:
        a.send_text("over the board")
        b.expect_message(OP_TEXT, "over the board")
    finally:
        a.close()
        b.close()
    expect_deltas(server, before, {})


def test_transport_order_header_first(wshub, secret_path):
    """Authorization, then Sec-WebSocket-Protocol, then ?token=: the first
    token found is the one judged."""
    server = start(wshub, secret_path, "--subprotocol", "wshub")
    good = M.token(sub="alice")
    bad = jwt.mint(M.claims(sub="mallory"), SECRET + "x")
    before = snapshot(server)
    resp, _ = upgrade_attempt(server, "/p?token=" + good, headers=[bearer(bad)])
    assert_401(resp, "bad_signature", True)
    resp, _ = upgrade_attempt(server, "/p?token=" + good, protocols=["wshub", "bearer." + bad])
    assert_401(resp, "bad_signature", True)
    resp, _ = upgrade_attempt(server, "/p", headers=[bearer(bad)], protocols=["wshub", "bearer." + good])
    assert_401(resp, "bad_signature", True)
    for kw in ({"headers": [bearer(good)], "protocols": ["wshub", "bearer." + bad]},
               {"headers": [bearer(good)], "path": "/p?token=" + bad},
               {"protocols": ["wshub", "bearer." + good], "path": "/p?token=" + bad}):
        path = kw.pop("path", "/p")
        c = upgrade_ok(server, path, **kw)
        welcome = json.loads(c.recv_frame().payload)
        assert welcome.get("user") == "alice", (kw, welcome)
        c.close_cleanly()
    expect_deltas(server, before, {auth_failure("bad_signature"): 3, rejected("unauthorized"): 3})


# ------------------------------------------------- public next to ,auth
def test_public_route_next_to_auth_route(wshub, secret_path):
    server = start(wshub, secret_path)
    before = snapshot(server)
    resp, _ = upgrade_attempt(server, "/p")
    assert_401(resp, "missing", False)
    resp, _ = upgrade_attempt(server, "/r?room=x")
    assert_401(resp, "missing", False)
    c = upgrade_ok(server, "/pub")
    welcome = json.loads(c.recv_frame().payload)
    assert welcome["type"] == "welcome" and "user" not in welcome, welcome
    c.close_cleanly()
    c = upgrade_ok(server, "/rawpub?room=x")
    c.close_cleanly()
    expect_deltas(server, before, {auth_failure("missing"): 2, rejected("unauthorized"): 2})


def test_tokens_ignored_on_public_routes(wshub, secret_path):
    server = start(wshub, secret_path, "--subprotocol", "wshub")
    bad = "this.is.garbage"
    good = M.token(sub="alice")
    before = snapshot(server)
    for headers, protocols, path in (
        ([bearer(bad)], None, "/pub"),
        ([bearer("x" * 5000)], None, "/pub"),
        ([], ["wshub", "bearer." + bad], "/pub"),
        ([], None, "/pub?token=" + bad),
        ([bearer(good)], None, "/pub"),
        ([], ["wshub", "bearer." + good], "/pub"),
    ):
        c = upgrade_ok(server, path, headers=headers, protocols=protocols)
        resp = c.upgrade_response
        try:
            if protocols:
                assert resp.header("Sec-WebSocket-Protocol") == ["wshub"], resp
                assert b"bearer" not in resp.raw_head.lower(), resp
            welcome = json.loads(c.recv_frame().payload)
            assert welcome["type"] == "welcome" and "user" not in welcome, (path, headers, welcome)
            c.close_cleanly()
        finally:
            c.close()
    a = upgrade_ok(server, "/rawpub?room=x&token=" + bad)
    b = upgrade_ok(server, "/rawpub?token=" + good + "&room=x", headers=[bearer(bad)])
    try:
        a.send_text("public")
        b.expect_message(OP_TEXT, "public")
    finally:
        a.close()
        b.close()
    expect_deltas(server, before, {})

    # and a valid token on a public route gives no identity to messages
    async def main():
        async with contextlib.AsyncExitStack() as st:
            x = await st.enter_async_context(wslib.connect(server, "/pub", extra_headers={"Authorization": "Bearer " + good}))
            y = await st.enter_async_context(wslib.connect(server, "/pub"))
            wx = await recv_json(x)
            await recv_json(y)
            assert "user" not in wx, wx
            for ws in (x, y):
                await send_json(ws, {"type": "join", "room": "r"})
                assert (await recv_json(ws))["type"] == "joined"
            assert (await recv_json(x))["type"] == "presence"
            await send_json(x, {"type": "message", "room": "r", "data": 1})
            got = await recv_json(y)
            assert got["from"] == wx["id"] and "id" not in got, got

    run(main())


# --------------------------------------------------------------- claims
async def jopen(stack, server, token, path="/p"):
    """A json connection presenting `token` (None: none) in the Authorization header."""
    headers = {"Authorization": "Bearer " + token} if token else None
    return await open_json(stack, server, path, headers)


def test_sub_in_welcome_message_direct_presence(wshub, secret_path):
    server = start(wshub, secret_path)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            a, wa = await jopen(st, server, M.token(sub="alice"))
            b, wb = await jopen(st, server, M.token(sub="bob"))
            assert wa == {"type": "welcome", "id": wa["id"], "user": "alice"}, wa
            assert wb == {"type": "welcome", "id": wb["id"], "user": "bob"}, wb
            assert isinstance(wa["id"], int) and wa["id"] != wb["id"]
            await join(a, "r")
            await join(b, "r")
            pres = await recv_json(a)
            assert pres == {"type": "presence", "room": "r", "event": "join", "id": wb["id"], "user": "bob"}, pres
            await send_json(a, '{"type":"message","room":"r","data":{"move":"e4"}}')
            text = await asyncio.wait_for(b.recv(), T)
            assert f'"from":"alice","id":{wa["id"]}' in text, text
            got = json.loads(text)
            assert got["from"] == "alice" and got["id"] == wa["id"] and got["data"] == {"move": "e4"}, got
            assert got["type"] == "message" and got["room"] == "r" and isinstance(got["ts"], int), got
            await send_json(b, {"type": "direct", "to": wa["id"], "data": "hi"})
            text = await asyncio.wait_for(a.recv(), T)
            assert f'"from":"bob","id":{wb["id"]}' in text, text
            got = json.loads(text)
            assert got["type"] == "direct" and got["from"] == "bob" and got["id"] == wb["id"] and got["data"] == "hi", got
            await asyncio.wait_for(b.close(), T)
            pres = await recv_json(a)
            assert pres == {"type": "presence", "room": "r", "event": "leave", "id": wb["id"], "user": "bob"}, pres

    run(main())


def test_sub_is_json_escaped(wshub, secret_path):
    server = start(wshub, secret_path)
    odd = 'a"l\\ice\n\t\u2603 \U0001d11e'

    async def main():
        async with contextlib.AsyncExitStack() as st:
            a, wa = await jopen(st, server, M.token(sub=odd))
            b, _ = await jopen(st, server, M.token(sub="bob"))
            assert wa["user"] == odd, wa
            await join(a, "r")
            await join(b, "r")
            assert (await recv_json(a))["type"] == "presence"
            await send_json(a, {"type": "message", "room": "r", "data": 1})
            got = await recv_json(b)
            assert got["from"] == odd and got["id"] == wa["id"], got

    run(main())


def test_rooms_claim_json(wshub, secret_path):
    server = start(wshub, secret_path)
    allowed = ["chess", "team-a", "team-", "team-b-c"]
    forbidden = ["chess2", "Chess", "ches", "team", "xteam-a", "lobby"]

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ws, _ = await jopen(st, server, M.token(sub="alice", rooms=["chess", "team-*"]))
            for room in allowed:
                await join(ws, room)
            for i, room in enumerate(forbidden):
                got = await request(ws, {"type": "join", "room": room, "ref": i})
                assert got["type"] == "error" and got["code"] == "forbidden" and got["ref"] == i, (room, got)
            got = await request(ws, {"type": "rooms"})
            assert sorted(got["rooms"]) == sorted(allowed), got

    before = snapshot(server)
    run(main())
    expect_deltas(server, before, {joins_forbidden("rooms_claim"): len(forbidden)})


def test_rooms_claim_star_and_empty_json(wshub, secret_path):
    server = start(wshub, secret_path)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            anyroom, _ = await jopen(st, server, M.token(sub="a", rooms=["*"]))
            for room in ("x", "lobby", "team-a", "*"):
                await join(anyroom, room)
            none, _ = await jopen(st, server, M.token(sub="b", rooms=[]))
            got = await request(none, {"type": "join", "room": "x"})
            assert got["type"] == "error" and got["code"] == "forbidden", got
            free, _ = await jopen(st, server, M.token(sub="c"))  # no rooms claim: any room
            await join(free, "anything-at-all")

    before = snapshot(server)
    run(main())
    expect_deltas(server, before, {joins_forbidden("rooms_claim"): 1})


def test_rooms_claim_raw(wshub, secret_path):
    server = start(wshub, secret_path)
    token = M.token(sub="alice", rooms=["chess", "team-*"])
    before = snapshot(server)
    for path in ("/r?room=chess", "/r?room=team-x", "/r?room=chess&room=team-y"):
        c = upgrade_ok(server, path, headers=[bearer(token)])
        c.close_cleanly()
    refused = ["/r?room=other", "/r?room=chess&room=other", "/r?room=team", "/r", "/r?room=Chess", "/r?room=xteam-a"]
    for path in refused:
        resp, _ = upgrade_attempt(server, path, headers=[bearer(token)])
        assert resp.status == 403, f"{path}: wanted 403, got {resp!r}"
    resp, _ = upgrade_attempt(server, "/r?room=other&token=" + token)
    assert resp.status == 403, resp
    # "*" admits any room, the default lobby included
    star = M.token(sub="bob", rooms=["*"])
    for path in ("/r", "/r?room=other&room=z"):
        c = upgrade_ok(server, path, headers=[bearer(star)])
        c.close_cleanly()
    expect_deltas(server, before, {joins_forbidden("rooms_claim"): len(refused) + 1},
                  allow=(rejected("refused_by_mode"),))


def test_read_only_scope_json(wshub, secret_path):
    server = start(wshub, secret_path)

    async def main():
        async with contextlib.AsyncExitStack() as st:
            ro, wro = await jopen(st, server, M.token(sub="reader", scope="subscribe"))
            rw, wrw = await jopen(st, server, M.token(sub="writer", scope="subscribe publish"))
            await join(ro, "r")
            await join(rw, "r")
            assert (await recv_json(ro))["type"] == "presence"
            got = await request(ro, {"type": "message", "room": "r", "data": "no", "ref": 1})
            assert got["type"] == "error" and got["code"] == "forbidden" and got["ref"] == 1, got
            got = await request(ro, {"type": "direct", "to": wrw["id"], "data": "no", "ref": 2})
            assert got["type"] == "error" and got["code"] == "forbidden" and got["ref"] == 2, got
            await assert_quiet([rw], 0.25)  # nothing was delivered
            # it still receives, and may list and leave
            await send_json(rw, {"type": "message", "room": "r", "data": "yes"})
            got = await recv_json(ro)
            assert got["type"] == "message" and got["from"] == "writer" and got["data"] == "yes", got
            await send_json(rw, {"type": "direct", "to": wro["id"], "data": "dm"})
            got = await recv_json(ro)
            assert got["type"] == "direct" and got["data"] == "dm", got
            got = await request(ro, {"type": "rooms"})
            assert got["rooms"] == ["r"], got
            got = await request(ro, {"type": "leave", "room": "r"})
            assert got["type"] == "left", got

    run(main())


@pytest.mark.parametrize("scope", ["subscribe", "", "publisher", "read write"])
def test_read_only_scope_raw_closes_1008(wshub, secret_path, scope):
    server = start(wshub, secret_path)
    ro = upgrade_ok(server, "/r?room=r", headers=[bearer(M.token(sub="reader", scope=scope))])
    rw = upgrade_ok(server, "/r?room=r", headers=[bearer(M.token(sub="writer", scope="publish"))])
    try:
        rw.send_text("to the reader")
        ro.expect_message(OP_TEXT, "to the reader")
        before = snapshot(server)
        ro.send_text("from the reader")
        f = ro.expect_close(1008)
        assert f.close_reason == b"read-only", f
        with pytest.raises(TimeoutError):
            f = rw.recv_frame(timeout=0.3)  # nothing from the reader was delivered
            raise AssertionError(f"the writer received {f!r}")
        expect_deltas(server, before, {closed("1008"): 1}, families=("wshub_connections_closed_total",))
        rw.close_cleanly()  # and the writer's connection is unaffected
    finally:
        ro.close()
        rw.close()


@pytest.mark.parametrize("token_claims", [{}, {"scope": "publish"}, {"scope": "subscribe publish admin"}],
                         ids=["no_scope", "publish", "publish_among_others"])
def test_publishing_scopes(wshub, secret_path, token_claims):
    server = start(wshub, secret_path)
    token = M.token(sub="alice", **token_claims)
    a = upgrade_ok(server, "/r?room=r", headers=[bearer(token)])
    b = upgrade_ok(server, "/r?room=r", headers=[bearer(M.token(sub="bob"))])
    try:
        a.send_text("raw hello")
        b.expect_message(OP_TEXT, "raw hello")
    finally:
        a.close()
        b.close()

    async def main():
        async with contextlib.AsyncExitStack() as st:
            x, wx = await jopen(st, server, token)
            y, _ = await jopen(st, server, M.token(sub="bob"))
            await join(x, "r")
            await join(y, "r")
            await recv_json(x)  # presence
            await send_json(x, {"type": "message", "room": "r", "data": "json hello"})
            got = await recv_json(y)
            assert got["type"] == "message" and got["data"] == "json hello" and got["from"] == "alice", got

    run(main())


# -------------------------------------------------------- secret sources
def test_secret_file_loses_exactly_one_trailing_newline(wshub, tmp_path):
    for content, effective in (("k3y\n\n", "k3y\n"), ("k3y\r\n", "k3y"), ("k3y", "k3y"), (" k3y \n", " k3y ")):
        p = tmp_path / "s"
        p.write_bytes(content.encode())
        server = wshub("--route", "/e=echo,auth", "--jwt-secret-file", str(p))
        c = upgrade_ok(server, "/e", headers=[bearer(Minter(effective).token())])
        echo_ok(c)
        for wrong in sorted({"k3y", "k3y\n", "k3y\r\n", " k3y ", "k3y\n\n"} - {effective}):
            resp, _ = upgrade_attempt(server, "/e", headers=[bearer(Minter(wrong).token())])
            assert resp.status == 401, f"file {content!r}: a token signed with {wrong!r} got {resp!r}"
            assert_401(resp, "bad_signature", True)


def test_secret_from_environment(wshub, tmp_path):
    server = wshub("--route", "/e=echo,auth", env={"WSHUB_JWT_SECRET": "env-secret"})
    c = upgrade_ok(server, "/e", headers=[bearer(Minter("env-secret").token())])
    echo_ok(c)
    resp, _ = upgrade_attempt(server, "/e", headers=[bearer(Minter("env-secret2").token())])
    assert_401(resp, "bad_signature", True)


def test_secret_file_from_environment(wshub, tmp_path):
    p = tmp_path / "s"
    p.write_text("file-secret\n")
    server = wshub("--route", "/e=echo,auth", env={"WSHUB_JWT_SECRET_FILE": str(p)})
    c = upgrade_ok(server, "/e", headers=[bearer(Minter("file-secret").token())])
    echo_ok(c)


# -------------------------------------------------------- startup errors
@pytest.mark.parametrize("form", ["separate", "equals"])
def test_secret_on_command_line_refused(form):
    secret = "cmdline-" + os.urandom(6).hex()
    args = ["--jwt-secret", secret] if form == "separate" else ["--jwt-secret=" + secret]
    line = assert_startup_error(["--route", "/e=echo,auth", *args], ["--jwt-secret"], secret=secret)
    assert "--jwt-secret-file" in line or "WSHUB_JWT_SECRET" in line, line


def test_auth_route_without_secret():
    assert_startup_error(["--route", "/e=echo,auth"], ["--route", "--jwt-secret-file", "WSHUB_JWT_SECRET", ",auth"])


@pytest.mark.parametrize("content", [b"", b"\n", b"\r\n"], ids=["empty", "newline", "crlf"])
def test_empty_secret_file(tmp_path, content):
    p = tmp_path / "s"
    p.write_bytes(content)
    assert_startup_error(["--route", "/e=echo,auth", "--jwt-secret-file", str(p)], ["--jwt-secret-file"])


def test_empty_secret_environment():
    assert_startup_error(["--route", "/e=echo,auth"], ["WSHUB_JWT_SECRET"], env={"WSHUB_JWT_SECRET": ""})


def test_unreadable_secret_file(tmp_path):
    assert_startup_error(["--route", "/e=echo,auth", "--jwt-secret-file", str(tmp_path / "absent")],
                         ["--jwt-secret-file"])
    assert_startup_error(["--route", "/e=echo,auth", "--jwt-secret-file", str(tmp_path)], ["--jwt-secret-file"])


def test_both_secret_sources(tmp_path):
    p = tmp_path / "s"
    p.write_text("file-secret\n")
    assert_startup_error(["--route", "/e=echo,auth", "--jwt-secret-file", str(p)],
                         ["--jwt-secret-file", "WSHUB_JWT_SECRET"], env={"WSHUB_JWT_SECRET": "env-secret"},
                         secret="env-secret")
    assert_startup_error(["--route", "/e=echo,auth"], ["WSHUB_JWT_SECRET", "--jwt-secret-file"],
                         env={"WSHUB_JWT_SECRET": "env-secret", "WSHUB_JWT_SECRET_FILE": str(p)},
                         secret="env-secret")


@pytest.mark.parametrize("flag,value", [("--jwt-leeway", "soon"), ("--jwt-leeway", "-5s")])
def test_bad_jwt_flag_values(secret_path, flag, value):
    assert_startup_error(["--route", "/e=echo,auth", "--jwt-secret-file", secret_path, flag, value], [flag])


def test_help_lists_the_auth_flags():
    r = run_wshub("--help")
    assert r.returncode == 0, r
    for flag in ("--jwt-secret-file", "--jwt-leeway", "--jwt-issuer", "--jwt-audience"):
        assert flag in r.stdout, f"{flag} missing from --help"
    entry = re.search(r"^[ \t]*--jwt-leeway.*(?:\n(?![ \t]*--)[^\n]*)*", r.stdout, re.M)
    assert entry and "30s" in entry.group(0), f"--jwt-leeway entry does not show its default 30s: {entry and entry.group(0)!r}"
