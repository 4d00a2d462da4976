"""man/wshub.1: names exactly the flags `wshub --help` prints, and renders
without a single warning."""

import os
import re
import shutil
import subprocess

import pytest

from wshub_test.binary import REPO, run_wshub

MANPAGE = os.path.join(REPO, "man", "wshub.1")

# The Debian package that provides groff (a dependency of man-db, so usually
# already there; a minimal image such as the CI's fresh Debian 12 lacks it).
GROFF_PACKAGE = "groff-base"


def help_flags():
    r = run_wshub("--help")
    assert r.returncode == 0, r
    flags = set(re.findall(r"^\s*(--[a-z][a-z0-9-]*)", r.stdout, re.MULTILINE))
    assert "--help" in flags and "--listen" in flags, f"could not read the flags from --help:\n{r.stdout}"
    return flags


def manpage_options():
    """The flags of the `.It Fl -name ...` entries: the options list (and any
    other tagged list item that starts with a flag)."""
    with open(MANPAGE, encoding="utf-8") as f:
        text = f.read()
    # `Fl -listen` renders as --listen; accept `\-` too.
    names = re.findall(r"^\.It Fl \\?-([a-z][a-z0-9-]*)", text, re.MULTILINE)
    return {"--" + n for n in names}


def test_manpage_options_match_help():
    in_help = help_flags()
    in_man = manpage_options()
    missing = sorted(in_help - in_man)
    extra = sorted(in_man - in_help)
    assert not missing and not extra, (
        f"man/wshub.1 and `wshub --help` disagree:\n"
        f"  in --help but no `.It Fl` entry in the man page: {missing}\n"
        f"  `.It Fl` entries in the man page not in --help: {extra}"
    )


def render_commands():
    """The lint commands available here, as argument lists."""
    commands = []
    if shutil.which("mandoc"):
        commands.append(["mandoc", "-Tlint", "-Wwarning", MANPAGE])
    if shutil.which("groff"):
        # The default device, and the terminal one `man` uses (line breaking
        # differs, so a line that cannot be broken shows up in only one).
        commands.append(["groff", "-mandoc", "-ww", "-z", MANPAGE])
        commands.append(["groff", "-mandoc", "-ww", "-z", "-Tutf8", MANPAGE])
    return commands


def test_manpage_renders_without_warnings():
    commands = render_commands()
    if not commands:
        pytest.fail(
            "neither groff nor mandoc is installed, so man/wshub.1 cannot be checked; "
            f"install groff with:\n  apt-get install -y {GROFF_PACKAGE}"
        )
    for cmd in commands:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30,
                           env={**os.environ, "LC_ALL": "C.UTF-8"})
        # mandoc -Tlint reports on stdout, groff on stderr; -z prints nothing else.
        assert r.returncode == 0 and r.stderr == "" and r.stdout == "", (
            f"{' '.join(cmd)} exited {r.returncode}; stdout:\n{r.stdout}\nstderr:\n{r.stderr}"
        )
