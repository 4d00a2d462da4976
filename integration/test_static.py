"""Shipping wshub: `make install` honours PREFIX and DESTDIR and installs
what it says (the binary, the man page, libwshub.a and include/wshub); `make static` builds a fully static wshub that runs alone in
an empty root directory and as PID 1 of its own PID namespace (what a FROM
scratch container gives it).

The binary is $WSHUB_STATIC_BIN (default build/static/wshub). The tests that
need namespaces or chroot run as root (os.chroot, `unshare`), or else through
`unshare --map-root-user` where unprivileged user namespaces are allowed, and
skip with the reason otherwise. Everything listens on loopback only.
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

import pytest

from wshub_test.binary import REPO, clean_env, free_port
from wshub_test.client import RawClient
from wshub_test.frames import OP_TEXT
from wshub_test.metrics import fetch

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="static build, chroot and PID namespaces are tested on Linux only")

PT_DYNAMIC, PT_INTERP = 2, 3
DT_NULL, DT_NEEDED = 0, 1


def static_bin():
    path = os.environ.get("WSHUB_STATIC_BIN", "build/static/wshub")
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built (make static)")
    return path


# ----------------------------------------------------------- make install
def test_make_install_into_destdir(tmp_path):
    result = subprocess.run(["make", "-s", "install", f"DESTDIR={tmp_path}", "PREFIX=/opt/wshub"],
                            cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    binary = tmp_path / "opt/wshub/bin/wshub"
    page = tmp_path / "opt/wshub/share/man/man1/wshub.1"
    assert os.access(binary, os.X_OK)
    assert page.read_bytes() == (open(os.path.join(REPO, "man/wshub.1"), "rb").read())
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=5)
    assert version.returncode == 0 and version.stdout.startswith("wshub ")
    # The library and its headers (integration/test_embedder.py builds a program against them).
    library = tmp_path / "opt/wshub/lib/libwshub.a"
    assert library.read_bytes()[:8] == b"!<arch>\n", "libwshub.a is not an ar archive"
    headers = sorted(os.listdir(os.path.join(REPO, "include/wshub")))
    assert {"handler.h", "options.h", "server.h", "upgrade_request.h", "version.h"} <= set(headers), headers
    installed = tmp_path / "opt/wshub/include/wshub"
    assert sorted(os.listdir(installed)) == headers
    for name in headers:
        text = (installed / name).read_text()
        assert text == open(os.path.join(REPO, "include/wshub", name)).read()
        # Only each other and the standard library: nothing from src/.
        for line in text.splitlines():
            if line.startswith("#include \""):
                assert line.startswith('#include "wshub/'), f"{name}: {line}"


# ----------------------------------------------------------------------- ELF
def elf_dependencies(path):
    """Reads the ELF program headers (no `file`, `ldd` or binutils needed).
    Returns (interpreter or None, number of DT_NEEDED entries)."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF", f"{path} is not an ELF file"
    bits = {1: 32, 2: 64}[data[4]]
    end = {1: "<", 2: ">"}[data[5]]
    if bits == 64:
        phoff, = struct.unpack_from(end + "Q", data, 0x20)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x36)
        ph_fmt, dyn_fmt = end + "IIQQQQQQ", end + "qQ"   # p_type p_flags p_offset ... / d_tag d_val
    else:
        phoff, = struct.unpack_from(end + "I", data, 0x1C)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 0x2A)
        ph_fmt, dyn_fmt = end + "IIIIIIII", end + "iI"   # p_type p_offset ...
    interp, needed = None, 0
    for i in range(phnum):
        fields = struct.unpack_from(ph_fmt, data, phoff + i * phentsize)
        p_type = fields[0]
        p_offset = fields[2] if bits == 64 else fields[1]
        p_filesz = fields[5] if bits == 64 else fields[4]
        if p_type == PT_INTERP:
            interp = data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
        elif p_type == PT_DYNAMIC:   # a static-pie has one, but needs no library
            size = struct.calcsize(dyn_fmt)
            for off in range(p_offset, p_offset + p_filesz, size):
                tag, _ = struct.unpack_from(dyn_fmt, data, off)
                if tag == DT_NULL:
                    break
                needed += tag == DT_NEEDED
    return interp, needed


@linux_only
def test_binary_is_fully_static():
    interp, needed = elf_dependencies(static_bin())
    assert interp is None, f"static wshub asks for a dynamic loader: {interp}"
    assert needed == 0, f"static wshub needs {needed} shared libraries"
    # The parser itself: the release build is linked against a shared libc.
    release = os.path.join(REPO, "build/release/wshub")
    if os.access(release, os.X_OK):
        interp, needed = elf_dependencies(release)
        assert interp and needed > 0, "the ELF check does not see the release build's dynamic loader"


@linux_only
def test_version_runs():
    out = subprocess.run([static_bin(), "--version"], capture_output=True, text=True, timeout=5,
                         env=clean_env())
    assert out.returncode == 0 and out.stdout.startswith("wshub "), out


# ------------------------------------------------------------ helpers to run
def unshare_prefix(*flags, binary=None):
    """argv prefix running a command under `unshare FLAGS`, as root or in a
    user namespace mapped to root; skips when neither is permitted here.
    `binary` is the path of wshub as seen inside (for the probe)."""
    unshare = shutil.which("unshare")
    if not unshare:
        pytest.skip("unshare (util-linux) is not installed")
    tries = [[unshare, *flags]] if os.geteuid() == 0 else []
    tries.append([unshare, "--map-root-user", *flags])
    errors = []
    for prefix in tries:
        try:
            probe = subprocess.run([*prefix, binary or static_bin(), "--version"], capture_output=True, text=True,
                                   timeout=10, stdin=subprocess.DEVNULL, env=clean_env())
        except subprocess.TimeoutExpired:
            errors.append(f"{' '.join(prefix)}: timed out")
            continue
        if probe.returncode == 0:
            return prefix
        errors.append(f"{' '.join(prefix)}: {probe.stderr.strip()}")
    pytest.skip("cannot create namespaces here: " + "; ".join(errors))


def wait_listening(proc, port, stderr_path, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"wshub exited with {proc.returncode} before listening; stderr:\n{read(stderr_path)}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"wshub not accepting on {port} after {timeout}s; stderr:\n{read(stderr_path)}")
        time.sleep(0.02)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "replace")


def stop(proc, sig=signal.SIGTERM, pid=None, timeout=5.0):
    """Sends `sig` to `pid` (default: the process itself); returns (exit
    status, seconds taken) or fails if there is no exit within `timeout`."""
    start = time.monotonic()
    os.kill(pid or proc.pid, sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        if pid:
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.wait(5)
        pytest.fail(f"no exit within {timeout}s of {signal.Signals(sig).name}")
    return proc.returncode, time.monotonic() - start


@pytest.fixture
def procs():
    """Processes to kill at teardown if a test left them running. The PID 1
    that `unshare --fork` started goes first: it would outlive unshare."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            for pid, _, _ in children_of(p.pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            try:
                p.wait(2)   # unshare reaps its child, then exits
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def echo_and_scrape(port):
    with RawClient("127.0.0.1", port) as c:
        c.handshake("/echo")
        c.echo_roundtrip("hello from an empty root")
        c.send_frame(OP_TEXT, "ünïcödé".encode())
        c.expect_message(OP_TEXT, "ünïcödé")
        c.close_cleanly()
    text = fetch("127.0.0.1", port)
    assert 'wshub_build_info{version="0.1.0"} 1' in text.splitlines(), text[:2000]
    assert "wshub_connections_upgraded_total 1" in text.splitlines(), text[:2000]


# ------------------------------------------------------------ the empty root
@linux_only
def test_echo_and_metrics_in_an_empty_root(tmp_path, procs):
    """Nothing in the root but the binary: no /proc, /dev, /etc, /tmp, libc."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(static_bin(), root / "wshub")
    assert os.listdir(root) == ["wshub"]
    port = free_port()
    args = ["/wshub", "--listen", f"127.0.0.1:{port}", "--workers", "2"]
    if os.geteuid() == 0:
        def enter_root():
            os.chroot(root)
            os.chdir("/")
        argv, preexec = args, enter_root
    else:
        argv, preexec = [*unshare_prefix(f"--root={root}", binary="/wshub"), *args], None
    stderr_path = tmp_path / "stderr"
    with open(stderr_path, "wb") as err:
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                    env={}, preexec_fn=preexec)
        except PermissionError as e:
            pytest.skip(f"chroot not permitted here: {e}")
    procs.append(proc)
    wait_listening(proc, port, stderr_path)
    echo_and_scrape(port)
    rc, _ = stop(proc)
    assert rc == 0, read(stderr_path)
    assert os.listdir(root) == ["wshub"], "wshub wrote into its root"


# --------------------------------------------------------------------- PID 1
def children_of(pid):
    """(pid, state, name) of every process whose parent is `pid`."""
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        state, ppid = stat[stat.rindex(")") + 2:].split()[:2]
        if int(ppid) == pid:
            out.append((int(entry), state, name))
    return out


def namespace_pid1(unshare_pid, timeout=5.0):
    """The host pid of the PID-1 process `unshare --fork` started."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        kids = children_of(unshare_pid)
        if kids:
            return kids[0][0]
        time.sleep(0.01)
    pytest.fail("unshare started no child")


# PID 1 of the new namespace, before it execs wshub: leaves it a child that
# has already exited (a zombie whose SIGCHLD came and went before wshub could
# block it), a child that exits after 1.5 s, and an orphan (its parent exits
# at once) that exits after 2 s, re-parented to PID 1.
PID1_WRAPPER = """
import os, sys, time
early = os.fork()
if early == 0:
    os._exit(0)
os.waitid(os.P_PID, early, os.WEXITED | os.WNOWAIT)  # a zombie now, not reaped
if os.fork() == 0:
    time.sleep(1.5)
    os._exit(0)
middle = os.fork()
if middle == 0:
    if os.fork() == 0:
        time.sleep(2)
        os._exit(0)
    os._exit(0)
os.waitpid(middle, 0)
os.execv(sys.argv[1], sys.argv[1:])
"""


@linux_only
def test_pid1_reaps_orphans_and_stops_on_sigterm(tmp_path, procs):
    """As PID 1 of a new PID namespace: a child that exited before the server
    started, a child that exits while it runs, and an orphan re-parented to it
    are all reaped, without stopping the server; SIGTERM stops it with 0."""
    prefix = unshare_prefix("--fork", "--pid", "--mount-proc")
    port = free_port()
    stderr_path = tmp_path / "stderr"
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen([*prefix, sys.executable, "-I", "-c", PID1_WRAPPER, static_bin(),
                                 "--listen", f"127.0.0.1:{port}", "--workers", "2"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=clean_env())
    procs.append(proc)
    wait_listening(proc, port, stderr_path)
    server = namespace_pid1(proc.pid)
    with open(f"/proc/{server}/status") as f:
        status = dict(line.split(":", 1) for line in f if ":" in line)
    assert status["Name"].strip() == "wshub", status["Name"]
    assert status["NSpid"].split()[-1] == "1", f"wshub is not PID 1 in its namespace: NSpid {status['NSpid']}"
    # While the other two still sleep, the early zombie must already be gone:
    # no SIGCHLD will announce it before the others exit, so wshub must look
    # when it starts.
    deadline = time.monotonic() + 0.5
    while True:
        kids = children_of(server)
        if not any(state == "Z" for _, state, _ in kids) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert not any(state == "Z" for _, state, _ in kids), f"zombies under wshub (PID 1): {kids}"
    assert kids, "wshub started too late to see its inherited children running"

    # Both others have exited after 2 s; a zombie would stay listed.
    deadline = time.monotonic() + 5
    while (left := children_of(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"children of wshub (PID 1) not reaped: {left}"

    # Reaping did not stop it: it still serves, then stops cleanly on SIGTERM.
    assert proc.poll() is None, read(stderr_path)
    echo_and_scrape(port)
    rc, took = stop(proc, pid=server)
    assert rc == 0, f"exit status {rc}; stderr:\n{read(stderr_path)}"
    assert took < 3, f"took {took:.1f}s to stop"


def dockerfile():
    """The instructions of the Dockerfile's last stage (the image), as (NAME,
    argument), continuation lines joined."""
    out = []
    with open(os.path.join(REPO, "Dockerfile")) as f:
        text = f.read().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, arg = line.partition(" ")
            if name.upper() == "FROM":
                out = []
            out.append((name.upper(), arg.strip()))
    return out


@linux_only
def test_dockerfile_image_simulated(tmp_path, procs):
    """No container engine here: the image the Dockerfile describes, rebuilt
    by hand. PID 1 of its namespace, the binary alone in its root, its USER,
    ENV and ENTRYPOINT; stopped with SIGINT (SIGTERM is tested above)."""
    steps = dockerfile()
    assert steps[0] == ("FROM", "scratch"), steps[0]
    copies = [arg.split() for name, arg in steps if name == "COPY"]
    assert len(copies) == 1 and copies[0][-2].endswith("build/static/wshub") and copies[0][-1] == "/wshub", copies
    env = dict(arg.split("=", 1) for name, arg in steps if name == "ENV")
    exposed = [arg for name, arg in steps if name == "EXPOSE"]
    assert env.get("WSHUB_LISTEN") == f"0.0.0.0:{exposed[0]}", (env, exposed)
    user = [arg for name, arg in steps if name == "USER"][-1]
    uid, _, gid = user.partition(":")
    entrypoint = json.loads([arg for name, arg in steps if name == "ENTRYPOINT"][-1])
    assert entrypoint[0] == "/wshub", entrypoint

    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(static_bin(), root / "wshub")
    ids = [f"--setuid={uid}", f"--setgid={gid or uid}"] if os.geteuid() == 0 else []
    prefix = unshare_prefix("--fork", "--pid", f"--root={root}", *ids, binary="/wshub")
    port = free_port()
    stderr_path = tmp_path / "stderr"
    # As `docker run IMAGE --listen ...` would (loopback only here): a flag on
    # the command line wins over the image's WSHUB_LISTEN.
    with open(stderr_path, "wb") as err:
        proc = subprocess.Popen([*prefix, *entrypoint, "--listen", f"127.0.0.1:{port}"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
    procs.append(proc)
    wait_listening(proc, port, stderr_path)
    server = namespace_pid1(proc.pid)
    if ids:
        with open(f"/proc/{server}/status") as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        assert status["Uid"].split()[:2] == [uid, uid] and status["Gid"].split()[0] == (gid or uid), status
    echo_and_scrape(port)
    rc, took = stop(proc, sig=signal.SIGINT, pid=server)
    assert rc == 0, f"exit status {rc}; stderr:\n{read(stderr_path)}"
    assert took < 3, f"took {took:.1f}s to stop"
