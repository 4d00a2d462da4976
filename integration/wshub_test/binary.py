"""The wshub binary under test: $WSHUB_BIN (default build/release/wshub,
relative to the repository root), the environment it runs in, free ports, and
runs to completion (--help, bad flags, startup errors)."""

import os
import socket
import subprocess

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def wshub_bin():
    path = os.environ.get("WSHUB_BIN", "build/release/wshub")
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        pytest.fail(f"wshub binary not found at {path} (build it, or set WSHUB_BIN)")
    return path


def example_bin(name, env_var=None):
    """build/<variant>/wshub-NAME beside $WSHUB_BIN (the sanitizer build's
    under make asan), or $env_var when set; skips the test if not built."""
    path = os.environ.get(env_var) if env_var else None
    if not path:
        wshub = os.environ.get("WSHUB_BIN", "build/release/wshub")
        path = os.path.join(os.path.dirname(wshub), f"wshub-{name}")
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built")
    return path


_ports_given = set()


def free_port():
    # The kernel may hand out the same free port twice in a row (it is free
    # again once this socket closes): never give one to two callers of a run,
    # such as a server's --listen and its --metrics-listen.
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def clean_env(extra=None):
    """The parent's environment without any WSHUB_* variable (the Makefile sets
    WSHUB_BIN), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("WSHUB_")}
    env.update(extra or {})
    return env


def run_wshub(*args, env=None, timeout=5):
    """Runs the binary to completion (for --help, bad flags ...)."""
    return subprocess.run(
        [wshub_bin(), *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(env),
        timeout=timeout,
    )


def assert_startup_error(args, words, env=None, secret=None):
    """Runs wshub with `args` (on a free port) and asserts it exits 2 with one
    line on stderr naming one of `words` (and never the secret). Returns the line."""
    args = ["--listen", f"127.0.0.1:{free_port()}", *args]
    try:
        r = run_wshub(*args, env=env, timeout=3)
    except Exception as e:  # subprocess.TimeoutExpired: it started
        pytest.fail(f"{args} {env}: did not exit ({e!r}); wanted exit 2")
    assert r.returncode == 2, f"{args} {env}: exit {r.returncode}, stderr {r.stderr!r}"
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and r.stderr.endswith("\n"), f"{args} {env}: wanted one line, got {r.stderr!r}"
    assert any(w.lower() in lines[0].lower() for w in words), f"{lines[0]!r} names none of {words}"
    if secret:
        assert secret not in r.stderr + r.stdout, f"the secret is printed: {r.stderr!r}"
    return lines[0]
