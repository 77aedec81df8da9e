"""`report serve`: a live preview. After a save the web edition is rebuilt and the page reloads
first; the PDF and EPUB follow in the background, and the page shows which outputs are current.
"""

from __future__ import annotations

import html
import json
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from report.errors import ContentError, ReportError
from report.options import FORMATS, BuildOptions
from report.pipeline import run

if TYPE_CHECKING:
    from report.outputs.pdf_worker import PdfWorker

WEB_OPTIONS = BuildOptions(("html",), force=True, web_downloads=FORMATS)
FILE_OPTIONS = BuildOptions(FORMATS, force=True)

RELOAD_SCRIPT = """\
// Waits for the next change (report serve): reloads when the web edition was rebuilt, and
// otherwise shows which of the PDF and EPUB are current.
(async () => {
  let state = window.__reportState;
  const bar = document.getElementById("report-preview-status");
  const show = (outputs) => {
    bar.textContent = Object.entries(outputs)
      .map(([name, status]) => `${name.toUpperCase()}: ${status}`).join(" · ");
  };
  show(state.outputs);
  for (;;) {
    try {
      const response = await fetch(`/__report/wait?version=${state.version}`);
      const next = await response.json();
      if (next.web !== state.web) { location.reload(); return; }
      state = next;
      show(state.outputs);
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
})();
"""
STATUS_BAR = (
    '<div id="report-preview-status" role="status" aria-live="polite" style="position:fixed;'
    "bottom:0;right:0;margin:0.5rem;padding:0.25rem 0.75rem;font:0.8rem/1.4 sans-serif;"
    'background:#1a1a1a;color:#fff;border-radius:0.25rem;z-index:1000"></div>'
)


@dataclass
class Preview:
    """What the page shows: the web edition's generation, the last build error, and the state of
    the PDF and the EPUB. Every change bumps `version` and wakes the pages waiting for one."""

    source: Path
    out_dir: Path
    web: int = 0  # bumped each time the web edition (or the error in its place) changes
    error: str | None = None
    outputs: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FORMATS, "waiting"))
    version: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)
    watchers: int = 0  # pages waiting for a change right now
    reloading: bool = False  # pages were waiting when the web edition last changed
    resumed: int = 0  # the newest state a page has started waiting from

    def web_built(self, error: str | None) -> None:
        """Note a finished build of the web edition (or its error): the PDF and EPUB are being
        updated after it, or out of date when it failed."""
        with self.changed:
            self.error = error
            self.web += 1
            self.outputs = dict.fromkeys(FORMATS, "out of date" if error else "updating")
            self.reloading = self.watchers > 0
            self._bump()

    def files(self, status: str) -> None:
        """Note the state of the PDF and EPUB: updating, current, or failed."""
        with self.changed:
            self.outputs = dict.fromkeys(FORMATS, status)
            self._bump()

    def _bump(self) -> None:
        self.version += 1
        self.changed.notify_all()

    def state(self) -> dict[str, object]:
        with self.changed:
            return {"version": self.version, "web": self.web, "outputs": dict(self.outputs)}

    def wait(self, version: int, timeout: float = 25.0) -> dict[str, object]:
        """Block until the state is newer than `version` (or the timeout passed); return it."""
        with self.changed:
            self.watchers += 1
            self.resumed = max(self.resumed, version)
            self.changed.notify_all()
            try:
                self.changed.wait_for(lambda: self.version != version, timeout=timeout)
            finally:
                self.watchers -= 1
        return self.state()

    def wait_for_reload(self, timeout: float = 1.0) -> None:
        """Give the pages that were open when the web edition changed the machine until they
        have reloaded (their script waits again from the new state), or `timeout` seconds."""
        with self.changed:
            since = self.version
            if self.reloading:
                self.changed.wait_for(lambda: self.resumed >= since, timeout=timeout)


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


def handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    """The request handler: the web edition (with the status bar and its script), the PDF,
    the EPUB, and the long-poll that waits for the next change."""
    site = preview.out_dir / preview.source.stem

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            if path == "/__report/wait":
                since = int(parse_qs(url.query).get("version", ["-1"])[0])
                return self._send(json.dumps(preview.wait(since)).encode(), "application/json")
            if path == "/__report/reload.js":
                return self._send(RELOAD_SCRIPT.encode(), "text/javascript")
            if path in ("/", "/index.html"):
                return self._send(self._page(), "text/html; charset=utf-8")
            for fmt in FORMATS:
                if path == f"/{preview.source.stem}.{fmt}":
                    return self._file(preview.out_dir / f"{preview.source.stem}.{fmt}")
            return self._file(site / path.lstrip("/"))

        def _page(self) -> bytes:
            state = json.dumps(preview.state())
            script = (
                f"{STATUS_BAR}<script>window.__reportState = {state};</script>"
                '<script src="/__report/reload.js"></script>'
            )
            if preview.error is not None:
                return _error_page(preview.error, script).encode()
            page = (site / "index.html").read_text(encoding="utf-8")
            return page.replace("</body>", f"{script}\n</body>").encode()

        def _file(self, target: Path) -> None:
            target = target.resolve()
            allowed = (site.resolve(), preview.out_dir.resolve())
            if not any(target == root or root in target.parents for root in allowed) or (
                not target.is_file()
            ):
                return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return self._send(target.read_bytes(), kind)

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # quiet: the terminal shows builds, not requests

    return Handler


def _error_page(error: str, script: str) -> str:
    lines = "\n".join(f"<li><code>{html.escape(line)}</code></li>" for line in error.splitlines())
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>'
        "<title>Build failed</title></head><body>"
        "<main><h1>The build failed</h1><p>Fix the problem below; this page reloads by itself "
        f'when the next build succeeds.</p><ul class="build-errors">{lines}</ul></main>'
        f"{script}</body></html>"
    )


def serve(source: Path, out_dir: Path, port: int, announce: Callable[[str], None]) -> None:
    """Build, serve on loopback, and rebuild on every change to content, templates or themes:
    the web edition first, then the PDF and EPUB."""
    from watchfiles import watch

    from report.render.templates import BASE_TEMPLATES, THEMES

    preview = Preview(source, out_dir)
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
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(preview))
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
