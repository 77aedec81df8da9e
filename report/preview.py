"""`report serve`: a live preview. After a save the web edition is rebuilt and the page reloads
first; the PDF and EPUB follow in the background, and the page shows which outputs are current.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING

from report.errors import ContentError, ReportError, UsageError
from report.options import FORMATS, BuildOptions
from report.pipeline import run
from report.preview_pages import Preview, handler

if TYPE_CHECKING:
    from report.outputs.pdf_worker import PdfWorker

WEB_OPTIONS = BuildOptions(("html",), force=True, web_downloads=FORMATS)
FILE_OPTIONS = BuildOptions(FORMATS, force=True)


def attempt(build_once: Callable[[], object]) -> str | None:
    """Run a build; return None, or the message of the user's error (shown in the page)."""
    try:
        build_once()
    except ContentError as err:
        return "\n".join(err.problems)
    except ReportError as err:
        return str(err)
    return None


class FollowingBuilds:
    """Builds the PDF and EPUB in a thread of their own after each web edition, one at a time;
    saves that arrive meanwhile are built together once the current build ends."""

    def __init__(self, preview: Preview, announce: Callable[[str], None]) -> None:
        self.preview = preview
        self.announce = announce
        self.asked = threading.Condition()
        self.requests = 0
        self.stopped = False
        self.worker: PdfWorker | None = None
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def start(self) -> None:
        from report.outputs.pdf_worker import PdfWorker

        self.worker = PdfWorker()  # WeasyPrint stays loaded: a PDF rebuild skips its import
        self.thread.start()

    def request(self) -> None:
        with self.asked:
            self.requests += 1
            self.asked.notify()

    def stop(self) -> None:
        with self.asked:
            self.stopped = True
            self.asked.notify()
        self.thread.join(timeout=5)
        if self.worker:
            self.worker.close()

    def _loop(self) -> None:
        done = 0
        while True:
            with self.asked:
                self.asked.wait_for(lambda since=done: self.stopped or self.requests != since)
                if self.stopped:
                    return
                done = self.requests
            self.preview.wait_for_reload()  # the page first: this build would slow it down
            started = time.perf_counter()
            error = attempt(self._build)
            took = time.perf_counter() - started
            with self.asked:
                newer = self.requests != done  # a later save is waiting: still updating
            if not newer:
                self.preview.files("failed" if error else "current")
            self.announce(
                f"PDF and EPUB failed:\n{error}" if error else f"PDF and EPUB in {took:.2f} s"
            )

    def _build(self) -> None:
        from report.outputs.pdf_worker import PdfWorker

        if self.worker is None or not self.worker.alive:
            self.worker = PdfWorker()  # the last one died: start again
        run([self.preview.source], self.preview.out_dir, FILE_OPTIONS, pdf_worker=self.worker)


def serve(source: Path, out_dir: Path, port: int, announce: Callable[[str], None]) -> None:
    """Build, serve on loopback, and rebuild on every change to content, templates or themes:
    the web edition first, then the PDF and EPUB."""
    from watchfiles import watch

    from report.render.templates import BASE_TEMPLATES, THEMES

    _check_output_folder(source, out_dir)
    preview = Preview(source, out_dir)
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), handler(preview, port))
    except OSError as err:
        raise UsageError(f"cannot serve on port {port}: {err.strerror or err}") from err
    following = FollowingBuilds(preview, announce)
    following.start()

    def rebuild() -> None:
        started = time.perf_counter()
        error = attempt(lambda: run([source], out_dir, WEB_OPTIONS))
        if error is None:
            following.request()  # first, so a PDF build ending now does not say "current"
        preview.web_built(error)
        took = time.perf_counter() - started
        announce(f"web edition in {took:.2f} s" if error is None else f"build failed:\n{error}")

    rebuild()
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    announce(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    watched = [path for path in (source.parent, BASE_TEMPLATES, THEMES) if path.exists()]
    stop = threading.Event()
    try:
        for changes in watch(*watched, stop_event=stop, debounce=200, step=20):
            if all(out_dir.resolve() in Path(path).resolve().parents for _, path in changes):
                continue  # our own outputs, when the output folder lies inside a watched one
            names = ", ".join(sorted({Path(p).name for _, p in changes}))
            announce(f"changed: {names}; rebuilding")
            rebuild()
    finally:
        stop.set()
        server.shutdown()
        following.stop()


def _check_output_folder(source: Path, out_dir: Path) -> None:
    """Refuse an output folder that holds the content: every save would look like an output."""
    content, out = source.resolve().parent, out_dir.resolve()
    if content == out or out in content.parents:
        raise UsageError(
            f"the output folder {out_dir} holds the content file's folder; "
            "choose another with -o (build/, for example)"
        )
