"""The build server: WeasyPrint, pydantic, Jinja and EbookLib imported once, a fork per command.

`report build` and `report check` go through it when it runs (see report/client.py). It imports
everything a build uses, renders a tiny PDF to finish WeasyPrint's own set-up, then waits on a
Unix socket in a private folder. Each command runs in a forked process, so commands never share
state and run side by side; the outputs are the same as those of a build without the server (the
tests compare them byte for byte). It stops after IDLE_SECONDS without a command.

Started by `report server start`, or in the background after a build run from a terminal.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

from report.client import connect, send_message, socket_path

IDLE_SECONDS = 15 * 60
MAX_REQUEST_BYTES = 4 * 1024 * 1024  # argv and environment; far more than any real one


def start_in_background(path: str | None = None) -> None:
    """Start a server in its own session, detached from this terminal (returns at once)."""
    command = [sys.executable, "-m", "report.server", path or socket_path()]
    subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def wait_until_ready(path: str, seconds: float = 60) -> dict | None:
    """Wait for a starting server to answer (it warms up first); return its status."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = control("status", path)
        if status is not None:
            return status
        time.sleep(0.1)
    return None


def control(request: str, path: str | None = None) -> dict | None:
    """Ask the running server for its `status`, or to `stop`; None when none is running."""
    try:
        connection = connect(path or socket_path())
    except OSError:
        return None
    with connection:
        send_message(connection, {"control": request})
        reply = connection.makefile("r", encoding="utf-8").readline()
    return json.loads(reply) if reply else None


def serve_forever(path: Path, idle: float = IDLE_SECONDS) -> None:
    """Warm up, listen at `path`, and fork a process per command until idle for `idle` s."""
    lock = _exclusive_lock(path.with_suffix(".lock"))
    if lock is None:
        return  # another server for this code is starting or running
    os.chdir("/")  # hold no folder of the user's (each command moves to its caller's)
    warm_up()
    with contextlib.suppress(FileNotFoundError):
        path.unlink()  # left by a server that was killed (we hold the lock: none is running)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(16)
    listener.settimeout(idle)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished commands are reaped by the kernel
    started, commands = time.time(), 0
    try:
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                break
            with connection:
                request, fds = _receive(connection)
                if request.get("control") == "stop":
                    _reply(connection, {"stopped": os.getpid()})
                    break
                if request.get("control") == "status":
                    status = {"pid": os.getpid(), "started": started, "commands": commands}
                    _reply(connection, status)
                    continue
                if "argv" in request and len(fds) == 3:
                    commands += 1
                    _fork_command(listener, connection, request, fds)
                for fd in fds:
                    os.close(fd)
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(lock)


def warm_up() -> None:
    """Import what commands use and let WeasyPrint set itself up once (its C type parsing,
    Fontconfig), then freeze the heap so forked commands share it instead of copying it."""
    import report.build
    import report.cli
    import report.epub
    import report.fonts
    import report.pdf
    import report.pdf_worker  # noqa: F401 - imported for the commands' benefit
    from report.engine import import_weasyprint

    weasyprint = import_weasyprint()
    html = '<html lang="en"><title>Warm-up</title><p>Warm-up <a href="#x">page</a> 1.</p></html>'
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    weasyprint.HTML(string=html).render(**options).write_pdf(**options)
    gc.collect()
    gc.freeze()


def _fork_command(
    listener: socket.socket, connection: socket.socket, request: dict, fds: list[int]
) -> None:
    if os.fork() != 0:
        return
    status = 1
    try:
        listener.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command waits for its own workers
        os.setpgid(0, 0)  # Ctrl-C at the client reaches this process and its workers only
        status = _run_command(connection, request, fds)
    finally:
        os._exit(status)


def _run_command(connection: socket.socket, request: dict, fds: list[int]) -> int:
    """Become the client's command: its standard streams, folder and environment; then run."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    encoding = request.get("encoding") or "utf-8"
    sys.stdout = _text_stream(1, encoding)
    sys.stderr = _text_stream(2, encoding, errors="backslashreplace")
    os.chdir(request["cwd"])
    os.umask(request.get("umask", 0o022))  # new files get the caller's permissions
    os.environ.clear()
    os.environ.update(request["env"])
    _reply(connection, {"pid": os.getpid()})
    finished = threading.Event()
    watcher = threading.Thread(
        target=_interrupt_when_client_leaves, args=(connection, finished), daemon=True
    )
    watcher.start()
    from report.cli import main

    try:
        status = main(request["argv"])
    except SystemExit as exit_:  # argparse: --help, or a usage error
        status = exit_.code if isinstance(exit_.code, int) else 2
    except BaseException:  # a bug: show it as a build without the server would
        traceback.print_exc()
        status = 1
    finished.set()
    sys.stdout.flush()
    sys.stderr.flush()
    _reply(connection, {"exit": status})
    return 0


def _text_stream(fd: int, encoding: str, errors: str = "strict") -> io.TextIOWrapper:
    binary = open(fd, "wb", closefd=False)  # noqa: SIM115 - lives as long as the process
    return io.TextIOWrapper(
        binary, encoding=encoding, errors=errors, line_buffering=os.isatty(fd), write_through=True
    )


def _interrupt_when_client_leaves(connection: socket.socket, finished: threading.Event) -> None:
    """A client killed outright cannot forward Ctrl-C; treat its going away as one."""
    with contextlib.suppress(OSError):
        while connection.recv(1):
            pass
        if not finished.is_set():
            os.killpg(0, signal.SIGINT)


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    """Read one message (length first) and the file descriptors sent with it."""
    connection.settimeout(5)
    data, fds, _, _ = socket.recv_fds(connection, 65536, 3)
    try:
        if len(data) < 8:
            return {}, fds
        size = int.from_bytes(data[:8], "big")
        if size > MAX_REQUEST_BYTES:
            return {}, fds
        data = data[8:]
        while len(data) < size:
            chunk = connection.recv(size - len(data))
            if not chunk:
                return {}, fds
            data += chunk
        return json.loads(data), fds
    except (OSError, ValueError):
        return {}, fds
    finally:
        connection.settimeout(None)


def _reply(connection: socket.socket, message: dict) -> None:
    with contextlib.suppress(OSError):
        connection.sendall(json.dumps(message).encode() + b"\n")


def _exclusive_lock(path: Path) -> int | None:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


if __name__ == "__main__":
    serve_forever(Path(sys.argv[1]))
