"""What `report serve` answers a browser: the web edition with a status corner and the script
that reloads it, the PDF and the EPUB, and the long-poll that waits for the next change.

Only for this machine: requests must name the loopback address and port (DNS rebinding cannot
reach the preview from a web page), every page comes with a strict Content-Security-Policy, and
nothing but the web edition, the PDF and the EPUB is served.
"""

from __future__ import annotations

import html
import json
import mimetypes
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from report.options import FORMATS


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


RELOAD_SCRIPT = """\
// Waits for the next change (report serve): reloads when the web edition was rebuilt, and
// otherwise shows which of the PDF and EPUB are current.
(async () => {
  let state = JSON.parse(document.currentScript.dataset.state);
  const bar = document.createElement("div");
  bar.id = "report-preview-status";
  bar.setAttribute("role", "status");
  bar.setAttribute("aria-live", "polite");
  Object.assign(bar.style, {
    position: "fixed", bottom: "0", right: "0", margin: "0.5rem", padding: "0.25rem 0.75rem",
    font: "0.8rem/1.4 sans-serif", background: "#1a1a1a", color: "#fff",
    borderRadius: "0.25rem", zIndex: "1000",
  });
  document.body.append(bar);
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
# The web edition needs nothing from elsewhere; the preview's own script is a file of its own.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def handler(preview: Preview, port: int) -> type[BaseHTTPRequestHandler]:
    """The request handler of one preview."""
    site = preview.out_dir / preview.source.stem
    stem = preview.source.stem
    files = {f"/{stem}.{fmt}": preview.out_dir / f"{stem}.{fmt}" for fmt in FORMATS}
    hosts = {f"{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.headers.get("Host", "").lower() not in hosts:
                return self._send(b"unknown host", "text/plain", HTTPStatus.MISDIRECTED_REQUEST)
            try:
                self._answer()
            except (ValueError, OSError):  # a request no page of ours makes: /%00, ?version=x
                self._send(b"bad request", "text/plain", HTTPStatus.BAD_REQUEST)

        def _answer(self) -> None:
            url = urlsplit(self.path)
            path = unquote(url.path, errors="strict")
            if "\0" in path:
                raise ValueError("a NUL in the path")
            if path == "/__report/wait":
                since = int(parse_qs(url.query).get("version", ["-1"])[0])
                return self._send(json.dumps(preview.wait(since)).encode(), "application/json")
            if path == "/favicon.ico":  # browsers ask; the web edition has none
                return self._send(b"", "image/x-icon", HTTPStatus.NO_CONTENT)
            if path == "/__report/reload.js":
                return self._send(RELOAD_SCRIPT.encode(), "text/javascript")
            if path in ("/", "/index.html"):
                return self._send(self._page(), "text/html; charset=utf-8")
            if path in files:
                return self._file(files[path], preview.out_dir)
            return self._file(site / path.lstrip("/"), site)

        def _page(self) -> bytes:
            state = html.escape(json.dumps(preview.state()))
            script = f'<script src="/__report/reload.js" data-state="{state}"></script>'
            if preview.error is not None:
                return _error_page(preview.error, script).encode()
            page = (site / "index.html").read_text(encoding="utf-8")
            return page.replace("</body>", f"{script}\n</body>").encode()

        def _file(self, target: Path, root: Path) -> None:
            target, root = target.resolve(), root.resolve()
            inside = target.is_relative_to(root)
            hidden = not inside or any(p.startswith(".") for p in target.relative_to(root).parts)
            if hidden or not target.is_file():
                return self._send(b"not found", "text/plain", HTTPStatus.NOT_FOUND)
            kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            return self._send(target.read_bytes(), kind)

        def _send(self, body: bytes, kind: str, status: HTTPStatus = HTTPStatus.OK) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
            self.send_header("X-Content-Type-Options", "nosniff")
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
