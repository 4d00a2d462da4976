"""The Dockerfile builds from a fresh clone (no Docker engine is needed to
check it): its build stage copies only files the repository tracks, which
.dockerignore lets through, and from those alone `make static` has every
input it needs (a dry run in a directory holding just them); the image is
FROM scratch with the static binary as its entry point."""

import fnmatch
import os
import shutil
import subprocess

from wshub_test.binary import REPO


def stages():
    """[(base, [instruction lines])] of the Dockerfile, continuations joined."""
    with open(os.path.join(REPO, "Dockerfile")) as f:
        text = f.read().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            out.append((line, []))
        else:
            out[-1][1].append(line)
    return out


def copied_sources(lines):
    """The sources of a stage's COPY lines that read the build context."""
    srcs = []
    for line in lines:
        words = line.split()
        if words[0].upper() == "COPY" and not any(w.startswith("--from") for w in words):
            srcs += [w.rstrip("/") for w in words[1:-1]]
    return srcs


def ignored(path):
    """Whether .dockerignore keeps `path` from the context (its last matching
    pattern decides; `!` lets through)."""
    with open(os.path.join(REPO, ".dockerignore")) as f:
        patterns = [p.strip() for p in f if p.strip() and not p.startswith("#")]
    verdict = False
    for p in patterns:
        negate = p.startswith("!")
        pat = p[1:].rstrip("/") if negate else p.rstrip("/")
        parts = path.split("/")
        if any(fnmatch.fnmatch("/".join(parts[:i]), pat) for i in range(1, len(parts) + 1)):
            verdict = not negate
    return verdict


def tracked():
    out = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    return out.split()


def test_build_stage_reads_only_tracked_files_the_context_sends():
    (build_from, build), (final_from, final) = stages()
    assert "AS build" in build_from and final_from == "FROM scratch", (build_from, final_from)
    files = tracked()
    for src in copied_sources(build):
        under = [f for f in files if f == src or f.startswith(src + "/")]
        assert under, f"COPY {src}: nothing tracked there, a fresh clone has no such file"
        sent = [f for f in under if not ignored(f)]
        assert sent == under, f".dockerignore keeps {sorted(set(under) - set(sent))[:5]} of COPY {src} out"
    assert any("make" in line and " static" in line for line in build if line.upper().startswith("RUN"))
    assert "COPY --from=build /src/build/static/wshub /wshub" in final
    assert 'ENTRYPOINT ["/wshub"]' in final


def test_make_static_needs_nothing_but_what_is_copied(tmp_path):
    (_, build), _ = stages()
    files = tracked()
    for src in copied_sources(build):
        for f in files:
            if f == src or f.startswith(src + "/"):
                os.makedirs(tmp_path / os.path.dirname(f), exist_ok=True)
                shutil.copy2(os.path.join(REPO, f), tmp_path / f)
    dry = subprocess.run(["make", "-n", "static"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert dry.returncode == 0, dry.stderr
    assert "build/static/wshub" in dry.stdout
