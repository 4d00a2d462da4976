"""--overflow block (README.md, "Send queues and slow consumers"): a room
message that finds a member's send queue full is parked for that member, and
the publisher's connection is not read until every message it parked has
found room, so the publisher slows to the pace of the slowest member; after
--block-timeout a parked message is dropped for that member and the publisher
goes on. Others get everything in order; the slow member gets an increasing
subsequence of intact frames; memory stays bounded.

Setup: small queues (--queue-messages 64 --queue-bytes 64KiB), two workers,
1 KiB binary messages numbered by an 8-byte prefix. The slow member is a raw
socket with a 4 KiB SO_RCVBUF that stops reading; the publisher is a raw
socket with a fixed 64 KiB SO_SNDBUF, written non-blocking, so the bytes its
kernel accepts measure what the server takes. Publisher, fast member and slow
member are run in one selector loop (wshub_test.flood.Flood).

Parking is immediate when the slow member is on the publisher's worker and
goes through the other worker's inbox when it is not, so the tests run with
both placements. The fast member stays on the publisher's worker, so that
only the slow member's placement varies. A connection lands on the worker whose
SO_REUSEPORT listener the kernel's hash of its addresses picks; the tests pin a
member to a worker by connecting from a source port that a json probe showed
lands there (wshub_test.members.member_on_worker)."""

import socket
import sys
import time

import pytest

from wshub_test import IS_ASAN, asan_env
from wshub_test.flood import Flood
from wshub_test.frames import OP_CLOSE, build_frame, close_payload
from wshub_test.members import member_on_worker

QUEUE = ("--overflow", "block", "--queue-messages", "64", "--queue-bytes", "64KiB", "--workers", "2")
MSG_SIZE = 1024
SLOW_RCVBUF = 4096
PUB_SNDBUF = 64 << 10
READ_SIZE = 64 << 10  # the server reads at most this much per read (README)
WINDOW = 3.0  # seconds: the measuring window

PUB_WORKER = 0
PLACEMENTS = [
    pytest.param(0, id="slow-on-publishers-worker"),
    pytest.param(1, id="slow-on-other-worker"),
]

# ASan: freed memory waits in a quarantine (256 MiB by default) before reuse;
# the RSS test gives the server a small one and allows for it.
ASAN_QUARANTINE_MIB = 8
ASAN_ENV = asan_env(ASAN_QUARANTINE_MIB)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def start(wshub, block_timeout, slow_worker=None, fast_worker=PUB_WORKER, limit=None, msg_size=MSG_SIZE, env=None,
          fast_rcvbuf=None):
    """A block-mode server and a Flood in room r: the publisher on worker 0;
    the fast member, read from the start, on `fast_worker` (by default the
    publisher's: see test_block_publisher_resumes_when_a_member_catches_up);
    unless slow_worker is None, the slow member, not read until activated, on
    `slow_worker`. Returns (server, flood, fast member, slow member)."""
    server = wshub(*QUEUE, "--block-timeout", block_timeout, env=env)
    slow = member_on_worker(server, slow_worker, "r", rcvbuf=SLOW_RCVBUF) if slow_worker is not None else None
    fast = member_on_worker(server, fast_worker, "r", rcvbuf=fast_rcvbuf)
    pub = member_on_worker(server, PUB_WORKER, "r", sndbuf=PUB_SNDBUF)
    flood = Flood(pub, msg_size, limit=limit, pid=server.pid)
    fast_r = flood.add("fast member", fast)
    slow_r = flood.add("slow member", slow, ordered=False, active=False) if slow else None
    return server, flood, fast_r, slow_r


def close_all(flood):
    flood.close()
    for r in flood.members:
        r.client.close()
    flood.pub.close()


def window(flood, fast, seconds=WINDOW):
    """(bytes the publisher's kernel accepted, messages the fast member got)
    over `seconds`."""
    a0, n0 = flood.accepted, len(fast.seqs)
    flood.run(seconds)
    return flood.accepted - a0, len(fast.seqs) - n0


def stall(flood, fast, quiet, timeout=10):
    """Runs until the slow member's queue is full and the publisher blocked:
    its kernel takes nothing and the fast member gets nothing for `quiet` s."""
    took = flood.wait_stalled(quiet, timeout, watch=[fast])
    log(f"stalled after {took:.2f}s: {flood.status()}")


def finish(flood, fast, slow, timeout=20):
    """Stops publishing and runs until both members have the last message;
    returns the number of messages published."""
    flood.limit = flood.built
    total = flood.built

    def done():
        return len(fast.seqs) == total and slow.seqs and slow.seqs[-1] == total - 1

    flood.run(timeout, done, what=f"all {total} messages delivered", stuck=3)
    assert not flood.out, "publisher: unsent bytes left"
    assert fast.client.pending() == 0 and slow.client.pending() == 0, "a partial frame is left over"
    return total


# ------------------------------------------------------------- (a) throttle
@pytest.mark.parametrize("slow_worker", PLACEMENTS)
def test_block_throttles_publisher_to_the_slow_member(wshub, slow_worker):
    """Over a 3 s window after the publisher blocked, with --block-timeout
    500ms: every parked message waits 500 ms and is dropped, then the
    publisher is read again until its next message parks. So per 500 ms the
    publisher gets one message through (plus, when the slow member is on the
    other worker, at most the rest of the read that message came in: the
    other worker parks it asynchronously; the README bounds a connection's
    memory by "one read (64 KiB)"). Bound on the fast member's messages in
    the window: 2 x (3 s / 500 ms + 1) x per_round, per_round = 1 or
    1 + 64 KiB // frame size (64 for 1 KiB messages); and at least 3 (the
    timeout does release it). The publisher's accepted bytes in the window
    must be under 1/20 of an unthrottled run of the same setup without the
    slow member."""
    bt = 0.5
    # Unthrottled: the same server flags and members, no slow member.
    _s0, free, free_fast, _ = start(wshub, "500ms")
    try:
        free.run(0.5)
        acc_free, n_free = window(free, free_fast)
    finally:
        close_all(free)

    _s1, flood, fast, slow = start(wshub, "500ms", slow_worker=slow_worker)
    try:
        stall(flood, fast, quiet=0.3)
        acc_blocked, n_blocked = window(flood, fast)
    finally:
        close_all(flood)

    per_round = 1 if slow_worker == PUB_WORKER else 1 + READ_SIZE // flood.frame_len
    bound = int(2 * (WINDOW / bt + 1) * per_round)
    log(f"3 s window, unthrottled: publisher accepted {acc_free / (1 << 20):.1f} MiB, fast member {n_free} msgs; "
        f"blocked: accepted {acc_blocked / 1024:.1f} KiB, fast member {n_blocked} msgs (bound {bound})")
    assert n_free >= 2000, f"unthrottled run too slow to compare: {n_free} messages in {WINDOW}s"
    assert n_blocked >= 3, (
        f"only {n_blocked} messages reached the fast member in {WINDOW}s: --block-timeout 500ms "
        f"did not release the publisher")
    assert acc_blocked * 20 <= acc_free, (
        f"publisher not throttled: its kernel took {acc_blocked} B in {WINDOW}s while blocked, "
        f"{acc_free} B unthrottled")
    assert n_blocked <= bound, (
        f"publisher not throttled to the slow member (on worker {slow_worker}, publisher on worker "
        f"{PUB_WORKER}): the fast member got {n_blocked} messages ({acc_blocked} B accepted from the "
        f"publisher) in {WINDOW}s with a member that reads nothing and --block-timeout 500ms; bound {bound}")


# --------------------------------------------------------------- (b) resume
@pytest.mark.parametrize("slow_worker", PLACEMENTS)
def test_block_publisher_speeds_up_when_the_slow_member_reads(wshub, slow_worker):
    _s, flood, fast, slow = start(wshub, "500ms", slow_worker=slow_worker)
    try:
        stall(flood, fast, quiet=0.3)
        _acc, n_blocked = window(flood, fast, 1.5)
        flood.activate(slow)
        n0 = len(fast.seqs)
        flood.run(1.5, stuck=1.4, what="the slow member reads again")
        n_resumed = len(fast.seqs) - n0
        log(f"fast member: {n_blocked} msgs in 1.5 s blocked, {n_resumed} in 1.5 s after the slow member reads")
        assert n_resumed >= 1000 and n_resumed >= 5 * n_blocked, (
            f"publisher did not speed up: {n_resumed} messages in 1.5 s after the slow member "
            f"started reading, {n_blocked} in 1.5 s before")
        total = finish(flood, fast, slow)
        seqs = slow.seqs
        gaps = sum(1 for a, b in zip(seqs, seqs[1:]) if b != a + 1)
        log(f"slow member: {len(seqs)} of {total} messages, {gaps} gaps")
        # Increasing (checked on arrival), with the timed-out ones missing.
        assert len(seqs) < total and gaps >= 1, "nothing was dropped for the slow member in 2 s blocked"
        assert seqs[0] == 0, f"slow member: first message #{seqs[0]}"
    finally:
        close_all(flood)


# ------------------------------------------------------------ (c) no loss
@pytest.mark.parametrize("slow_worker", PLACEMENTS)
def test_block_long_timeout_loses_nothing(wshub, slow_worker):
    """--block-timeout 30s and a slow member that reads again after 1 s:
    block parks, it does not drop, so it gets every message, in order."""
    total = 12000  # over twice what the kernel buffers and queues absorb
    _s, flood, fast, slow = start(wshub, "30s", slow_worker=slow_worker, limit=total)
    slow.ordered = True
    try:
        t0 = time.monotonic()
        stall(flood, fast, quiet=0.4, timeout=5)
        flood.run(max(0.0, 1.0 - (time.monotonic() - t0)))
        n_before = len(fast.seqs)
        assert flood.accepted_msgs < total, "the publisher was never blocked"
        flood.activate(slow, rcvbuf=1 << 20)
        took = flood.run(20, lambda: len(fast.seqs) == total and len(slow.seqs) == total,
                         what=f"all {total} messages to both members", stuck=3)
        log(f"blocked at {n_before} messages; the other {total - n_before} went through "
            f"{took:.2f}s after the slow member read again")
        assert slow.seqs == list(range(total))
    finally:
        close_all(flood)


# ------------------------------------------------------- (d) slow one leaves
def close_slow(client, how):
    if how == "reset":
        client.reset()
    elif how == "fin":
        client.sock.shutdown(socket.SHUT_WR)
    else:
        client.sock.sendall(build_frame(OP_CLOSE, close_payload(1000, b"bye")))


@pytest.mark.parametrize("how", ["reset", "fin", "close-frame"])
@pytest.mark.parametrize("slow_worker", PLACEMENTS)
def test_block_slow_member_leaving_unblocks_the_publisher(wshub, slow_worker, how):
    """--block-timeout 10s: while the publisher is blocked on the slow member,
    that member goes (TCP reset, FIN without a close frame, or a close frame
    it never reads the answer to); the publisher is read again at once: the
    fast member gets the next message within 0.5 s, not after 10 s."""
    _s, flood, fast, slow = start(wshub, "10s", slow_worker=slow_worker)
    try:
        stall(flood, fast, quiet=0.5)
        n0 = len(fast.seqs)
        t0 = time.monotonic()
        close_slow(slow.client, how)
        took = flood.run(5, lambda: len(fast.seqs) > n0, what="fast member's next message after the slow member left")
        log(f"{how}: fast member's next message {took * 1000:.0f} ms after the slow member left")
        assert took < 0.5, f"publisher unblocked only {took:.2f}s after the slow member left"
        _acc, n = window(flood, fast, 1.0)
        assert n >= 1000, f"publisher still slow after the slow member left: {n} messages in 1 s"
        assert time.monotonic() - t0 < 5
    finally:
        close_all(flood)


# ------------------------------------------------------------------ (e) RSS
RSS_BOUND_MIB = 16 + (2 * ASAN_QUARANTINE_MIB + 16 if IS_ASAN else 0)


@pytest.mark.parametrize("slow_worker", PLACEMENTS)
def test_block_memory_stays_bounded_under_a_50_mib_push(wshub, slow_worker):
    """The publisher tries to push 50 MiB (4 KiB messages) through a room with
    a fast member and a slow member that reads nothing for 2 s (four 500 ms
    block rounds), then reads: the server's RSS never grows by more than
    16 MiB over its idle size (ASan: plus twice its 8 MiB quarantine and
    16 MiB of allocator overhead), and everything arrives as it should."""
    total = (50 << 20) // 4096
    _s, flood, fast, slow = start(wshub, "500ms", slow_worker=slow_worker, limit=total, msg_size=4096, env=ASAN_ENV)
    try:
        flood.run(2.0)
        phase1 = flood.accepted
        assert flood.accepted_msgs < total // 4, f"slow member not reading, yet {flood.status()}"
        flood.activate(slow, rcvbuf=1 << 20)
        took = flood.run(25, lambda: len(fast.seqs) == total and slow.seqs and slow.seqs[-1] == total - 1,
                         what="the 50 MiB delivered", stuck=3)
        growth = flood.rss_peak - flood.rss_first
        log(f"50 MiB push: {phase1 / (1 << 20):.1f} MiB accepted in 2 s while blocked, the rest in {took:.1f}s; "
            f"server RSS {flood.rss_first / 1024:.1f} MiB idle, peak {flood.rss_peak / 1024:.1f} MiB "
            f"(+{growth / 1024:.1f} MiB, bound +{RSS_BOUND_MIB} MiB); slow member got {len(slow.seqs)} of {total}")
        assert growth <= RSS_BOUND_MIB * 1024, (
            f"server memory not bounded: RSS grew by {growth / 1024:.1f} MiB (bound {RSS_BOUND_MIB} MiB) "
            f"pushing 50 MiB, slow member on worker {slow_worker}, publisher and fast member on worker {PUB_WORKER}")
    finally:
        close_all(flood)


# ------------------------------------------- a member that catches up again
@pytest.mark.parametrize("member_worker", [
    pytest.param(0, id="member-on-publishers-worker"),
    pytest.param(1, id="member-on-other-worker"),
])
def test_block_publisher_resumes_when_a_member_catches_up(wshub, member_worker):
    """One member that reads all the time, but through a 4 KiB receive
    buffer, so its queue keeps filling and the publisher keeps blocking on it
    for a moment (--block-timeout 30s, so no timeout ever helps). Each time
    the member's queue has room again the publisher must be read again: all
    20,000 messages arrive, and the member never waits 2 s for the next one."""
    total = 20000
    _s, flood, member, _ = start(wshub, "30s", fast_worker=member_worker, limit=total, fast_rcvbuf=SLOW_RCVBUF)
    try:
        took = flood.run(25, lambda: len(member.seqs) == total, stuck=2,
                         what=f"{total} messages to a member reading on worker {member_worker}, "
                              f"publisher on worker {PUB_WORKER}")
        log(f"{total} messages in {took:.2f}s")
    finally:
        close_all(flood)
