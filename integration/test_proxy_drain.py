"""A proxy draining (SIGTERM): each client gets 1001 and each upstream a
close frame (1001) before its TCP closes; an upgrade completed during the
drain is refused (503) without reaching an upstream; the server exits 0."""

import signal
import time

import pytest

from wshub_test import T
from wshub_test.admission import rejected
from wshub_test.client import RawClient, open_ws
from wshub_test.frames import OP_CLOSE, make_key
from wshub_test.httpmsg import upgrade_request
from wshub_test.metrics import parse
from wshub_test.upstream import proxy_route, upstreams  # noqa: F401 (upstreams: a fixture)


def wait_log(server, needle, timeout=T):
    deadline = time.monotonic() + timeout
    while needle not in server.stderr:
        if server.process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {needle!r} in the log; stderr:\n{server.stderr[-3000:]}")
        time.sleep(0.01)


def wait_exit(server, timeout=2 * T):
    try:
        return server.process.wait(timeout)
    except Exception:
        pytest.fail(f"still running {timeout}s after the signal; stderr:\n{server.stderr[-3000:]}")


def client_gets_1001(c):
    """Reads up to the server's close frame (1001), answers it, then EOF."""
    f = c.recv_frame(T)
    while f.opcode != OP_CLOSE:
        f = c.recv_frame(T)
    assert f.close_code == 1001, f
    c.send_close(1001)
    c.expect_eof(T)
    c.close()


def upstream_until_drained(peer):
    """Echoes one message, then waits for the proxy's close frame, answers it
    and returns (the close frame, whether TCP closed after it)."""
    peer.handshake()
    op, payload = peer.recv_message()
    peer.send_frame(op, payload)
    close = peer.read_until_close(timeout=2 * T)
    if close is None:
        return None, True
    peer.send_close(close.close_code)
    return close, peer.wait_eof(T)


def test_sigterm_sends_1001_both_ways(wshub, upstreams):
    up = upstreams.raw(upstream_until_drained)
    server = wshub("--drain-timeout", "5s", "--route", proxy_route("/p", up.url()))
    c = open_ws(server, "/p", timeout=T)
    c.echo_roundtrip("before the drain")
    server.process.send_signal(signal.SIGTERM)
    client_gets_1001(c)
    close, eof = up.wait_peer(0, timeout=2 * T)
    assert close is not None, "the upstream's TCP closed without a close frame"
    assert close.close_code == 1001, close
    assert eof, "the proxy kept the upstream's connection open after the close handshake"
    assert wait_exit(server) == 0


def test_sigterm_with_many_clients_of_a_websockets_upstream(wshub, upstreams):
    up = upstreams.ws()
    server = wshub("--drain-timeout", "5s", "--route", proxy_route("/p", up.url()))
    clients = [open_ws(server, "/p", timeout=T) for _ in range(10)]
    for i, c in enumerate(clients):
        c.echo_roundtrip(f"client {i}")
    server.process.send_signal(signal.SIGTERM)
    for c in clients:
        client_gets_1001(c)
    codes = [e.code for e in up.wait_closes(10)]
    assert codes == [1001] * 10, codes
    assert wait_exit(server) == 0


def test_upgrade_completed_during_the_drain_is_503_and_reaches_no_upstream(wshub, upstreams):
    up = upstreams.ws()
    server = wshub("--drain-timeout", "10s", "--route", proxy_route("/p", up.url()))
    holder = open_ws(server, "/p", timeout=T)  # keeps the drain going until it answers
    holder.echo_roundtrip("holding")
    partial = {}
    for name, req in (("upgrade", upgrade_request(f"{server.host}:{server.port}", path="/p", key=make_key())),
                      ("metrics", b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")):
        c = RawClient(server.host, server.port, timeout=T)
        c.send(req[:-2])  # all but the final CRLF
        partial[name] = c
    time.sleep(0.3)  # the server has read those bytes: they are no longer idle
    server.process.send_signal(signal.SIGTERM)
    wait_log(server, "drain_start")
    partial["upgrade"].send(b"\r\n")
    resp = partial["upgrade"].read_http_response()
    assert resp.status == 503, resp
    partial["metrics"].send(b"\r\n")
    metrics = parse(partial["metrics"].read_http_response().body.decode())
    assert metrics[rejected("draining")] == 1, metrics[rejected("draining")]
    assert metrics[rejected("upstream")] == 0
    assert metrics["wshub_upstream_connects_total"] == 1
    for c in partial.values():
        c.close()
    assert len(up.requests) == 1, f"the upstream saw the refused client: {up.requests}"
    client_gets_1001(holder)
    assert up.wait_closes(1)[0].code == 1001
    assert wait_exit(server) == 0
