"""Hand a command to the build server, when one is running (standard library only).

A build spends most of a small brief's time starting Python and importing WeasyPrint, pydantic,
Jinja and EbookLib. The build server (report/server.py) keeps them imported; for each command it
forks a process that takes over this process's standard input, output and error (passed over a
Unix socket), working folder and environment, runs the command exactly as `report` would here,
and returns its exit status. Ctrl-C here interrupts it there.

The server is found by a name derived from the tool's code and Python installation, so an edited
or upgraded tool never talks to a server running older code.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import socket
import stat
import sys
import sysconfig
from collections.abc import Iterator, Sequence

from report.identity import code_digests

SERVED_COMMANDS = ("build", "check")
NO_SERVER_FLAG = "--no-server"
# Set to off (or 0, no, false) to never use or start a build server.
SWITCH = "REPORT_SERVER"


class ServerLost(RuntimeError):
    """The server's process ended before reporting the command's exit status."""


def main() -> int:
    """The `report` command: run on the build server when one runs, else here; from a
    terminal, start a server for the next command."""
    argv = sys.argv[1:]
    path = None
    if enabled(argv) and not _large_content(argv):
        try:
            path = socket_path()
            status = run_on_server(argv, path)
        except OSError as err:  # an unsafe or unwritable runtime folder: run here, say why
            print(f"report: not using a build server: {err}", file=sys.stderr)
            path, status = None, None
        except ServerLost as err:
            print(f"report: error: {err}", file=sys.stderr)
            return 1
        if status is not None:
            return status
    from report.cli import main as run_here

    status = run_here(argv)
    if path and sys.stderr.isatty() and not os.environ.get("CI"):
        from report.server import start_in_background

        start_in_background(path)
        print(
            "report: started a build server to make the next builds faster"
            " (it stops after 15 idle minutes; `report server stop` stops it now)",
            file=sys.stderr,
        )
    return status


def enabled(argv: Sequence[str]) -> bool:
    """Whether this command may go through a build server."""
    switched_off = os.environ.get(SWITCH, "").lower() in ("off", "0", "no", "false")
    return (
        bool(argv)
        and argv[0] in SERVED_COMMANDS
        and NO_SERVER_FLAG not in argv
        and not switched_off
        and hasattr(socket, "AF_UNIX")
        and hasattr(os, "fork")
    )


def _large_content(argv: Sequence[str]) -> bool:
    """Whether the command's content is large enough to build in this process instead.

    Above PARALLEL_BELOW_BYTES a build takes many seconds, so the server would save under 2 % of
    it, while the server and its fork together peaked 110 MiB above a build in one process (462
    against 350 MiB at 50 times the brief). Named files are the arguments that are YAML files;
    a wrong guess costs only time, never a different output.
    """
    from pathlib import Path

    from report.sources import DEFAULT_CONTENT, PARALLEL_BELOW_BYTES, content_bytes, content_files

    named = [Path(arg) for arg in argv[1:] if arg.endswith((".yaml", ".yml"))]
    sources = [path for path in named if path.is_file()] or content_files(DEFAULT_CONTENT)
    return content_bytes(sources) > PARALLEL_BELOW_BYTES


def socket_path() -> str:
    """Where this installation's build server listens: a private folder of this user's."""
    identity = {
        "code": code_digests(),
        "python": sys.executable,
        # Installing or removing a package changes the folder: a server with stale imports
        # is never reused.
        "packages": os.stat(sysconfig.get_paths()["purelib"]).st_mtime_ns,
        # Read once, when Python or a library starts: the locale (file name and font path
        # encodings) and Python's own settings (PYTHONPATH, PYTHONWARNINGS, ...).
        "settings": {
            name: value
            for name, value in os.environ.items()
            if name.startswith(("PYTHON", "LC_")) or name == "LANG"
        },
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return os.path.join(private_folder(), f"build-{digest[:16]}.sock")


def private_folder() -> str:
    """This user's runtime folder for report, created readable by nobody else.

    $XDG_RUNTIME_DIR/report when set (already private), else report-<uid> in the temporary folder.
    A folder someone else owns, or others can enter, is refused: a socket there could be theirs.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        folder = os.path.join(runtime, "report")
    else:
        import tempfile  # only here: it costs a few milliseconds to import

        folder = os.path.join(tempfile.gettempdir(), f"report-{os.getuid()}")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    info = os.lstat(folder)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise PermissionError(f"{folder} is not a private folder of this user")
    return folder


def run_on_server(argv: Sequence[str], path: str | None = None) -> int | None:
    """Run a command on the build server and return its exit status, or None when no server
    took it (nothing has run then: the caller runs it here)."""
    if not all(_is_open(fd) for fd in (0, 1, 2)):
        return None  # a closed standard stream cannot be handed over: run here
    try:
        connection = connect(path or socket_path())
    except OSError:
        return None
    with connection:
        request = {
            "argv": list(argv),
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "streams": [_stream_encoding(sys.stdout), _stream_encoding(sys.stderr)],
            "umask": _umask(),
        }
        try:
            send_message(connection, request, fds=[0, 1, 2])
            reader = connection.makefile("r", encoding="utf-8")
            started = reader.readline()
        except KeyboardInterrupt:
            return 130  # Ctrl-C before the command started: nothing has run
        except OSError:
            return None  # the server went away before starting anything
        if not started:
            return None
        pid = json.loads(started)["pid"]
        with _signals_forwarded_to(pid) as forwarded:
            finished = reader.readline()
        if finished:
            return int(json.loads(finished)["exit"])
        if forwarded:  # ended by the signal we passed on, as it would have ended here
            return 128 + forwarded[-1]
        raise ServerLost(
            "the build server's process ended unexpectedly; run again with --no-server"
        )


def connect(path: str) -> socket.socket:
    """Connect to the server at `path`; a socket file nobody listens on is removed."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(path)
    except ConnectionRefusedError:
        connection.close()
        with contextlib.suppress(OSError):
            os.unlink(path)  # left by a server that was killed
        raise
    except OSError:
        connection.close()
        raise
    return connection


def send_message(connection: socket.socket, message: dict, fds: Sequence[int] = ()) -> None:
    """Send one JSON message, length first, with file descriptors attached to its first bytes."""
    data = json.dumps(message).encode()
    framed = len(data).to_bytes(8, "big") + data
    sent = socket.send_fds(connection, [framed], list(fds)) if fds else connection.send(framed)
    if sent < len(framed):  # never send nothing: the server may have answered and closed already
        connection.sendall(framed[sent:])


def _is_open(fd: int) -> bool:
    try:
        os.fstat(fd)
    except OSError:
        return False
    return True


def _stream_encoding(stream: object) -> tuple[str, str]:
    """The encoding and error handler of one of this process's text streams, to reuse there."""
    return (
        getattr(stream, "encoding", None) or "utf-8",
        getattr(stream, "errors", None) or "strict",
    )


def _umask() -> int:
    mask = os.umask(0o077)  # reading it means setting it: put it back at once
    os.umask(mask)
    return mask


@contextlib.contextmanager
def _signals_forwarded_to(pid: int) -> Iterator[list[int]]:
    """Pass Ctrl-C and termination to the command's process group, as a terminal would;
    yield the list of signals passed on so far."""
    forwarded: list[int] = []

    def forward(number: int, _frame: object) -> None:
        forwarded.append(number)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, number)

    numbers = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
    previous = {number: signal.signal(number, forward) for number in numbers}
    try:
        yield forwarded
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
