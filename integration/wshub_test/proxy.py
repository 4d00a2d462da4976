"""nginx in front of wshub, set up as README.md's "Behind a proxy and TLS"
says: that section's nginx configuration, read from README.md, with only the
upstream's address, the listening address and the certificate's paths
replaced (each must be found exactly once, so the README and the tests cannot
drift apart); a self-signed certificate made with the openssl command;
nginx run in the foreground on a free port, with its pid file, logs and
temporary files in a directory of its own, as root or not."""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time

import pytest

from wshub_test import T
from wshub_test.binary import REPO, free_port

README = os.path.join(REPO, "README.md")
SECTION = "## Behind a proxy and TLS"
PACKAGES = "nginx openssl"  # Debian's


def tool(name):
    """The path of `name` (nginx lives in /usr/sbin, which a user's PATH may
    lack), or a skip, which is a failure where CI is set: CI installs both."""
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
    if path:
        return path
    why = f"{name} is not installed (apt-get install -y --no-install-recommends {PACKAGES})"
    if os.environ.get("CI"):
        pytest.fail(why + "; CI installs it, so its absence there is an error")
    pytest.skip(why)


def readme_config():
    """The first ```nginx block of README.md's proxy section, as it is written."""
    with open(README, encoding="utf-8") as f:
        text = f.read()
    at = text.find("\n" + SECTION + "\n")
    assert at >= 0, f"README.md has no {SECTION!r} section"
    block = re.search(r"\n```nginx\n(.*?)\n```\n", text[at:], re.DOTALL)
    assert block, f"README.md's {SECTION!r} has no ```nginx block"
    return block.group(1) + "\n"


def replace_once(text, old, new):
    assert text.count(old) == 1, f"README.md's nginx configuration should hold {old!r} once"
    return text.replace(old, new)


def make_certificate(directory):
    """A self-signed certificate for 127.0.0.1 (and localhost): (cert, key) paths."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
        check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=30)
    return cert, key


def client_context(cert):
    """An SSL context that trusts the test's certificate (and checks the name)."""
    return ssl.create_default_context(cafile=cert)


class Nginx:
    """nginx on 127.0.0.1:`port` proxying to wshub on 127.0.0.1:`upstream_port`."""

    def __init__(self, directory, upstream_port, cert, key):
        self.dir = str(directory)
        os.makedirs(self.dir, exist_ok=True)
        self.host = "127.0.0.1"
        self.port = free_port()
        self.cert = cert
        self.context = client_context(cert)
        site = readme_config()
        site = replace_once(site, "server 127.0.0.1:8080;", f"server 127.0.0.1:{upstream_port};")
        site = replace_once(site, "listen 443 ssl;", f"listen {self.host}:{self.port} ssl;")
        site = replace_once(site, "/etc/ssl/certs/ws.example.com.pem", cert)
        site = replace_once(site, "/etc/ssl/private/ws.example.com.key", key)
        self.conf = os.path.join(self.dir, "nginx.conf")
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.main_config(site))
        self.process = None

    def path(self, name):
        return os.path.join(self.dir, name)

    def main_config(self, site):
        """What /etc/nginx/nginx.conf would give, kept inside self.dir; the
        site inside its http block, as conf.d/ files are."""
        # As root, nginx's workers would switch to nobody, who cannot enter
        # the test's private directory: they stay root (a test's own nginx).
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "".join(f"    {kind}_temp_path {self.path(kind)};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        return (f"{user}worker_processes 1;\npid {self.path('nginx.pid')};\n"
                f"error_log {self.path('error.log')} info;\n"
                "events {\n    worker_connections 256;\n}\n"
                f"http {{\n    access_log {self.path('access.log')};\n{temp}\n{site}}}\n")

    @property
    def error_log(self):
        try:
            with open(self.path("error.log"), encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self):
        self.process = subprocess.Popen(
            [tool("nginx"), "-p", self.dir + "/", "-c", self.conf, "-e", self.path("error.log"),
             "-g", "daemon off;"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + T
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"nginx exited with {self.process.returncode}; error.log:\n{self.error_log}")
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"nginx not accepting on {self.port} after {T}s; error.log:\n{self.error_log}")
            time.sleep(0.02)

    def stop(self):
        """SIGTERM (nginx's fast shutdown), then a kill if it lingers."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(T)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(T)

    def url(self, path="/echo"):
        return f"wss://{self.host}:{self.port}{path}"
