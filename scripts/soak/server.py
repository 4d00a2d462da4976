"""The wshub under soak: started on a free loopback port with the soak's
flags and a publish token file, its log kept in the output directory,
stopped with SIGTERM."""

import os
import signal
import socket
import subprocess
import time

from wshub_test.binary import clean_env, free_port


class SoakServer:
    host = "127.0.0.1"

    def __init__(self, binary, out_dir, overflow, log_level):
        self.port = free_port()
        self.token = "soak-" + os.urandom(12).hex()
        token_path = os.path.join(out_dir, "publish.token")
        fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.token + "\n")
        self.args = [
            binary, "--listen", f"{self.host}:{self.port}", "--workers", "2",
            "--route", "/raw=raw", "--route", "/ws=json",
            "--overflow", overflow, "--queue-bytes", "256KiB",
            "--publish-token-file", token_path, "--log-level", log_level,
        ]
        self.log_path = os.path.join(out_dir, "wshub.log")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                            env=clean_env())

    @property
    def pid(self):
        return self.process.pid

    def exit_status(self):
        """None while it runs."""
        return self.process.poll()

    def wait_ready(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.02)
        self.process.kill()
        raise RuntimeError(f"wshub did not start (exit {self.process.wait()}); see {self.log_path}")

    def stop(self, timeout=30.0):
        """SIGTERM, then its exit status; None (after SIGKILL) if it did not
        exit within `timeout` s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None
