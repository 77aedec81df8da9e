"""A PDF renderer in a process of its own, started before anything heavy is loaded.

Importing WeasyPrint takes about half of a small build. Forked first thing, the worker imports it
while the main process loads the content, renders the templates and writes the EPUB; then it
renders the PDF from the HTML it is sent. Only the standard library is imported here.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import signal
import sys
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from report.errors import OutputError

if TYPE_CHECKING:
    from report.render.print_document import PrintDocument


class PdfWorker:
    """One forked process that renders print HTML to PDF bytes on request."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, self._connection, os.getpid()), daemon=True
        )
        self._process.start()
        child.close()
        self._busy = False

    def submit(self, request: PrintDocument) -> None:
        """Send one document; results come back in order from `result()`."""
        self._connection.send(request)
        self._busy = True

    def page_numbers(self) -> dict[str, int]:
        """Return the page of every element id of the next PDF, once its layout is done
        (the PDF itself is still being written), or raise what the worker raised."""
        return self._receive()

    def result(self) -> tuple[bytes, list[str]]:
        """Return the next PDF and WeasyPrint's warnings (its page numbers came first, from
        `page_numbers()`), or raise what the worker raised."""
        value = self._receive()
        self._busy = False
        return value

    def _receive(self) -> Any:  # the page numbers, or the PDF with its warnings
        try:
            outcome, value = self._connection.recv()
        except EOFError as err:
            raise OutputError(
                "the PDF worker process ended before the PDF was done "
                f"(exit status {self._exit_status()}); build again with -j 1 to render in "
                "one process"
            ) from err
        if outcome == "error":
            raise value
        return value

    @property
    def pid(self) -> int | None:
        """The worker's process id."""
        return self._process.pid

    @property
    def alive(self) -> bool:
        """Whether the worker process is still there to render."""
        return self._process.is_alive()

    def _exit_status(self) -> int | None:
        self._process.join(timeout=1)
        return self._process.exitcode

    def close(self) -> None:
        """Stop the worker: at once if it is still rendering (the build was interrupted or
        failed), else when it has read the request to stop."""
        if self._busy:
            self._process.kill()
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()


def die_with_parent(parent: int) -> None:
    """End this (forked) process when its parent ends, even killed outright, rather than go on
    rendering for nobody: Linux's parent-death signal; elsewhere, the pipe's end shows it."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the parent was gone before the signal was asked for
        os._exit(0)


def _serve(connection: Connection, parent_end: Connection, parent: int) -> None:
    die_with_parent(parent)
    # The fork copied the parent's end of the pipe too: close it, or the worker would never see
    # the parent go (a killed build would leave it waiting for ever).
    parent_end.close()
    # Ctrl-C reaches the whole process group; the parent handles it and stops this worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from report.outputs.weasyprint_loader import import_weasyprint

    import_weasyprint()  # the point: WeasyPrint loads while the parent works
    from report.outputs.pdf import make_pdf

    while True:
        try:
            request = connection.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if request is None:
            break
        pages = functools.partial(_send_pages, connection)
        try:
            data, warnings, _ = make_pdf(request, on_pages=pages)  # pages: sent already
            outcome = ("ok", (data, warnings))
        except Exception as err:  # sent back and raised in the parent, where it is reported
            outcome = ("error", err)
        _send_or_exit(connection, outcome)
    connection.close()
    os._exit(0)  # skip interpreter teardown: nothing of the parent's is ours to clean up


def _send_or_exit(connection: Connection, outcome: tuple[str, Any]) -> None:
    try:
        connection.send(outcome)
    except OSError:
        os._exit(0)  # the parent is gone: nobody is waiting for this PDF
    except Exception:  # an error that cannot be pickled: send its text
        kind, err = outcome
        connection.send((kind, RuntimeError(f"{type(err).__name__}: {err}")))


def _send_pages(connection: Connection, pages: dict[str, int]) -> None:
    connection.send(("pages", pages))
