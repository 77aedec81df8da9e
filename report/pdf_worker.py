"""A PDF renderer in a process of its own, started before anything heavy is loaded.

Importing WeasyPrint takes about half of a small build. Forked first thing, the worker imports it
while the main process loads the content, renders the templates and writes the EPUB; then it
renders the PDF from the HTML it is sent. Only the standard library is imported here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from report.pdf import PdfRequest


class PdfWorker:
    """One forked process that renders print HTML to PDF bytes on request."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._connection, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        child.close()
        self._pending = 0

    def submit(self, request: PdfRequest) -> None:
        """Send one document; results come back in order from `result()`."""
        self._connection.send(request)
        self._pending += 1

    def result(self) -> tuple[bytes, list[str]]:
        """Return the next PDF and WeasyPrint's warnings, or raise what the worker raised."""
        self._pending -= 1
        try:
            outcome, value = self._connection.recv()
        except EOFError as err:
            raise RuntimeError("the PDF worker process ended unexpectedly") from err
        if outcome == "error":
            raise value
        return value

    def close(self) -> None:
        """Stop the worker (it is a daemon, so it also ends with this process)."""
        with contextlib.suppress(OSError):
            self._connection.send(None)
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()


def _serve(connection: Connection) -> None:
    import weasyprint  # noqa: F401

    import report.pdf  # noqa: F401 - the point: WeasyPrint loads while the parent works
    from report.pdf import render_pdf

    while True:
        try:
            request = connection.recv()
        except (EOFError, KeyboardInterrupt):
            break
        if request is None:
            break
        try:
            connection.send(("ok", render_pdf(request)))
        except Exception as err:  # sent back and raised in the parent, where it is reported
            try:
                connection.send(("error", err))
            except Exception:  # an error that cannot be pickled: send its text
                connection.send(("error", RuntimeError(f"{type(err).__name__}: {err}")))
    connection.close()
    os._exit(0)  # skip interpreter teardown: nothing of the parent's is ours to clean up
