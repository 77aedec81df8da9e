"""Interrupted and concurrent builds never cost the user a good output."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest

from report.files import write_all
from report.pipeline import build
from tests.conftest import ROOT, listing, repeated_brief


@pytest.fixture(scope="module")
def long_brief(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The brief with its sections repeated ten times: a build that takes several seconds."""
    return repeated_brief(tmp_path_factory.mktemp("long") / "long.yaml", 10)


def start_build(source: Path, out: Path, *options: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "report", "build", "--force", str(source), "-o", str(out)]
    return subprocess.Popen(
        [*command, *options], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def wait_for_stage(process: subprocess.Popen[str], stage: str) -> None:
    """Read the build's --progress lines until `stage` (nothing is written before the last)."""
    for line in process.stderr:
        if stage in line:
            return
    raise AssertionError(f"the build ended before {stage!r}")


def wait_until_ended(marker: str) -> None:
    """Wait until no process has `marker` in their command line (forked workers keep their
    parent's): an interrupted or killed build leaves no process behind."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        processes = [
            pid for pid in os.listdir("/proc") if pid.isdigit() and marker in _command_line(pid)
        ]
        if not processes:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes left behind: {processes}")


def _command_line(pid: str) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def assert_valid_outputs(out: Path, stem: str) -> None:
    with pikepdf.open(out / f"{stem}.pdf") as pdf:
        assert len(pdf.pages) > 1
    with zipfile.ZipFile(out / f"{stem}.epub") as book:
        assert book.testzip() is None


@pytest.mark.parametrize("workers", ["1", "2"], ids=["one-process", "pdf-worker"])
@pytest.mark.parametrize(
    "how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "term", "kill"]
)
def test_an_interrupted_build_leaves_the_previous_outputs(
    long_brief: Path,
    tmp_path: Path,
    how: signal.Signals,
    workers: str,
) -> None:
    out = tmp_path / "out"
    build([long_brief], out)
    before = {name: (out / name).read_bytes() for name in listing(out)}
    written = {name: (out / name).stat().st_mtime_ns for name in before}
    process = start_build(long_brief, out, "--progress", "-j", workers)
    wait_for_stage(process, "rendering PDF")
    process.send_signal(how)
    process.wait(timeout=60)
    wait_until_ended(str(out))
    after = {name: (out / name).read_bytes() for name in listing(out) if not name.startswith(".")}
    assert after == before
    # Not even rewritten with the same bytes: the interrupted build wrote nothing.
    assert {name: (out / name).stat().st_mtime_ns for name in before} == written
    errors = process.stderr.read()
    assert "Traceback" not in errors
    if how == signal.SIGINT:
        assert process.returncode == 130
        assert "interrupted; previous outputs are untouched" in errors
        assert listing(out) == sorted(before)
    if how == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM
    build([long_brief], out)  # the next build cleans what a killed one left behind
    assert listing(out) == sorted(before)


def test_concurrent_builds_never_leave_a_corrupt_file(long_brief: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    processes = [start_build(long_brief, out) for _ in range(2)]
    for process in processes:
        process.wait(timeout=300)
        assert process.returncode == 0, process.stderr.read()
    assert_valid_outputs(out, "long")
    assert listing(out) == ["long.epub", "long.pdf"]


def test_leftovers_of_a_live_build_are_kept(tmp_path: Path) -> None:
    live = tmp_path / f".x.pdf.{1}.abc.part"  # pid 1 is always alive
    dead = tmp_path / ".x.pdf.999999999.abc.part"
    live.write_bytes(b"")
    dead.write_bytes(b"")
    write_all([(tmp_path / "x.pdf", b"%PDF")])
    assert live.exists() and not dead.exists()
