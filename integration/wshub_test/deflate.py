"""permessage-deflate (RFC 7692) seen from the suites: raw DEFLATE made and
read by Python's zlib (an implementation independent of the server's),
compressed messages sent and read whole over a RawClient, the compression
counters of /metrics, and the messages the interoperation tests send."""

import json
import random
import string
import zlib

from wshub_test.client import open_ws
from wshub_test.frames import OP_CONT, OP_PING, OP_PONG, build_frame

HEADER = "Sec-WebSocket-Extensions"
TAIL = b"\x00\x00\xff\xff"  # the end of a sync flush, left off every message (RFC 7692 7.2.1)
# Payload bytes of compressed messages, by form: as compressed, and before
# compressing (sent) or after inflating (received).
COUNTERS = {"sent": "wshub_deflate_sent_bytes_total", "received": "wshub_deflate_received_bytes_total"}
MIN_SIZE = 128  # --compression-min-size's default: smaller messages go out uncompressed
RSV1 = 4  # build_frame's rsv value for RSV1


def compress(data, wbits=15, level=6):
    """One message as a permessage-deflate sender writes it without context
    takeover: raw DEFLATE ending in a sync flush, its 00 00 ff ff removed."""
    c = zlib.compressobj(level, zlib.DEFLATED, -wbits)
    out = c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)
    assert out.endswith(TAIL), out[-8:]
    return out[:-len(TAIL)]


def inflate(payload, wbits=15):
    """A received message's payload inflated alone (the server compresses
    each message alone: it always asks server_no_context_takeover)."""
    d = zlib.decompressobj(-wbits)
    out = d.decompress(payload + TAIL)
    assert not d.unused_data, f"bytes after the DEFLATE stream: {d.unused_data[:20]!r}"
    return out


def shrinks(data):
    """Whether the server sends `data` (a message of at least its minimum
    size) compressed: only when that makes it smaller. True where zlib at
    the server's default level makes it at most 3/4 of its size, False where
    zlib cannot make it smaller at all (random bytes), None in between,
    where the two deflaters may decide differently."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    size = len(compress(data, level=1))
    if size * 4 <= len(data) * 3:
        return True
    return False if size >= len(data) else None


def sent_compressed_bounds(messages, min_size=MIN_SIZE):
    """(least, most) uncompressed bytes of `messages` the server sends
    compressed (the sent counter's "uncompressed" form), by shrinks()."""
    least = most = 0
    for m in messages:
        if wire_size(m) < min_size or shrinks(m) is False:
            continue
        most += wire_size(m)
        least += wire_size(m) if shrinks(m) else 0
    return least, most


def offering(server, offer="permessage-deflate", path="/echo", **kw):
    """A RawClient upgraded on `path` with `offer` as its one
    Sec-WebSocket-Extensions line (None: no such line)."""
    headers = [(HEADER, offer)] if offer is not None else []
    return open_ws(server, path, extra_headers=headers, **kw)


def answer(client):
    """The 101's Sec-WebSocket-Extensions value, None without one."""
    values = client.upgrade_response.header(HEADER)
    assert len(values) <= 1, f"several {HEADER} lines: {values!r}"
    return values[0] if values else None


def send_compressed(client, opcode, data, pieces=1, wbits=15):
    """Sends `data` compressed as one message over `pieces` frames: RSV1 on
    the first frame only (RFC 7692 6.1). Returns the compressed payload."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    payload = compress(data, wbits)
    step = max(1, -(-len(payload) // pieces))
    cuts = [payload[i:i + step] for i in range(0, len(payload), step)] or [b""]
    cuts += [b""] * (pieces - len(cuts))
    frames = b""
    for i, cut in enumerate(cuts):
        frames += build_frame(opcode if i == 0 else OP_CONT, cut, fin=i == len(cuts) - 1, rsv=RSV1 if i == 0 else 0)
    client.send(frames)
    return payload


class Message:
    """A whole message as the server sent it: opcode, the payload after
    inflating, whether it went compressed, and its payload on the wire."""

    def __init__(self, opcode, data, compressed, wire):
        self.opcode = opcode
        self.data = data
        self.compressed = compressed
        self.wire = wire

    def __repr__(self):
        return f"Message(opcode={self.opcode}, len={len(self.data)}, compressed={self.compressed}, wire={len(self.wire)})"


def recv_message(client, window=None, timeout=5):
    """The next data message from the server, its frames joined (pings
    answered): RSV1 may be set on its first frame only, never on a
    continuation, and no frame of the server's is masked. A compressed one
    is inflated, through a 2^window window if given (inflate_within)."""
    first = None
    parts = []
    while True:
        f = client.recv_frame(timeout)
        assert not f.masked, f"server frame is masked: {f!r}"
        if f.opcode == OP_PING:
            client.send_frame(OP_PONG, f.payload)
            continue
        if first is None:
            assert f.opcode != OP_CONT and f.opcode < 8, f"expected a data message, got {f!r}"
            assert f.rsv in (0, RSV1), f"RSV2/RSV3 set by the server: {f!r}"
            first = f
        else:
            assert (f.opcode, f.rsv) == (OP_CONT, 0), f"bad continuation frame {f!r}"
        parts.append(f.payload)
        if f.fin:
            break
    wire = b"".join(parts)
    compressed = first.rsv == RSV1
    data = wire
    if compressed:
        data = inflate_within(wire, window) if window else inflate(wire)
    return Message(first.opcode, data, compressed, wire)


def counters(samples):
    """{(direction, form): value} from parsed /metrics samples: direction
    "sent" or "received", form "compressed" or "uncompressed"."""
    out = {}
    for direction, family in COUNTERS.items():
        for form in ("compressed", "uncompressed"):
            series = f'{family}{{form="{form}"}}'
            assert series in samples, f"no {series} in /metrics"
            out[(direction, form)] = samples[series]
    return out


def counter_deltas(before, after):
    return {k: after.get(k, 0) - before.get(k, 0) for k in set(before) | set(after)}


# ------------------------------------------------- the messages sent around
KINDS = ("random", "repetitive", "json")
SIZES = (0, 1, 127, 128, 129, 1000, 4096, 65535, 65536, 200 * 1024)


def json_text(size, rnd):
    """JSON chat messages, one after another, cut to exactly `size`
    characters: text shaped like what a hub carries."""
    words = ["hello", "room", "lobby", "typing", "ok", "ünïcode", "42", "true", "ready"]
    out = []
    n = 0
    while n < size:
        record = json.dumps({"type": "message", "room": rnd.choice(words), "seq": len(out),
                             "data": {"text": " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 8)))}})
        out.append(record)
        n += len(record) + 1
    return "\n".join(out)[:size]


def make_message(kind, size, text, seed=0):
    """A message of `size` characters (text, str) or bytes (binary): random
    (incompressible: random letters, random bytes), repetitive (a short
    phrase over and over) or json (json_text)."""
    rnd = random.Random(f"{kind}-{size}-{text}-{seed}")
    if kind == "random":
        if text:
            return "".join(rnd.choices(string.ascii_letters + string.digits, k=size))
        return rnd.randbytes(size)
    if kind == "repetitive":
        phrase = "the same few words again and again. "
        body = (phrase * (size // len(phrase) + 1))[:size]
    else:
        body = json_text(size, rnd)
    if text:
        return body
    return body.encode("utf-8")[:size].ljust(size, b"\0")


def wire_size(message):
    """Bytes of `message` as a payload (UTF-8 for text)."""
    return len(message.encode("utf-8")) if isinstance(message, str) else len(message)


def inflate_within(payload, wbits):
    """Inflates as inflate() does, but 16 bytes of output at a time, so that
    every back reference is read through a window of 2^wbits bytes: one
    reaching further back fails (zlib: "invalid distance too far back")."""
    d = zlib.decompressobj(-wbits)
    out = []
    pending = payload + TAIL
    while pending:
        out.append(d.decompress(pending, 16))
        pending = d.unconsumed_tail
    out.append(d.flush())
    return b"".join(out)
