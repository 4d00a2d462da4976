"""make install honours PREFIX and DESTDIR and installs what it says."""

import os
import subprocess

from wshub_test.binary import REPO


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
