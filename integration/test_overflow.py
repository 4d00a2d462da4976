"""Bounded send queues under a flood (--overflow close and drop; block is in
test_overflow_block.py): a member that stops reading is closed (1008 "slow
consumer") or has messages dropped for it, while a member that keeps up gets
everything in order and the server's memory stays bounded. A burst larger
than the budget in one read is not taken for a slow consumer, and a client
that never reads its pongs is stopped being read instead of queued for.

Small limits (--queue-messages 64 --queue-bytes 64KiB) and a slow member with
a tiny SO_RCVBUF keep the time to overflow short. The publisher is paced by
the fast member (at most WINDOW messages in flight, well under the queue
limits), so the fast member can never overflow itself."""

import asyncio
import selectors
import struct
import sys
import threading
import time

import websockets

from wshub_test import IS_ASAN, T, asan_env
from wshub_test.client import RawClient, open_ws
from wshub_test.frames import OP_BINARY, OP_CLOSE, OP_PING, OP_TEXT, build_frame, close_payload, masked_frame
from wshub_test.members import member
from wshub_test.metrics import fetch, scrape
from wshub_test.proc import rss_kib

LIMITS = ("--queue-messages", "64", "--queue-bytes", "64KiB", "--workers", "2")
MSG_SIZE = 1024
TOTAL_BYTES = 100 << 20  # published through the room in each flood test
WINDOW = 24  # messages in flight to the fast member (queue holds 64 / 64 KiB)
FILLER = bytes(range(256)) * (MSG_SIZE // 256)
FILLER = FILLER[:MSG_SIZE - 8]
# RSS growth allowed over the idle baseline. Under ASan freed memory sits in
# the allocator's quarantine before reuse (256 MiB by default): the flood
# servers get a 32 MiB quarantine (ASAN_OPTIONS appended, the rest kept) and
# the bound allows for it and for ASan's redzones and allocator caches.
RSS_SLACK_MIB = 64 + (64 if IS_ASAN else 0)
ASAN_ENV = asan_env(32)
FLOOD_SECONDS = 40 if IS_ASAN else 20

SLOW_RCVBUF = 4096
TRICKLE = 128 << 10


def payload_of(seq):
    return struct.pack("!Q", seq) + FILLER


def check_data(payload, what):
    assert len(payload) == MSG_SIZE and payload[8:] == FILLER, (
        f"{what}: corrupt message ({len(payload)} bytes, starts {payload[:16]!r})")
    return struct.unpack_from("!Q", payload)[0]


def flood(server, pub, fast, total_bytes=TOTAL_BYTES, tick=None):
    """Publishes total_bytes of MSG_SIZE binary messages from `pub`, paced by
    `fast`, which must receive each, in order; calls tick() every 256 messages
    when given. Returns (messages, baseline RSS KiB, peak RSS KiB, report)."""
    n_msgs = -(-total_bytes // MSG_SIZE)
    fast.sock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(fast.sock, selectors.EVENT_READ)
    baseline = rss_kib(server.pid)
    peak = baseline
    sent = received = 0
    started = time.monotonic()
    deadline = started + FLOOD_SECONDS
    last_sample = 0

    def consume(frames):
        nonlocal received
        for f in frames:
            fin, op, payload = f.fin, f.opcode, f.payload
            assert (fin, op) == (True, OP_BINARY), f"fast member: unexpected frame op={op:#x} fin={fin} after {received}"
            seq = check_data(payload, "fast member")
            assert seq == received, f"fast member: got message #{seq}, want #{received} (lost or reordered)"
            received += 1

    consume(fast.feed(b""))  # bytes read behind the 101
    while received < n_msgs:
        now = time.monotonic()
        assert now < deadline, (
            f"flood did not finish in {FLOOD_SECONDS}s: sent {sent}, fast member got {received} of {n_msgs}")
        if sent < n_msgs and sent - received < WINDOW:
            upto = min(n_msgs, received + WINDOW)
            pub.send(b"".join(masked_frame(OP_BINARY, payload_of(i)) for i in range(sent, upto)))
            sent = upto
        if sent - last_sample >= 256:
            last_sample = sent
            peak = max(peak, rss_kib(server.pid))
            if tick:
                tick()
        if not sel.select(timeout=2.0):
            continue
        try:
            data = fast.sock.recv(1 << 20)
        except BlockingIOError:
            continue
        if not data:
            raise AssertionError(f"fast member: EOF after {received} messages (was it taken for a slow consumer?)")
        consume(fast.feed(data))
    peak = max(peak, rss_kib(server.pid))
    elapsed = time.monotonic() - started
    assert fast.pending() == 0
    sel.close()
    fast.sock.setblocking(True)
    fast.sock.settimeout(5)
    report = (f"flood: {n_msgs} x {MSG_SIZE} B = {n_msgs * MSG_SIZE / (1 << 20):.0f} MiB in {elapsed:.2f}s; "
              f"server RSS baseline {baseline / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB "
              f"(+{(peak - baseline) / 1024:.1f} MiB, bound +{RSS_SLACK_MIB} MiB)")
    print(report, file=sys.stderr)
    return n_msgs, baseline, peak, report


def assert_rss_bounded(baseline, peak, report):
    assert peak - baseline <= RSS_SLACK_MIB * 1024, f"server memory not bounded: {report}"


def test_slow_consumer_is_closed_1008_and_others_are_unaffected(wshub):
    # A long close timeout: the slow member reads again only after the whole
    # flood, and must then still find its close frame; it answers the close,
    # so the server closes TCP right away.
    server = wshub(*LIMITS, "--close-timeout", "30s", env=ASAN_ENV)
    slow = member(server, "flood", rcvbuf=SLOW_RCVBUF)
    fast = member(server, "flood")
    pub = member(server, "flood")
    try:
        n_msgs, baseline, peak, report = flood(server, pub, fast)
        assert_rss_bounded(baseline, peak, report)

        # The slow member reads again: an in-order prefix of the messages (what
        # the kernel buffers held), then the close frame, nothing after it.
        data_seqs = []
        close = None
        deadline = time.monotonic() + 10
        while close is None:
            assert time.monotonic() < deadline, f"slow member: no close frame after {len(data_seqs)} messages"
            frames, eof = slow.drain_frames(1.0)
            for f in frames:
                fin, op, payload = f.fin, f.opcode, f.payload
                assert close is None, f"slow member: frame op={op:#x} after the close frame"
                if op == OP_CLOSE:
                    close = payload
                else:
                    assert (fin, op) == (True, OP_BINARY), f"slow member: unexpected frame op={op:#x}"
                    data_seqs.append(check_data(payload, "slow member"))
            if eof:
                break
        assert close is not None, (
            f"slow member: EOF without a close frame after {len(data_seqs)} messages "
            f"({slow.pending()} bytes of a partial frame)")
        assert data_seqs == list(range(len(data_seqs))), "slow member: the messages before the close are not an in-order prefix"
        assert len(data_seqs) < n_msgs, "slow member was never overflowed"
        assert len(data_seqs) * MSG_SIZE < 8 << 20, (
            f"slow member got {len(data_seqs)} messages before the close: more than kernel buffers + queue")
        code = struct.unpack("!H", close[:2])[0] if len(close) >= 2 else None
        assert (code, close[2:]) == (1008, b"slow consumer"), f"close frame {close!r}, want 1008 'slow consumer'"
        print(f"slow member: {len(data_seqs)} messages, then close 1008", file=sys.stderr)
        try:
            slow.send(build_frame(OP_CLOSE, close_payload(1008)))
        except OSError:
            pass
        frames, eof = slow.drain_frames(3.0)
        assert not frames, f"slow member: frames after the close frame: {frames[:3]!r}"
        assert eof, "server did not close TCP within 3s of the close handshake"

        # The room still works for the others.
        pub.send(masked_frame(OP_TEXT, b"still here"))
        fast.expect_message(OP_TEXT, b"still here")
    finally:
        for c in (slow, fast, pub):
            c.close()


def test_slow_consumer_that_never_answers_is_cut_off_after_close_timeout(wshub):
    server = wshub(*LIMITS, "--close-timeout", "1s")
    slow = member(server, "r", rcvbuf=SLOW_RCVBUF)
    pub = member(server, "r")
    try:
        # 8 MiB, unpaced: far more than the slow member's kernel buffers and queue.
        batch = b"".join(masked_frame(OP_BINARY, payload_of(i)) for i in range(256))
        for _ in range(32):
            pub.send(batch)
        time.sleep(0.1)
        t0 = time.monotonic()
        seen_close = None
        n_data = 0
        eof = False
        while not eof and time.monotonic() - t0 < 6:
            frames, eof = slow.drain_frames(0.5)
            for f in frames:
                if f.opcode == OP_CLOSE:
                    seen_close = f.payload
                else:
                    assert seen_close is None, "data after the close frame"
                    n_data += 1
        elapsed = time.monotonic() - t0
        assert seen_close is not None and seen_close[:2] == struct.pack("!H", 1008), (
            f"no 1008 close frame (got {seen_close!r}) after {n_data} messages, eof={eof}")
        assert n_data < 8192
        # The member reads, does not answer the close: TCP goes within the
        # close timeout (1s), plus scheduling slack.
        assert eof, f"server kept the connection {elapsed:.1f}s after its close frame (close-timeout 1s)"
        assert elapsed < 4, f"EOF only after {elapsed:.1f}s (close-timeout 1s)"
    finally:
        slow.close()
        pub.close()


def test_drop_policy_keeps_slow_member_connected_with_gaps(wshub):
    server = wshub(*LIMITS, "--overflow", "drop", env=ASAN_ENV)
    slow = member(server, "flood", rcvbuf=SLOW_RCVBUF)
    fast = member(server, "flood")
    pub = member(server, "flood")
    try:
        n_msgs, baseline, peak, report = flood(server, pub, fast)
        assert_rss_bounded(baseline, peak, report)

        # The slow member reads again: a subsequence, in increasing order.
        seqs = []
        deadline = time.monotonic() + 10
        while True:
            assert time.monotonic() < deadline, "slow member: the backlog did not drain within 10s"
            frames, eof = slow.drain_frames(0.5)
            assert not eof, f"slow member was disconnected under --overflow drop after {len(seqs)} messages"
            if not frames:
                break
            for f in frames:
                fin, op, payload = f.fin, f.opcode, f.payload
                assert op != OP_CLOSE, f"slow member got a close frame under --overflow drop: {payload!r}"
                assert (fin, op) == (True, OP_BINARY), f"slow member: unexpected frame op={op:#x}"
                seqs.append(check_data(payload, "slow member"))
        assert slow.pending() == 0, "slow member: a partial frame is left over"
        assert seqs, "slow member received nothing"
        assert all(a < b for a, b in zip(seqs, seqs[1:])), "slow member: messages out of order or duplicated"
        assert seqs[-1] < n_msgs
        assert len(seqs) < n_msgs, "nothing was dropped: the slow member never overflowed"
        print(f"slow member (drop): {len(seqs)} of {n_msgs} messages, last #{seqs[-1]}", file=sys.stderr)

        # Its queue is empty again: it gets new messages, and it can still send.
        pub.send(masked_frame(OP_TEXT, b"after the flood"))
        slow.expect_message(OP_TEXT, b"after the flood")
        fast.expect_message(OP_TEXT, b"after the flood")
        slow.send_text("slow speaks")
        fast.expect_message(OP_TEXT, b"slow speaks")
        pub.expect_message(OP_TEXT, b"slow speaks")
        slow.close_cleanly(1000)
    finally:
        for c in (slow, fast, pub):
            c.close()


def test_drop_policy_many_slow_members_one_fast(wshub):
    """Five members that read only a trickle during the flood (TRICKLE bytes
    per 256 messages published: half the rate): each gets an increasing subsequence with gaps in the middle, every
    frame intact (a drop never cuts a frame); the fast member is unaffected;
    memory stays bounded (a smaller flood: 32 MiB)."""
    server = wshub(*LIMITS, "--overflow", "drop", env=ASAN_ENV)
    slows = [member(server, "many", rcvbuf=SLOW_RCVBUF) for _ in range(5)]
    fast = member(server, "many")
    pub = member(server, "many")
    seqs = [[] for _ in slows]

    def take(i, frames):
        for f in frames:
            fin, op = f.fin, f.opcode
            assert (fin, op) == (True, OP_BINARY), f"slow member {i}: unexpected frame op={op:#x}"
            seqs[i].append(check_data(f.payload, f"slow member {i}"))

    def trickle():
        for i, s in enumerate(slows):
            s.sock.setblocking(False)
            got = 0
            try:
                while got < TRICKLE:
                    data = s.sock.recv(TRICKLE - got)
                    assert data, f"slow member {i} disconnected under --overflow drop"
                    got += len(data)
                    take(i, s.feed(data))
            except BlockingIOError:
                pass
            finally:
                s.sock.setblocking(True)

    try:
        for i, s in enumerate(slows):
            take(i, s.feed(b""))  # bytes read behind the 101
        n_msgs, baseline, peak, report = flood(server, pub, fast, total_bytes=32 << 20, tick=trickle)
        assert_rss_bounded(baseline, peak, report)
        for i, s in enumerate(slows):
            while True:
                frames, eof = s.drain_frames(0.3)
                assert not eof, f"slow member {i} disconnected under --overflow drop"
                if not frames:
                    break
                take(i, frames)
            got = seqs[i]
            assert got and all(a < b for a, b in zip(got, got[1:])), f"slow member {i}: not increasing"
            gaps = sum(1 for a, b in zip(got, got[1:]) if b != a + 1)
            assert len(got) < n_msgs, f"slow member {i}: nothing dropped"
            assert gaps >= 1, f"slow member {i}: no gap in the middle ({len(got)} messages)"
            print(f"slow member {i}: {len(got)} of {n_msgs}, {gaps} gaps, last #{got[-1]}", file=sys.stderr)
        pub.send(masked_frame(OP_TEXT, b"done"))
        for s in slows:
            s.expect_message(OP_TEXT, b"done")
        fast.expect_message(OP_TEXT, b"done")
    finally:
        for c in (*slows, fast, pub):
            c.close()


def test_message_over_the_byte_budget_reaches_members_that_keep_up(wshub):
    """A message larger than --queue-bytes (but within --max-message) is taken
    by a queue with nothing waiting, under every policy: it reaches members on
    both workers, nobody is closed or skipped, and what follows it flows."""
    big = bytes(range(256)) * 1024  # 256 KiB against a 64 KiB budget
    for policy in ("close", "drop", "block"):
        server = wshub(*LIMITS, "--overflow", policy, "--route", "/raw=raw")
        pub = member(server, "big")
        members = [member(server, "big") for _ in range(4)]
        pub.send_binary(big)
        pub.send_text("after")
        for m in members:
            m.expect_message(OP_BINARY, big)
            m.expect_message(OP_TEXT, b"after")
        for c in [pub, *members]:
            c.close_cleanly()
        samples = scrape(server)
        for name in ("wshub_slow_consumer_closes_total", "wshub_messages_dropped_total"):
            series = {k: v for k, v in samples.items() if k == name or k.startswith(name + "{")}
            assert series and not any(series.values()), (policy, series)
        server.stop()


# ---------------------------------------------------- a burst in one read
def test_burst_over_the_message_budget_reaches_fast_readers(wshub):
    """A burst larger than the send-queue budget, arriving in one read, must
    not be mistaken for a slow consumer: the server writes what it has queued
    before it judges a member's queue full."""
    s = wshub("--workers", "1", "--queue-messages", "64")  # default --overflow close
    count = 2048  # 32x the budget, all in one packet of ~60 KB

    async def run():
        members = [await websockets.connect(s.url("/raw?room=burst")) for _ in range(5)]
        with RawClient(s.host, s.port) as pub:
            pub.handshake("/raw?room=burst")
            pub.send(b"".join(build_frame(0x1, b"%06d" % i + b"x" * 18) for i in range(count)))

            async def read_all(ws):
                for i in range(count):
                    msg = await asyncio.wait_for(ws.recv(), 5)
                    assert msg.startswith("%06d" % i)

            await asyncio.gather(*(read_all(m) for m in members))
        for m in members:
            await m.close()

    asyncio.run(run())
    text = fetch(s.host, s.port)
    assert "wshub_slow_consumer_closes_total 0\n" in text


# ------------------------------------------------------- pongs not read
# A client that sends pings and never reads the pongs must not make the
# server queue pongs without bound: once more than --queue-bytes wait for it,
# the server stops reading from it (as it does for its own echoes), so the
# client's writes stall in the kernel's buffers instead of in server memory.
PING = masked_frame(OP_PING, b"p" * 125)  # the largest control payload
FLOOD_LIMIT = 200 << 20  # a server that never pushed back would take all of it
STALL_SECONDS = 1.0


def send_until_stalled(sock, chunk, limit):
    """Writes chunk over and over (resuming after partial writes, so frames
    stay whole in the stream) until the socket has refused bytes for
    STALL_SECONDS or `limit` bytes went out; returns the bytes sent."""
    sock.setblocking(False)
    sent = 0
    stalled_since = None
    view = memoryview(chunk)
    while sent < limit:
        try:
            sent += sock.send(view[sent % len(chunk):])
            stalled_since = None
        except BlockingIOError:
            now = time.monotonic()
            stalled_since = stalled_since or now
            if now - stalled_since > STALL_SECONDS:
                break
            time.sleep(0.005)
    return sent


def test_unread_pongs_stop_the_reading(wshub):
    server = wshub("--workers", "1", "--queue-bytes", "64KiB")
    client = open_ws(server, "/echo", timeout=T, rcvbuf=4096)
    baseline = rss_kib(server.pid)
    sent = send_until_stalled(client.sock, PING * 512, FLOOD_LIMIT)
    growth_mib = (rss_kib(server.pid) - baseline) / 1024
    # The kernel's socket buffers hold a few MiB at most; the rest of a
    # 200 MiB flood would be pongs queued in the server.
    assert sent < 64 << 20, f"the server kept reading: {sent >> 20} MiB of pings accepted"
    assert growth_mib < (48 if IS_ASAN else 8), f"server RSS grew {growth_mib:.1f} MiB under a ping flood"

    # Reading again resumes the connection: every pong arrives, then an echo.
    # The flood may have stopped inside a frame: its rest and a text frame go
    # out from a thread while this one reads (the server reads only as its
    # pongs drain).
    client.sock.setblocking(True)
    client.sock.settimeout(10)
    partial = sent % len(PING)
    tail = (PING[partial:] if partial else b"") + masked_frame(OP_TEXT, b"after the flood")
    writer = threading.Thread(target=client.sock.sendall, args=(tail,), daemon=True)
    writer.start()
    pongs = 0
    while True:
        frame = client.recv_frame()
        if frame.opcode == OP_TEXT:
            assert frame.payload == b"after the flood"
            break
        assert frame.payload == b"p" * 125, (frame.opcode, len(frame.payload), pongs)
        pongs += 1
    writer.join(10)
    assert pongs == -(-sent // len(PING)), (pongs, -(-sent // len(PING)))
    client.close()
