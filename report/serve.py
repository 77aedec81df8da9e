"""`report serve`: a live preview of the web edition, rebuilt and reloaded on every change."""

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
from urllib.parse import parse_qs, unquote, urlsplit

from report.errors import ContentError, ReportError

RELOAD_SCRIPT = """\
// Waits for the next rebuild, then reloads the page (report serve).
(async () => {
  let generation = window.__reportGeneration;
  for (;;) {
    try {
      const response = await fetch(`/__report/wait?generation=${generation}`);
      const state = await response.json();
      if (state.generation !== generation) { location.reload(); return; }
    } catch (error) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
})();
"""


@dataclass
class Preview:
    """The state the server shows: the last build's generation and its error, if any."""

    source: Path
    out_dir: Path
    generation: int = 0
    error: str | None = None
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, error: str | None) -> None:
        """Note a finished build and wake the pages waiting for it."""
        with self.changed:
            self.error = error
            self.generation += 1
            self.changed.notify_all()

    def wait(self, generation: int, timeout: float = 25.0) -> int:
        """Block until a build newer than `generation` finished (or the timeout passed)."""
        with self.changed:
            self.changed.wait_for(lambda: self.generation != generation, timeout=timeout)
            return self.generation


def rebuild(preview: Preview, build_once: Callable[[], None]) -> None:
    """Build, and record the outcome; a user error is shown in the page, not raised."""
    try:
        build_once()
    except ContentError as err:
        preview.record("\n".join(err.problems))
    except ReportError as err:
        preview.record(str(err))
    else:
        preview.record(None)


def handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    """The request handler: the web edition (with the reload script), PDF, EPUB, and waits."""
    site = preview.out_dir / preview.source.stem

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path)
            if path == "/__report/wait":
                since = int(parse_qs(url.query).get("generation", ["-1"])[0])
                body = json.dumps({"generation": preview.wait(since)}).encode()
                return self._send(body, "application/json")
            if path == "/__report/reload.js":
                return self._send(RELOAD_SCRIPT.encode(), "text/javascript")
            if path in ("/", "/index.html"):
                return self._send(self._page(), "text/html; charset=utf-8")
            for fmt in ("pdf", "epub"):
                if path == f"/{preview.source.stem}.{fmt}":
                    return self._file(preview.out_dir / f"{preview.source.stem}.{fmt}")
            return self._file(site / path.lstrip("/"))

        def _page(self) -> bytes:
            script = (
                f"<script>window.__reportGeneration = {preview.generation};</script>"
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
    """Build, serve on loopback, and rebuild on every change to content, templates or themes."""
    from report.pdf_worker import PdfWorker

    worker = PdfWorker()  # WeasyPrint stays loaded: a PDF rebuild skips its import
    from watchfiles import watch

    from report.build import build
    from report.templates import BASE_TEMPLATES, THEMES

    preview = Preview(source, out_dir)

    def build_once() -> None:
        build([source], out_dir, ["html", "pdf", "epub"], force=True, pdf_worker=worker)

    rebuild(preview, build_once)
    server = ThreadingHTTPServer(("127.0.0.1", port), handler(preview))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    announce(f"serving http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)")
    watched = [path for path in (source.parent, BASE_TEMPLATES, THEMES) if path.exists()]
    stop = threading.Event()
    try:
        for changes in watch(*watched, stop_event=stop, debounce=200):
            if all(out_dir.resolve() in Path(path).resolve().parents for _, path in changes):
                continue  # our own outputs, when the output folder lies inside a watched one
            names = ", ".join(sorted({Path(p).name for _, p in changes}))
            announce(f"changed: {names}; rebuilding")
            started = time.perf_counter()
            rebuild(preview, build_once)
            took = time.perf_counter() - started
            announce(
                f"rebuilt in {took:.2f} s"
                if preview.error is None
                else f"build failed:\n{preview.error}"
            )
    finally:
        stop.set()
        server.shutdown()
        worker.close()
