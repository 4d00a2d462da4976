"""Room members as raw clients: room paths, members with chosen socket
buffers, and members placed on a chosen worker."""

import json
import socket
import urllib.parse

from wshub_test import T
from wshub_test.client import RawClient, open_ws
from wshub_test.ids import worker_of


def room_path(*rooms, route="/raw", quote=True):
    """'/raw?room=a&room=b' (names percent-encoded unless quote=False)."""
    if not rooms:
        return route
    q = "&".join("room=" + (urllib.parse.quote(r, safe="") if quote else r) for r in rooms)
    return f"{route}?{q}"


def member(server, *rooms, path=None, rcvbuf=None, sndbuf=None, source=None):
    """A RawClient upgraded as a member of `rooms` (or on `path`); the socket
    options are RawClient's."""
    return open_ws(server, path or room_path(*rooms), timeout=T, rcvbuf=rcvbuf, sndbuf=sndbuf, source=source)


def worker_of_source(server, source, json_route="/ws"):
    """The worker a connection from `source` (address, port) lands on: a json
    connection from there reads its welcome id (wshub_test.ids: its worker)
    and is reset, which frees the port at once."""
    c = RawClient(server.host, server.port, timeout=T, source=source)
    try:
        c.handshake(path=json_route)
        f = c.recv_frame()
        welcome = json.loads(f.payload)
        assert welcome.get("type") == "welcome", welcome
        return worker_of(welcome["id"])
    finally:
        c.reset()


def free_source_port(addr="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def source_on_worker(server, worker, tries=64):
    """A source (address, port) from which a connection lands on `worker`.
    The kernel picks among the workers' SO_REUSEPORT listeners by a hash of
    the connection's addresses and ports, so a connection from the same
    source port lands on the same worker: find a source port whose json probe
    lands there (twice, to be sure)."""
    return sources_on_workers(server, {worker: 1}, tries=tries)[0][1]


def sources_on_workers(server, counts, tries=None):
    """[(worker, source)]: counts[w] sources landing on worker w for each w,
    found as source_on_worker finds one, in the order found. A probe that
    lands on a worker still short of sources is kept, so sources for several
    workers cost fewer probes than one worker's alone. `tries` (default: 64
    per source wanted) bounds the probes."""
    wanted = dict(counts)
    total = sum(wanted.values())
    tries = tries if tries is not None else 64 * total
    found = []
    taken = set()  # the kernel may hand out a port again: one source, one member
    for _ in range(tries):
        if len(found) == total:
            break
        src = ("127.0.0.1", free_source_port())
        if src in taken:
            continue
        worker = worker_of_source(server, src)
        if wanted.get(worker, 0) <= 0:
            continue
        assert worker_of_source(server, src) == worker, (
            f"two connections from {src} landed on different workers: source-port pinning does not hold")
        wanted[worker] -= 1
        taken.add(src)
        found.append((worker, src))
    short = {w: n for w, n in wanted.items() if n > 0}
    if short:
        raise AssertionError(f"no source ports found for workers {short} (still wanted) in {tries} tries")
    return found


def member_on_worker(server, worker, *rooms, path=None, rcvbuf=None, sndbuf=None, tries=64):
    """A member placed on `worker`: connected from a source_on_worker."""
    src = source_on_worker(server, worker, tries=tries)
    return member(server, *rooms, path=path, rcvbuf=rcvbuf, sndbuf=sndbuf, source=src)
