"""The latency histograms and the queued-bytes gauge move with real traffic:
one handshake observation per upgrade, one publish-to-write observation per
data frame written to a member, and a stalled reader's wait shows in both."""

import time

from wshub_test.client import RawClient
from wshub_test.frames import OP_BINARY
from wshub_test.members import member
from wshub_test.metrics import Histogram, scrape, wait_for

HANDSHAKE = "wshub_handshake_duration_seconds"
PUBLISH = "wshub_publish_to_write_seconds"


def kernel_send_buffer_max():
    with open("/proc/sys/net/ipv4/tcp_wmem") as f:
        return int(f.read().split()[2])


def test_handshake_histogram_observes_each_upgrade_once(wshub):
    s = wshub("--workers", "2")
    before = Histogram(scrape(s), HANDSHAKE)
    for _ in range(5):
        with RawClient(s.host, s.port) as c:
            c.handshake("/echo")
    # One client waits half a second between connecting and asking for the
    # upgrade: accept to 101 includes that wait.
    with RawClient(s.host, s.port) as c:
        time.sleep(0.5)
        c.handshake("/raw?room=a")
    # Refusals before the upgrade are not handshakes.
    with RawClient(s.host, s.port) as c:
        c.send(b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_http_response().status == 404
    samples = scrape(s)
    after = Histogram(samples, HANDSHAKE)
    assert after.count - before.count == 6
    assert after.count == samples["wshub_connections_upgraded_total"]
    assert after.count - after.le("0.25") >= 1  # the one that waited
    assert after.sum - before.sum >= 0.45


def test_publish_to_write_observes_every_member_write(wshub):
    s = wshub("--workers", "2")
    members = [member(s, "r") for _ in range(3)]
    publisher = member(s, "r")
    try:
        before = scrape(s)
        for i in range(5):
            publisher.send_binary(b"m%d" % i)
        for m in members:
            for i in range(5):
                m.expect_message(OP_BINARY, b"m%d" % i)
        samples = wait_for(s, lambda x: x["wshub_messages_sent_total"] - before["wshub_messages_sent_total"] >= 15)
    finally:
        for c in members + [publisher]:
            c.close()
    h0, h1 = Histogram(before, PUBLISH), Histogram(samples, PUBLISH)
    assert h1.count - h0.count == 5 * 3  # M messages to K members
    assert samples["wshub_messages_sent_total"] - before["wshub_messages_sent_total"] == 15
    assert h1.count == samples["wshub_messages_sent_total"]  # one observation per data frame written
    assert 0 < h1.sum - h0.sum < 15 * 5.0


def test_stalled_reader_shows_in_queued_bytes_and_latency(wshub):
    s = wshub("--workers", "1", "--queue-messages", "100000", "--queue-bytes", "64MiB")
    slow = member(s, "r", rcvbuf=4096)
    publisher = member(s, "r")
    payload = b"x" * 1000
    frame_size = 4 + len(payload)
    # More than the kernel's largest send buffer, so that about 1 MiB stays
    # in wshub's own queue however the kernel tunes the buffer.
    n = (kernel_send_buffer_max() + (1 << 20)) // frame_size
    try:
        for _ in range(n):
            publisher.send_binary(payload)
        stalled = wait_for(s, lambda x: x["wshub_messages_received_total"] >= n)
        queued = stalled["wshub_queued_bytes"]
        assert (1 << 20) - 64 * 1024 < queued <= frame_size * n
        time.sleep(0.5)
        got = 0
        deadline = time.monotonic() + 30
        while got < n and time.monotonic() < deadline:
            frames, eof = slow.drain_frames(1.0)
            assert not eof
            got += len(frames)
        assert got == n
        samples = wait_for(s, lambda x: x["wshub_queued_bytes"] == 0)
    finally:
        slow.close()
        publisher.close()
    h = Histogram(samples, PUBLISH)
    assert h.count == n
    # Every frame still in wshub's queue when it was scraped waited the
    # half-second stall at least (the front one may have been half written).
    waited = h.count - h.le("0.25")
    assert waited >= queued // frame_size - 1, (waited, queued // frame_size)
