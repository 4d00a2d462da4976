"""RFC 6455 frames as bytes, written from the RFC directly (no third-party
WebSocket code) so that tests can build any frame, broken ones included, and
read the server's frames field by field."""

import base64
import hashlib
import os
import struct

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

OP_CONT = 0x0
OP_TEXT = 0x1
OP_BINARY = 0x2
OP_CLOSE = 0x8
OP_PING = 0x9
OP_PONG = 0xA

ZERO_MASK = b"\0\0\0\0"  # masks nothing: the payload goes on the wire as is


def make_key(nbytes=16):
    """A Sec-WebSocket-Key: `nbytes` random bytes in base64."""
    return base64.b64encode(os.urandom(nbytes)).decode("ascii")


def accept_for(key):
    """The Sec-WebSocket-Accept a server must answer `key` with."""
    digest = hashlib.sha1((key + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def close_payload(code, reason=b""):
    if isinstance(reason, str):
        reason = reason.encode("utf-8")
    return struct.pack("!H", code) + reason


def apply_mask(payload, mask_key):
    """XORs payload with the repeated 4-byte key (masking and unmasking alike)."""
    if not payload or mask_key == ZERO_MASK:
        return bytes(payload)
    n = len(payload)
    key = (mask_key * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")


def build_frame(
    opcode,
    payload=b"",
    fin=True,
    rsv=0,
    mask=True,
    mask_key=None,
    length=None,
    length_bytes=None,
):
    """Builds one frame with arbitrary header fields (a client frame, masked
    with a random key, unless told otherwise).

    rsv: 3-bit value (4 = RSV1, 2 = RSV2, 1 = RSV3). length: the declared
    payload length (default len(payload)); length_bytes: 0, 2 or 8 to force the
    7-bit, 16-bit or 64-bit length form (default: minimal)."""
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    if length is None:
        length = len(payload)
    b0 = (0x80 if fin else 0) | ((rsv & 7) << 4) | (opcode & 0x0F)
    mbit = 0x80 if mask else 0
    if length_bytes is None:
        length_bytes = 0 if length <= 125 else (2 if length <= 0xFFFF else 8)
    if length_bytes == 0:
        head = struct.pack("!BB", b0, mbit | length)
    elif length_bytes == 2:
        head = struct.pack("!BBH", b0, mbit | 126, length)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, length)
    if not mask:
        return head + payload
    if mask_key is None:
        mask_key = os.urandom(4)
    return head + mask_key + apply_mask(payload, mask_key)


def masked_frame(opcode, payload):
    """A final client frame under the all-zero mask key: cheap to build in bulk."""
    return build_frame(opcode, payload, mask_key=ZERO_MASK)


class Frame:
    __slots__ = ("fin", "rsv", "opcode", "masked", "payload")

    def __init__(self, fin, rsv, opcode, masked, payload):
        self.fin = fin
        self.rsv = rsv
        self.opcode = opcode
        self.masked = masked
        self.payload = payload

    @property
    def close_code(self):
        assert self.opcode == OP_CLOSE
        if len(self.payload) < 2:
            return None
        return struct.unpack("!H", self.payload[:2])[0]

    @property
    def close_reason(self):
        return self.payload[2:]

    def __repr__(self):
        p = self.payload if len(self.payload) <= 40 else self.payload[:40] + b"..."
        return (f"Frame(fin={self.fin}, rsv={self.rsv}, opcode={self.opcode:#x}, masked={self.masked}, "
                f"len={len(self.payload)}, payload={p!r})")


def parse_frame(buf, pos=0):
    """The frame starting at buf[pos]: (Frame, the offset just past it), or
    None while buf does not hold all of it yet. A masked frame is unmasked."""
    n = len(buf)
    if n - pos < 2:
        return None
    b0 = buf[pos]
    b1 = buf[pos + 1]
    length = b1 & 0x7F
    off = pos + 2
    if length == 126:
        if n - pos < 4:
            return None
        length = (buf[pos + 2] << 8) | buf[pos + 3]
        off = pos + 4
    elif length == 127:
        if n - pos < 10:
            return None
        length = struct.unpack_from("!Q", buf, pos + 2)[0]
        off = pos + 10
    masked = bool(b1 & 0x80)
    if masked:
        if n - off < 4:
            return None
        mask_key = bytes(buf[off:off + 4])
        off += 4
    if n - off < length:
        return None
    payload = bytes(buf[off:off + length])
    if masked:
        payload = apply_mask(payload, mask_key)
    return Frame(bool(b0 & 0x80), (b0 >> 4) & 7, b0 & 0x0F, masked, payload), off + length


def check_server_frame(f):
    """Asserts what every frame from a server must be: unmasked, no RSV bit."""
    assert not f.masked, f"server frame is masked: {f!r}"
    assert f.rsv == 0, f"RSV bits set in server frame {f!r}"
