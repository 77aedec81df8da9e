"""The build server: the same outputs and messages as a build without it, only sooner."""

from __future__ import annotations

import os
import pty
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from report import client, identity
from report.sources import PARALLEL_BELOW_BYTES
from tests.conftest import CONTENT, ROOT, listing, repeated_brief, run_report, server_socket

REPORT = [sys.executable, "-m", "report"]


report = run_report


def commands_served(env: dict[str, str]) -> int:
    status = report("server", "status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    return int(status.stdout.split("; ")[1].split()[0])


def test_a_build_through_the_server_is_byte_identical(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    served_before = commands_served(build_server)
    through = report("build", str(CONTENT), "-o", str(tmp_path / "server"), env=build_server)
    assert through.returncode == 0, through.stderr
    assert commands_served(build_server) == served_before + 1
    here = report(
        "build", "--no-server", str(CONTENT), "-o", str(tmp_path / "here"), env=build_server
    )
    assert here.returncode == 0, here.stderr
    assert commands_served(build_server) == served_before + 1  # --no-server: built here
    for name in ("belarus-nato.pdf", "belarus-nato.epub"):
        assert (tmp_path / "server" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()
    assert "wrote" in through.stdout and "built 2 file(s)" in through.stdout


def test_the_server_works_in_the_callers_folder_and_environment(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    env = {**build_server, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    served_before = commands_served(build_server)
    # content/ and build/ are found here; the folders made get this caller's permissions
    result = report("build", "-f", "epub", env=env, cwd=tmp_path, umask=0o077)
    assert result.returncode == 0, result.stderr
    assert commands_served(build_server) == served_before + 1
    assert listing(tmp_path / "build") == ["belarus-nato.epub"]
    assert (tmp_path / "build").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "cache" / "report").is_dir()  # the caller's cache, not the server's


def test_large_content_builds_in_the_calling_process(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    large = repeated_brief(tmp_path / "large.yaml", 30)
    assert large.stat().st_size > PARALLEL_BELOW_BYTES
    served_before = commands_served(build_server)
    result = report("build", "-f", "epub", str(large), "-o", str(tmp_path), env=build_server)
    assert result.returncode == 0, result.stderr
    assert commands_served(build_server) == served_before  # built here: memory as without it
    assert listing(tmp_path) == ["large.epub", "large.yaml"]


def test_content_errors_and_exit_codes_come_back_unchanged(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONTENT.read_text(encoding="utf-8").replace("title:", "titel:", 1))
    through = report("build", str(bad), "-o", str(tmp_path), env=build_server)
    here = report("build", "--no-server", str(bad), "-o", str(tmp_path), env=build_server)
    assert through.returncode == here.returncode == 1
    assert through.stderr == here.stderr
    assert f"{bad}:" in through.stderr and "did you mean 'title'" in through.stderr
    usage = report("build", "-f", "docx", env=build_server)
    assert usage.returncode == 2 and "unknown format 'docx'" in usage.stderr


def test_an_edited_tool_never_talks_to_an_older_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "code" / "report"
    shutil.copytree(Path(identity.PACKAGE), copy)
    monkeypatch.setattr(identity, "PACKAGE", str(copy))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "runtime"))
    before = client.socket_path()
    with (copy / "build.py").open("a") as source:
        source.write("\n# an edit\n")
    assert client.socket_path() != before


def test_a_folder_others_can_enter_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir(mode=0o755)
    (tmp_path / "report").chmod(0o755)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path), "REPORT_SERVER": "on"}
    result = report("build", "-f", "epub", str(CONTENT), "-o", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    assert "not using a build server" in result.stderr and "not a private folder" in result.stderr
    assert listing(tmp_path / "out") == ["belarus-nato.epub"]


def test_a_dead_servers_socket_is_cleared_and_the_build_runs_here(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "REPORT_SERVER": "on"}
    stale = server_socket(env)
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(stale))
    listener.close()  # the file stays; nobody listens
    result = report("build", "-f", "epub", str(CONTENT), "-o", str(tmp_path / "out"), env=env)
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    assert "build server" not in result.stderr  # not a terminal: none is started
    assert report("server", "status", env=env).returncode == 3


def test_a_build_at_a_terminal_starts_a_server_for_the_next(tmp_path: Path) -> None:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "REPORT_SERVER": "on"}
    env.pop("CI", None)
    command = [*REPORT, "build", "-f", "epub", str(CONTENT), "-o", str(tmp_path / "out")]
    pid, terminal = pty.fork()
    if pid == 0:  # the child: its output is the terminal
        os.chdir(ROOT)
        os.execve(command[0], command, env)
    output = b""
    while True:
        try:
            chunk = os.read(terminal, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, output
    assert b"started a build server" in output
    try:
        ready = subprocess.run(
            [
                sys.executable,
                "-c",
                "from report import server; print(server.wait_until_ready("
                "__import__('report.client').client.socket_path()))",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert "'pid'" in ready.stdout, ready.stderr
        result = report("build", "-f", "epub", str(CONTENT), "-o", str(tmp_path / "out"), env=env)
        assert "up to date" in result.stdout
        assert commands_served(env) == 1
    finally:
        report("server", "stop", env=env)
    assert report("server", "status", env=env).returncode == 3


def test_a_silent_connection_neither_stops_nor_holds_up_the_server(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    silent = socket.socket(socket.AF_UNIX)
    silent.connect(str(server_socket(build_server)))  # and sends nothing
    try:
        time.sleep(3)  # longer than the server waits for a request
        result = report("build", "-f", "epub", str(CONTENT), "-o", str(tmp_path), env=build_server)
        assert result.returncode == 0, result.stderr
        assert commands_served(build_server) >= 1
    finally:
        silent.close()


def test_a_reader_that_goes_away_ends_the_build_quietly(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    for env in (build_server, {**build_server, "REPORT_SERVER": "off"}):
        command = [*REPORT, "build", "--force", "-f", "epub", str(CONTENT), "-o", str(tmp_path)]
        reader, writer = os.pipe()
        os.close(reader)  # like `report build | head -0`
        process = subprocess.run(
            command,
            env=env,
            cwd=ROOT,
            stdout=writer,
            capture_output=False,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(writer)
        assert process.returncode == 128 + signal.SIGPIPE
        assert process.stderr == ""
        assert listing(tmp_path) == ["belarus-nato.epub"]  # written before the output


def test_stopping_the_server_mid_build_lets_a_new_one_start(
    build_server: dict[str, str], tmp_path: Path
) -> None:
    longer = repeated_brief(tmp_path / "longer.yaml", 5)
    command = [*REPORT, "build", str(longer), "-o", str(tmp_path / "out")]
    building = subprocess.Popen(
        command,
        env=build_server,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        time.sleep(1.0)
        assert report("server", "stop", env=build_server).returncode == 0
        started = report("server", "start", env=build_server)  # the build still runs
        assert started.returncode == 0 and "running at" in started.stdout, started.stderr
    finally:
        _, errors = building.communicate(timeout=120)
    assert building.returncode == 0, errors
    assert listing(tmp_path / "out") == ["longer.epub", "longer.pdf"]
