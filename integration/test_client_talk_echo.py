"""wshub's public WebSocket client (wshub/client.h) through wshub-talk
against real servers: wshub's echo route (every size across the frame
length forms, text and binary, many lines in order, fragments from
--fragment-size reassembled), its refusals (404, 401 and a token in
--header that opens), its closes (1007, 1009) as the client reports them;
python `websockets` keeping each message's type; and a subprotocol chosen
among several offered by either server."""

import random
import string

import pytest

from wshub_test.jwt import Minter
from wshub_test.talk import run_talk
from wshub_test.upstream import upstreams  # noqa: F401 (a fixture)

MiB = 1 << 20
# The frame length forms' edges (7-bit, 16-bit, 64-bit) and a large line.
SIZES = [0, 1, 125, 126, 65535, 65536, MiB]


def text_line(size, seed):
    """`size` bytes of printable ASCII, no newline."""
    rng = random.Random(seed)
    return "".join(rng.choices(string.ascii_letters + string.digits + " .,:;!?", k=size)).encode()


def binary_line(size, seed):
    """`size` random bytes but '\\n', 0xff among them so the line is never
    UTF-8 (as text the echo route would close 1007)."""
    rng = random.Random(seed)
    block = b"\xff" + bytes(rng.choice([b for b in range(256) if b != 0x0A]) for _ in range(4095))
    return (block * (size // len(block) + 1))[:size]


@pytest.mark.parametrize("size", SIZES)
def test_text_echo_of_each_size(server, size):
    line = text_line(size, size)
    done = run_talk(server.url(), input=line + b"\n")
    assert done.lines == [line], f"{size}-byte line came back as {[len(x) for x in done.lines]} bytes: {done!r}"
    assert done.events == ["open ", "close 1000 "], done
    done.assert_closed(1000)


@pytest.mark.parametrize("size", SIZES)
def test_binary_echo_of_each_size(server, size):
    line = binary_line(size, size)
    done = run_talk(server.url(), "--binary", input=line + b"\n")
    assert done.lines == [line], f"{size}-byte line came back as {[len(x) for x in done.lines]} bytes: {done!r}"
    done.assert_closed(1000)


def test_utf8_text_echo(server):
    lines = ["héllo wörld", "€ 𝄞 ✓", "日本語のテキスト", "mixed ascii and ü" * 500]
    done = run_talk(server.url(), input="".join(x + "\n" for x in lines))
    assert done.lines == [x.encode() for x in lines], done
    done.assert_closed(1000)


def test_bytes_that_are_not_utf8_sent_as_text_cost_1007(server):
    # The same line as --binary above comes back; as text the server refuses it.
    done = run_talk(server.url(), input=b"ok \xff\xfe\n")
    assert done.out == b"", done
    done.assert_closed(1007)


def test_many_lines_arrive_in_order(server):
    lines = [f"line {i:05d} ".encode() + text_line(i % 300, i) for i in range(3000)]
    done = run_talk(server.url(), input=b"".join(x + b"\n" for x in lines))
    assert len(done.lines) == len(lines), f"{len(done.lines)} of {len(lines)} lines came back"
    for i, (got, want) in enumerate(zip(done.lines, lines)):
        assert got == want, f"line {i}: got {got[:40]!r}, wanted {want[:40]!r}"
    done.assert_closed(1000)


def test_fragments_from_the_server_reassembled(wshub):
    server = wshub("--fragment-size", "1000")
    lines = [text_line(n, n) for n in (999, 1000, 1001, 65536, 300_000)]
    done = run_talk(server.url(), input=b"".join(x + b"\n" for x in lines))
    assert done.lines == lines, f"lengths {[len(x) for x in done.lines]}"
    done.assert_closed(1000)


def test_a_line_over_the_servers_max_message_costs_1009(wshub):
    server = wshub("--max-message", "1KiB")
    done = run_talk(server.url(), input=b"fits\n" + b"x" * 1025 + b"\n" + b"never sent back\n")
    assert done.lines == [b"fits"], done
    done.assert_closed(1009)


def test_no_such_path_fails_404(server):
    done = run_talk(server.url("/nowhere"), input=b"never sent\n")
    done.assert_failed(404, "404")


SECRET = "talk-tests-secret"


@pytest.fixture
def auth_server(wshub, tmp_path):
    secret = tmp_path / "jwt.secret"
    secret.write_text(SECRET + "\n")
    return wshub("--jwt-secret-file", str(secret), "--route", "/a=echo,auth")


def test_an_auth_route_without_a_token_fails_401(auth_server):
    run_talk(auth_server.url("/a"), input=b"x\n").assert_failed(401, "401")


def test_an_auth_route_with_a_token_in_header_opens(auth_server):
    token = Minter(SECRET).token(sub="talker")
    done = run_talk(auth_server.url("/a"), "--header", f"Authorization: Bearer {token}", input=b"authorized\n")
    assert done.lines == [b"authorized"], done
    done.assert_closed(1000)


def test_wshub_chooses_one_of_the_offered_subprotocols(wshub):
    server = wshub("--subprotocol", "chosen", "--subprotocol", "other")
    done = run_talk(server.url(), "--protocol", "unknown", "--protocol", "chosen", "--protocol", "other",
                    input=b"hi\n")
    assert done.event("open") == "open chosen", done
    assert done.lines == [b"hi"], done
    done.assert_closed(1000)


def test_wshub_choosing_none_of_the_offered_opens_without_one(wshub):
    server = wshub("--subprotocol", "chosen")
    done = run_talk(server.url(), "--protocol", "a", "--protocol", "b", input=b"hi\n")
    assert done.event("open") == "open ", done
    done.assert_closed(1000)


def test_websockets_chooses_one_of_the_offered_subprotocols(upstreams):  # noqa: F811
    up = upstreams.ws(subprotocols=["chosen"])
    done = run_talk(up.url(), "--protocol", "first", "--protocol", "chosen", "--protocol", "last", input=b"hi\n",
                    answers=1)
    assert done.event("open") == "open chosen", done
    assert done.lines == [b"hi"], done
    done.assert_closed(1000)
    ended = up.wait_closes(1)[0]
    assert (ended.code, ended.reason, ended.subprotocol) == (1000, "end of input", "chosen"), ended


async def tell_type(ws):
    """Answers each message with its type and length."""
    async for m in ws:
        await ws.send(f"{'binary' if isinstance(m, bytes) else 'text'} {len(m)}")


@pytest.mark.parametrize("flags,kind", [((), "text"), (("--binary",), "binary")])
def test_websockets_sees_each_message_of_its_type(upstreams, flags, kind):  # noqa: F811
    up = upstreams.ws(tell_type)
    lines = [b"", b"a", b"abc", b"z" * 70_000]
    done = run_talk(up.url(), *flags, input=b"".join(x + b"\n" for x in lines), answers=len(lines))
    assert done.lines == [f"{kind} {len(x)}".encode() for x in lines], done
    done.assert_closed(1000)
    assert up.wait_closes(1)[0].code == 1000
