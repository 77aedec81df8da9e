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


def start_in_background(path: str | None = None) -> subprocess.Popen[bytes]:
    """Start a server in its own session, detached from this terminal (returns at once)."""
    # -P and cwd "/": import the installed tool, never a `report` folder where the caller stands.
    command = [sys.executable, "-P", "-m", "report.server", path or socket_path()]
    return subprocess.Popen(
        command,
        cwd="/",
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )


def wait_until_ready(
    path: str, process: subprocess.Popen[bytes] | None = None, seconds: float = 60
) -> dict | None:
    """Wait for a starting server to answer (it warms up first); return its status, or None
    if it does not answer in time or the process started for it failed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = control("status", path)
        if status is not None:
            return status
        if process is not None and process.poll():
            return None  # it failed (ending with 0 means another server is on its way)
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
    """Warm up, listen at `path`, and fork a process per command until no command came for
    `idle` seconds or the tool's code or packages changed (a new server will be started)."""
    if str(path) != socket_path():
        return  # named for other code than this process imports: it must not serve
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
    listener.settimeout(min(idle, 60))
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # finished commands are reaped by the kernel
    state = {"pid": os.getpid(), "started": time.time(), "commands": 0}
    last_command = time.monotonic()
    try:
        while True:
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                if time.monotonic() - last_command > idle or _stale(path):
                    break
                continue
            with connection:
                try:
                    outcome = _handle(connection, listener, lock, state)
                except Exception:  # one bad connection must not stop the server
                    continue
            if outcome == "stop":
                break
            if outcome == "command":
                last_command = time.monotonic()
    finally:
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        os.close(lock)


def _handle(connection: socket.socket, listener: socket.socket, lock: int, state: dict) -> str:
    """Answer a control message or fork the command; say which it was."""
    request, fds = _receive(connection)
    try:
        if request.get("control") == "stop":
            _reply(connection, {"stopped": os.getpid()})
            return "stop"
        if request.get("control") == "status":
            _reply(connection, state)
            return "status"
        if "argv" in request and len(fds) == 3:
            state["commands"] += 1
            _fork_command(connection, request, fds, inherited=[listener.fileno(), lock])
            return "command"
        return "ignored"
    finally:
        for fd in fds:
            os.close(fd)


def _stale(path: Path) -> bool:
    """Whether the tool's code or packages changed since this server started."""
    try:
        return str(path) != socket_path()
    except OSError:
        return True


def warm_up() -> None:
    """Import what commands use and let WeasyPrint set itself up once (its C type parsing,
    Fontconfig), then freeze the heap so forked commands share it instead of copying it."""
    import uharfbuzz  # noqa: F401 - report.fonts loads it when a font subset is not cached

    import report.build
    import report.cli
    import report.epub
    import report.fonts
    import report.pdf
    import report.pdf_worker  # noqa: F401 - imported for the commands' benefit
    from report.engine import import_weasyprint
    from report.validation import validator

    validator()

    weasyprint = import_weasyprint()
    html = '<html lang="en"><title>Warm-up</title><p>Warm-up <a href="#x">page</a> 1.</p></html>'
    options = {"pdf_variant": "pdf/ua-1", "pdf_tags": True}
    weasyprint.HTML(string=html).render(**options).write_pdf(**options)
    gc.collect()
    gc.freeze()


def _fork_command(
    connection: socket.socket, request: dict, fds: list[int], inherited: list[int]
) -> None:
    if os.fork() != 0:
        return
    status = 1
    try:
        for fd in inherited:  # the listener and the server's lock are not the command's
            os.close(fd)
        # As in a process of its own: the server may have been started where Ctrl-C was
        # ignored (`command &` in a script), and its children would inherit that.
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the command waits for its own workers
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(number, signal.SIG_DFL)
        os.setpgid(0, 0)  # Ctrl-C at the client reaches this process and its workers only
        status = _run_command(connection, request, fds)
    finally:
        os._exit(status)


def _run_command(connection: socket.socket, request: dict, fds: list[int]) -> int:
    """Become the client's command: its standard streams, folder and environment; then run."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    (out_encoding, out_errors), (err_encoding, err_errors) = request["streams"]
    sys.stdout = _text_stream(1, out_encoding, out_errors, line_buffering=os.isatty(1))
    sys.stderr = _text_stream(2, err_encoding, err_errors, line_buffering=True)
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
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a reader that went away
            stream.flush()
    _reply(connection, {"exit": status})
    return 0


def _text_stream(fd: int, encoding: str, errors: str, line_buffering: bool) -> io.TextIOWrapper:
    """A text stream like the one Python gives the caller (standard error is always
    line-buffered, standard output only on a terminal)."""
    binary = open(fd, "wb", closefd=False)  # noqa: SIM115 - lives as long as the process
    return io.TextIOWrapper(binary, encoding=encoding, errors=errors, line_buffering=line_buffering)


def _interrupt_when_client_leaves(connection: socket.socket, finished: threading.Event) -> None:
    """A client killed outright cannot forward Ctrl-C; treat its going away as one."""
    with contextlib.suppress(OSError):
        while connection.recv(1):
            pass
        if not finished.is_set():
            os.killpg(0, signal.SIGINT)


def _receive(connection: socket.socket) -> tuple[dict, list[int]]:
    """Read one message (length first) and the file descriptors sent with it."""
    connection.settimeout(2)  # a real client sends at once; no one may hold the server up
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
