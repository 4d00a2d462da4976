"""HS256 JSON Web Tokens for the admission suites, minted with Python's own
hmac/hashlib/base64/json (an implementation independent of the server's),
plus deliberately broken ones.

mint() builds a compact token from a header and a payload, each given as a
dict (serialised compactly), as str (used verbatim: "[]", "1", "{" ...) or as
bytes; the signature is HMAC over "header.payload" exactly as encoded, with
SHA-256 unless `digest` says otherwise. Minter binds a secret and offers the
usual cases by name.
"""

import base64
import hashlib
import hmac
import json
import time

DEFAULT_HEADER = {"alg": "HS256", "typ": "JWT"}
MAX_TOKEN_BYTES = 4096  # the server's limit (kMaxTokenBytes)


def b64url(data):
    """RFC 4648 section 5 base64url without padding."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def segment_bytes(part):
    """A header or payload as the bytes that get encoded."""
    if isinstance(part, bytes):
        return part
    if isinstance(part, str):
        return part.encode("utf-8")
    return json.dumps(part, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(secret, signing_input, digest=hashlib.sha256):
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if isinstance(signing_input, str):
        signing_input = signing_input.encode("ascii")
    return hmac.new(secret, signing_input, digest).digest()


def mint(payload, secret, header=None, digest=hashlib.sha256, signature=None):
    """A compact JWS. `signature`: raw signature bytes to use instead of the
    HMAC (e.g. a truncated or altered one)."""
    head = b64url(segment_bytes(DEFAULT_HEADER if header is None else header))
    body = b64url(segment_bytes(payload))
    signing_input = f"{head}.{body}"
    sig = sign(secret, signing_input, digest) if signature is None else signature
    return f"{signing_input}.{b64url(sig)}"


def resign(secret, head_b64, body_b64, digest=hashlib.sha256):
    """Signs already-encoded segments (which may be deliberately non-canonical)."""
    signing_input = f"{head_b64}.{body_b64}"
    return f"{signing_input}.{b64url(sign(secret, signing_input, digest))}"


def decode_unverified(token):
    """(header, payload) as parsed JSON; for tests of the helper itself."""
    h, p, _s = token.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


def verify(token, secret):
    """True if `token` is a well-formed HS256 token signed with `secret` (the
    helper's own check, used to test the helper)."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    want = b64url(sign(secret, f"{parts[0]}.{parts[1]}"))
    return hmac.compare_digest(want, parts[2])


class Minter:
    """Tokens for one server secret. Every payload gets `exp` one hour ahead
    unless the caller passes exp (None: no exp claim at all)."""

    def __init__(self, secret):
        self.secret = secret

    @staticmethod
    def now():
        return int(time.time())

    def claims(self, exp="default", **claims):
        out = {}
        if exp == "default":
            out["exp"] = self.now() + 3600
        elif exp is not None:
            out["exp"] = exp
        out.update(claims)
        return out

    def token(self, exp="default", header=None, **claims):
        """A valid token (HS256, this secret) with the given claims."""
        return mint(self.claims(exp, **claims), self.secret, header=header)

    def raw(self, payload, header=None, digest=hashlib.sha256):
        """Signed with this secret, header/payload as given (dict/str/bytes)."""
        return mint(payload, self.secret, header=header, digest=digest)

    # --------------------------------------------------------- broken tokens
    def alg_none(self, keep_signature=True, **claims):
        """{"alg":"none"}. keep_signature: with an HS256 signature over the
        input anyway; else the classic empty third segment. Either way the
        header decides: bad_alg."""
        header = {"alg": "none", "typ": "JWT"}
        tok = mint(self.claims(**claims), self.secret, header=header)
        if keep_signature:
            return tok
        return tok.rsplit(".", 1)[0] + "."

    def alg(self, alg, digest=hashlib.sha256, **claims):
        """Header alg set to `alg` (any JSON value; the key is left out when
        alg is ...), signed with `digest`."""
        header = {"typ": "JWT"} if alg is ... else {"alg": alg, "typ": "JWT"}
        return mint(self.claims(**claims), self.secret, header=header, digest=digest)

    def hs512(self, **claims):
        """alg HS512, really signed with HMAC-SHA512 (64-byte signature)."""
        return self.alg("HS512", digest=hashlib.sha512, **claims)

    def crit(self, **claims):
        return mint(self.claims(**claims), self.secret, header={"alg": "HS256", "crit": ["exp"]})

    def wrong_secret(self, **claims):
        return mint(self.claims(**claims), self.secret + "-not", header=None)

    def altered_signature(self, **claims):
        """The right HMAC with one bit of its first byte flipped (still
        strict base64url of 32 bytes)."""
        tok = self.token(**claims)
        head, body, sig = tok.split(".")
        raw = bytearray(b64url_decode(sig))
        raw[0] ^= 0x01
        return f"{head}.{body}.{b64url(bytes(raw))}"

    def truncated_signature(self, n=31, **claims):
        """The first n bytes of the right HMAC (not 32 bytes)."""
        tok = self.token(**claims)
        head, body, sig = tok.split(".")
        return f"{head}.{body}.{b64url(b64url_decode(sig)[:n])}"

    def altered_payload(self, **claims):
        """A valid token whose payload was replaced after signing (sub
        changed to "mallory")."""
        tok = self.token(sub="alice", **claims)
        head, _body, sig = tok.split(".")
        body = b64url(segment_bytes(self.claims(sub="mallory", **claims)))
        return f"{head}.{body}.{sig}"

    def header_not_object(self, header_text="[]", **claims):
        return mint(self.claims(**claims), self.secret, header=header_text)

    def payload_not_object(self, payload_text="[]"):
        return mint(payload_text, self.secret)

    def header_not_json(self, text="{\"alg\":\"HS256\""):
        return mint(self.claims(), self.secret, header=text)

    def payload_not_json(self, text="{\"sub\":"):
        return mint(text, self.secret)

    def segments(self, n):
        """A token split into n segments (valid pieces otherwise)."""
        tok = self.token(sub="alice")
        parts = tok.split(".")
        if n < 3:
            return ".".join(parts[:n])
        return ".".join(parts + [parts[-1]] * (n - 3))

    def empty_segment(self, which):
        parts = self.token(sub="alice").split(".")
        parts[which] = ""
        return ".".join(parts)

    def padded(self):
        """Valid but with '=' padding on a segment (not strict base64url)."""
        for extra in range(3):  # find a payload whose encoding needs padding
            payload = self.claims(sub="alice" + "x" * extra)
            body = b64url(segment_bytes(payload))
            if len(body) % 4:
                head = b64url(segment_bytes(DEFAULT_HEADER))
                return resign(self.secret, head, body + "=" * (-len(body) % 4))
        raise AssertionError("no padded form found")

    def standard_alphabet(self):
        """A token whose payload contains '+' or '/' (standard base64, not
        base64url), re-signed so only the alphabet is wrong."""
        for i in range(2000):
            payload = self.claims(sub=f"user-{i}", note="\u00ff\u00fe\u00fb?>")
            std = base64.b64encode(segment_bytes(payload)).rstrip(b"=").decode("ascii")
            if "+" in std or "/" in std:
                head = b64url(segment_bytes(DEFAULT_HEADER))
                return resign(self.secret, head, std)
        raise AssertionError("no payload with + or / found")

    def length_mod4_is_1(self):
        """A payload segment of length 4k+1 (impossible in base64url)."""
        head = b64url(segment_bytes(DEFAULT_HEADER))
        body = b64url(segment_bytes(self.claims(sub="alice")))
        while len(body) % 4 != 1:
            body += "A"
        return resign(self.secret, head, body)

    def nonzero_pad_bits(self):
        """A payload segment whose last symbol has non-zero unused low bits
        (decodes to the same bytes in a lax decoder)."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        for extra in range(3):
            body = b64url(segment_bytes(self.claims(sub="alice" + "y" * extra)))
            rem = len(body) % 4
            if rem == 0:
                continue
            unused = 4 if rem == 2 else 2  # 2 symbols: 12 bits for 1 byte; 3: 18 for 2
            last = alphabet.index(body[-1])
            assert last & ((1 << unused) - 1) == 0
            body = body[:-1] + alphabet[last | 1]
            head = b64url(segment_bytes(DEFAULT_HEADER))
            return resign(self.secret, head, body)
        raise AssertionError("no unpadded-remainder payload found")

    def bad_char(self):
        """A '*' inside the payload segment."""
        head = b64url(segment_bytes(DEFAULT_HEADER))
        body = b64url(segment_bytes(self.claims(sub="alice")))
        body = body[:4] + "*" + body[5:]
        return resign(self.secret, head, body)

    def of_length(self, length, **claims):
        """A valid token exactly `length` characters long (claim "pad" filled)."""
        for kid in ("", "k", "kk", "kkk"):
            header = dict(DEFAULT_HEADER)
            if kid:
                header["kid"] = kid
            base = len(self.token(header=header, pad="", **claims))
            for n in range(max(0, (length - base) * 3 // 4 - 4), (length - base) * 3 // 4 + 8):
                tok = self.token(header=header, pad="p" * n, **claims)
                if len(tok) == length:
                    return tok
        raise AssertionError(f"cannot build a token of exactly {length} characters")


def _selftest():
    m = Minter("k3y")
    t = m.token(sub="alice")
    assert verify(t, "k3y") and not verify(t, "other")
    h, p = decode_unverified(t)
    assert h == DEFAULT_HEADER and p["sub"] == "alice"
    # the RFC 7515 appendix A.1 example (HS256 key and input)
    key = b64url_decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
    head = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    body = ("eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFt"
            "cGxlLmNvbS9pc19yb290Ijp0cnVlfQ")
    sig = b64url(hmac.new(key, f"{head}.{body}".encode(), hashlib.sha256).digest())
    assert sig == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", sig
    assert len(m.of_length(4096)) == 4096 and len(m.of_length(4097)) == 4097
    assert "=" in m.padded()
    assert m.altered_signature() != t


if __name__ == "__main__":
    _selftest()
    print("wshub_test.jwt ok")
