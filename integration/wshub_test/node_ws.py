"""node's `ws` library (Debian's node-ws) as a client: integration/clients/
ws_client.js run once per connection, its outcome read back as JSON."""

import json
import os
import shutil
import subprocess

import pytest

from wshub_test.binary import REPO

SCRIPT = os.path.join(REPO, "integration", "clients", "ws_client.js")
NODE_PATH = "/usr/share/nodejs"  # where Debian's node-ws puts `ws`
PACKAGES = "nodejs node-ws"


def node():
    """The node binary with `ws` beside it, or a skip, which is a failure
    where CI is set: CI installs both."""
    path = shutil.which("node") or shutil.which("nodejs")
    if path and os.path.isfile(os.path.join(NODE_PATH, "ws", "package.json")):
        return path
    why = f"node or its ws module is missing (apt-get install -y --no-install-recommends {PACKAGES})"
    if os.environ.get("CI"):
        pytest.fail(why + "; CI installs them, so their absence there is an error")
    pytest.skip(why)


def echo_run(url, per_message_deflate, messages, timeout=30):
    """Runs ws_client.js against the echo route at `url`; `messages` are
    (kind, size, binary). Returns its JSON outcome (an "error" key when it
    failed)."""
    spec = {
        "url": url,
        "perMessageDeflate": per_message_deflate,
        "messages": [{"kind": k, "size": n, "binary": b} for k, n, b in messages],
        "timeoutMs": timeout * 1000,
    }
    env = dict(os.environ, NODE_PATH=NODE_PATH)
    r = subprocess.run([node(), SCRIPT, json.dumps(spec)], stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, env=env, timeout=timeout + 10)
    lines = r.stdout.splitlines()
    assert lines, f"ws_client.js printed nothing (exit {r.returncode}); stderr:\n{r.stderr}"
    out = json.loads(lines[-1])
    assert (r.returncode == 0) == ("error" not in out), f"exit {r.returncode} with {out}; stderr:\n{r.stderr}"
    return out
