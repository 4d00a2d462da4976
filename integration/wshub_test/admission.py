"""What the admission suites share: the admission counters on /metrics and
their exact movements, bearer headers, the 401 answer, and upgrade outcomes."""

import time

from wshub_test.client import upgrade_attempt
from wshub_test.metrics import scrape

ADMISSION_FAMILIES = (
    "wshub_auth_failures_total",
    "wshub_connections_rejected_total",
    "wshub_joins_forbidden_total",
    "wshub_rate_limited_total",
    "wshub_connections_closed_total",
    "wshub_connections_upgraded_total",
)

AUTH_REASONS = ("missing", "too_large", "malformed", "not_object", "bad_alg", "bad_signature",
                "expired", "not_yet_valid", "wrong_issuer", "wrong_audience", "bad_claims")

RATE_LIMITED = "wshub_rate_limited_total"


def auth_failure(reason):
    return f'wshub_auth_failures_total{{reason="{reason}"}}'


def rejected(reason):
    return f'wshub_connections_rejected_total{{reason="{reason}"}}'


def joins_forbidden(reason):
    return f'wshub_joins_forbidden_total{{reason="{reason}"}}'


def closed(code):
    return f'wshub_connections_closed_total{{code="{code}"}}'


def snapshot(server, families=ADMISSION_FAMILIES):
    return {k: v for k, v in scrape(server).items() if k.split("{", 1)[0] in families}


def deltas(before, after):
    keys = set(before) | set(after)
    return {k: after.get(k, 0) - before.get(k, 0) for k in keys if after.get(k, 0) != before.get(k, 0)}


def expect_deltas(server, before, want, families=("wshub_auth_failures_total",
                                                   "wshub_connections_rejected_total",
                                                   "wshub_joins_forbidden_total",
                                                   "wshub_rate_limited_total"),
                  allow=(), timeout=2.0):
    """Scrapes until the counters of `families` moved by exactly `want`
    ({series: delta}; every other series of those families unchanged, except
    the series in `allow`, which may move any amount), or fails after
    `timeout` s with what did move. Returns the last snapshot."""
    deadline = time.monotonic() + timeout
    while True:
        after = snapshot(server)
        got = {k: v for k, v in deltas(before, after).items()
               if k.split("{", 1)[0] in families and k not in allow}
        missing = [k for k in want if k not in after]
        if got == want and not missing:
            return after
        if time.monotonic() > deadline:
            raise AssertionError(f"metric deltas {got!r}, wanted exactly {want!r}"
                                 + (f"; series missing from /metrics: {missing}" if missing else ""))
        time.sleep(0.05)


def bearer(token, scheme="Bearer"):
    return ("Authorization", f"{scheme} {token}")


def assert_401(resp, reason, had_token):
    assert resp.status == 401, f"wanted 401 unauthorized: {reason}, got {resp!r}"
    assert resp.reason == "Unauthorized", resp.status_line
    want = 'Bearer realm="wshub"' + (', error="invalid_token"' if had_token else "")
    assert resp.header("WWW-Authenticate") == [want], (
        f"WWW-Authenticate {resp.header('WWW-Authenticate')!r}, wanted [{want!r}]")
    assert resp.body == f"unauthorized: {reason}\n".encode(), f"body {resp.body!r}, wanted 'unauthorized: {reason}\\n'"


def upgrade_ok(server, path, headers=(), protocols=None):
    """An upgrade that must succeed: the open client (its 101 in
    client.upgrade_response)."""
    resp, c = upgrade_attempt(server, path, headers=headers, protocols=protocols)
    assert resp.status == 101, f"{path} {headers}: wanted 101, got {resp!r}"
    return c


def refused(server, path, status, headers=(), body=None):
    """An upgrade that must be refused with `status` (and a body containing
    `body`, if given); returns the response."""
    resp, c = upgrade_attempt(server, path, headers=headers)
    if c is not None:
        c.close()
    assert resp.status == status, f"{path} {headers}: wanted {status}, got {resp!r}"
    if body is not None:
        assert body.encode() in resp.body, f"{path} {headers}: body {resp.body!r} lacks {body!r}"
    return resp
