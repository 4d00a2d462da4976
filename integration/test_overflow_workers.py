"""A flood across workers (issue 13): one publisher on worker 0, 200 members
of its room on other workers that read nothing (SO_RCVBUF 4 KiB), the
publisher pushing 1 KiB binary messages as fast as its kernel takes them for
3 s, under each --overflow policy with --queue-bytes 256KiB. Every message is
handed from the publisher's worker to the members' workers, whose members'
queues are full. The server must keep its memory bounded (peak RSS under
200 x the queue budget + 64 MiB), keep answering new clients on the members'
worker (a 101 within 1 s during the flood), give the memory back once the
members are closed (--overflow close: RSS within 32 MiB of its pre-flood
size 5 s after the flood), deliver only intact messages in order (a strictly
increasing subsequence for each member), and exit cleanly (the fixture).

With 2 workers the members are on worker 1, with 4 on worker 3 rather than
spread over workers 1-3: the issue is one worker lagging with all the
members, which more workers must not make worse (the two idle ones compete
for the cores instead), and spread out, each worker would lag a third as
much, so that unbounded hand-offs could stay under the bounds within 3 s.
The fresh client lands on the members' worker. Connections are pinned to
workers by their source ports (wshub_test.members.sources_on_workers); the
set-up is wshub_test.fanout_flood, which scripts/flood_probe.py measures."""

import sys
import time

import pytest

from wshub_test import IS_ASAN, asan_env
from wshub_test.fanout_flood import FanoutFlood, placement
from wshub_test.metrics import scrape, wait_for

MEMBERS = 200
QUEUE_BYTES_KIB = 256
FLOOD_S = 3.0
FRESH_AT_S = 1.0  # the fresh client connects once every queue has long been full
FRESH_BOUND_S = 1.0
SETTLE_S = 5.0  # after the flood, --overflow close: RSS back within SETTLE_BOUND_KIB by then
# After the flood the members are read again until they are closed (close)
# or for this long: what arrives in that time is checked.
READ_S = {"close": 4.5, "drop": 2.0, "block": 2.0}

# ASan: freed memory waits in a quarantine before reuse; the servers get a
# small one and the bounds allow for it and for ASan's allocator caches.
ASAN_QUARANTINE_MIB = 16
ASAN_SLACK_MIB = 2 * ASAN_QUARANTINE_MIB + 32 if IS_ASAN else 0
PEAK_BOUND_KIB = MEMBERS * QUEUE_BYTES_KIB + ((64 + ASAN_SLACK_MIB) << 10)
SETTLE_BOUND_KIB = (32 + ASAN_SLACK_MIB) << 10

SLOW_CONSUMER_CLOSES = "wshub_slow_consumer_closes_total"
# The counter that shows each policy met full queues: the members closed
# (all of them, under close), messages dropped, deliveries parked.
POLICY_COUNTER = {
    "close": SLOW_CONSUMER_CLOSES,
    "drop": 'wshub_messages_dropped_total{reason="queue_full"}',
    "block": "wshub_deliveries_parked_total",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def check_members(scene, policy):
    """Every member got at least one message (a queue with nothing waiting
    always takes one), intact and in increasing order (checked as they were
    read). Under close a member may have had its 1008 already (the server
    sends it once the member's kernel buffers drain, which TCP may take a
    while to notice); under drop and block none is closed."""
    for r in scene.readers:
        assert r.seqs, f"{r.name}: received no message at all ({scene.flood.status()[:200]})"
        if policy == "close":
            assert not r.closed or r.close_code == 1008, (
                f"{r.name}: {len(r.seqs)} messages, then close code {r.close_code}; wanted 1008 (slow consumer)")
        else:
            assert not r.closed and not r.eof, (
                f"{r.name}: closed (code {r.close_code}, eof {r.eof}) under --overflow {policy}")


@pytest.mark.parametrize("policy", ["close", "drop", "block"])
@pytest.mark.parametrize("workers", [2, 4], ids=["2-workers", "4-workers"])
def test_flood_across_workers_is_bounded(wshub, workers, policy):
    """The flood of the module's docstring, then the members read again:
    peak RSS under 200 x 256 KiB + 64 MiB; a fresh client's 101 within 1 s
    during the flood; members' messages intact and increasing; under close
    all 200 closed by the server, and RSS within 32 MiB of its pre-flood size
    5 s after the flood."""
    server = wshub("--workers", str(workers), "--overflow", policy, "--queue-bytes", f"{QUEUE_BYTES_KIB}KiB",
                   env=asan_env(ASAN_QUARANTINE_MIB))
    members_on = placement(MEMBERS, workers)
    scene = FanoutFlood(server, members_on)
    fresh_worker = next(iter(members_on))
    try:
        scene.run(FLOOD_S, fresh_at=FRESH_AT_S, rss_cap_kib=2 * PEAK_BOUND_KIB)
        log(f"--workers {workers} --overflow {policy}: {scene.published()} messages published in "
            f"{scene.flood_seconds:.2f}s; RSS {mib(scene.rss_before_kib)} before, peak {mib(scene.rss_peak_kib)} "
            f"(bound {mib(PEAK_BOUND_KIB)}; {scene.rss.count} samples, at most {scene.rss.longest_gap * 1000:.0f} ms "
            f"apart); fresh client's 101 on worker {fresh_worker}: {scene.fresh.describe()}")
        assert scene.rss_peak_kib <= PEAK_BOUND_KIB, (
            f"server memory not bounded: peak RSS {mib(scene.rss_peak_kib)} during the flood, bound "
            f"{MEMBERS} x {QUEUE_BYTES_KIB} KiB + 64 MiB = {mib(PEAK_BOUND_KIB)} "
            f"(RSS {mib(scene.rss_before_kib)} before; flood stopped after {scene.flood_seconds:.2f}s)")
        assert scene.fresh.seconds is not None and scene.fresh.seconds <= FRESH_BOUND_S, (
            f"a fresh client on the members' worker {fresh_worker} during the flood: "
            f"{scene.fresh.describe()}, wanted its 101 within {FRESH_BOUND_S}s")
        if policy == "close":
            wait_for(server, lambda s: s.get(SLOW_CONSUMER_CLOSES, 0) >= MEMBERS, timeout=10)
        scene.read_members(until=scene.stopped_at + READ_S[policy])
        counts = [len(r.seqs) for r in scene.readers]
        log(f"members read again till {time.monotonic() - scene.stopped_at:.1f}s after the flood: "
            f"{sum(counts)} messages in all, {min(counts)} to {max(counts)} each, "
            f"{sum(r.closed for r in scene.readers)} close frames")
        check_members(scene, policy)
        samples = scrape(server)
        assert samples.get(POLICY_COUNTER[policy], 0) > 0, f"{POLICY_COUNTER[policy]} is 0: no queue was full"
        closes = samples.get(SLOW_CONSUMER_CLOSES, 0)
        assert closes == (MEMBERS if policy == "close" else 0), (
            f"{SLOW_CONSUMER_CLOSES} = {closes} under --overflow {policy} with {MEMBERS} slow members")
    finally:
        scene.close()
    if policy == "close":
        after, at = scene.rss_after(SETTLE_S)
        log(f"RSS {at:.1f}s after the flood: {mib(after)} (before it {mib(scene.rss_before_kib)})")
        assert after <= scene.rss_before_kib + SETTLE_BOUND_KIB, (
            f"memory not given back: RSS {mib(after)} {at:.1f}s after the flood, "
            f"{mib(scene.rss_before_kib)} before it (bound: + {mib(SETTLE_BOUND_KIB)})")
