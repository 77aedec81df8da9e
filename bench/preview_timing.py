"""How long `report serve` takes from a save to the reloaded page, and to current PDF and EPUB.

The page's own clock says when the reload finished (performance.timeOrigin is wall-clock time on
this machine), so no polling delay is counted in the reload time.
"""

from __future__ import annotations

import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOADED = (
    "performance.timeOrigin"
    " + performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
)
FILES_CURRENT = (
    "document.getElementById('report-preview-status').textContent"
    " === 'PDF: current · EPUB: current'"
)


def preview_times(content: Path, work: Path, runs: int = 7) -> dict[str, float]:
    """Median seconds from a save to the reloaded page, and to the PDF and EPUB being current."""
    from playwright.sync_api import sync_playwright

    (work / "content").mkdir(parents=True)
    source = work / "content" / "brief.yaml"
    shutil.copy(content, source)
    original = source.read_text(encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    serve = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "report",
            "serve",
            str(source),
            "--port",
            str(port),
            "-o",
            str(work / "build"),
        ],
        cwd=work,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    reloads, files = [], []
    try:
        _wait_for_port(port, serve)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            # The preview's Content-Security-Policy allows no eval, which waiting on a
            # JavaScript condition needs: the measuring page bypasses it.
            page = browser.new_page(bypass_csp=True)
            page.goto(f"http://127.0.0.1:{port}/")
            page.wait_for_function(FILES_CURRENT, timeout=120_000)
            for run in range(runs):
                title = f"title: History of relations ({run})"
                with page.expect_event("load", timeout=60_000):
                    saved = time.time()
                    source.write_text(original.replace("title: History of relations", title))
                loaded = page.evaluate(LOADED) / 1000
                page.wait_for_function(FILES_CURRENT, timeout=120_000)
                reloads.append(loaded - saved)
                files.append(time.time() - saved)
                time.sleep(0.5)  # let the machine settle between saves
            browser.close()
    finally:
        serve.terminate()
        serve.wait(timeout=30)
    return {
        "reload": statistics.median(reloads),
        "files": statistics.median(files),
        "runs": float(runs),
    }


def _wait_for_port(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None:
                raise SystemExit("report serve ended before it served") from None
            time.sleep(0.1)
    raise SystemExit("report serve did not start serving")
