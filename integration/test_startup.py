"""Start-up failures: a busy address is refused, not shared."""

import socket

from wshub_test.binary import run_wshub


def test_second_server_on_a_busy_address_exits_1(wshub):
    first = wshub()
    second = run_wshub("--listen", f"{first.host}:{first.port}")
    assert second.returncode == 1
    assert "Address already in use" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    # the first one still serves
    with socket.create_connection((first.host, first.port), timeout=2):
        pass


def test_address_held_by_another_program_exits_1(wshub):
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    try:
        port = holder.getsockname()[1]
        result = run_wshub("--listen", f"127.0.0.1:{port}")
        assert result.returncode == 1
        assert f"127.0.0.1:{port}" in result.stderr
    finally:
        holder.close()
