"""The live preview and the web edition, in a real browser (Debian's Chromium via Playwright)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect, sync_playwright

from report.pipeline import build
from tests.conftest import CONTENT, FIXTURES, ROOT

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`report serve` on a copy of the brief, in a folder of its own."""
    (tmp_path / "content").mkdir()
    source = tmp_path / "content" / "brief.yaml"
    shutil.copy(CONTENT, source)
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "report",
            "serve",
            str(source),
            "--port",
            str(port),
            "-o",
            str(tmp_path / "build"),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.stdout.read()
            time.sleep(0.2)
    yield url, source
    process.terminate()
    process.wait(timeout=30)


def test_preview_shows_the_brief_and_follows_edits(
    browser: Browser, server: tuple[str, Path]
) -> None:
    url, source = server
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(url)
    expect(page).to_have_title("Belarus – NATO Cooperation")
    toc = page.locator("nav.toc a")
    expect(toc.first).to_have_text("Aims and principles")
    assert toc.count() == 12
    assert page.get_attribute("nav.toc a >> nth=1", "href") == "#history"
    assert page.locator(".masthead-downloads a:has-text('PDF')").get_attribute("href") == (
        "../brief.pdf"
    )

    status = page.locator("#report-preview-status")
    expect(status).to_have_text("PDF: current · EPUB: current", timeout=60_000)

    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("title: History of relations", "title: A long history"), "utf-8")
    expect(page.locator("#history-title")).to_have_text("A long history", timeout=60_000)
    # The web edition first; the PDF and EPUB follow, and the page says when they are current.
    expect(status).to_have_text("PDF: current · EPUB: current", timeout=60_000)
    pdf = page.request.get(url + "brief.pdf").body()
    assert "A long history" in pdf_text(pdf)

    source.write_text(text.replace("title: Outlook", "title: [broken"), "utf-8")
    errors = page.locator(".build-errors")
    expect(errors).to_contain_text("brief.yaml:", timeout=60_000)
    expect(errors).to_contain_text("flow sequence")
    expect(status).to_have_text("PDF: out of date · EPUB: out of date")

    source.write_text(text, "utf-8")
    expect(page.locator("#history-title")).to_have_text("History of relations", timeout=60_000)
    assert all(request.startswith(url) for request in requests), requests


def pdf_text(data: bytes) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_the_web_edition_has_no_accessibility_violations(browser: Browser, tmp_path: Path) -> None:
    build([CONTENT], tmp_path, ["html"])
    index = tmp_path / "belarus-nato" / "index.html"
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(index.as_uri())
    assert all(request.startswith("file://") for request in requests), requests
    assert page.locator("a.skip-link").get_attribute("href") == "#main"
    assert page.locator("main#main").count() == 1 and page.locator("header").count() == 1
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    assert [(v["id"], v["help"], len(v["nodes"])) for v in result["violations"]] == []


@pytest.mark.parametrize(
    "content", [CONTENT, FIXTURES / "long-everything.yaml"], ids=["brief", "long"]
)
def test_the_web_edition_reflows_on_a_phone(
    browser: Browser, tmp_path: Path, content: Path
) -> None:
    build([content], tmp_path, ["html", "epub"])
    page = browser.new_page(viewport={"width": 360, "height": 740})
    page.goto((tmp_path / content.stem / "index.html").as_uri())
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360  # no sideways scrolling
    # The EPUB's title page too, as a reading system lays it out on a phone.
    with zipfile.ZipFile(tmp_path / f"{content.stem}.epub") as book:
        book.extractall(tmp_path / "book")
    page.goto((tmp_path / "book" / "EPUB" / "text" / "titlepage.xhtml").as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_preview_answers_only_this_machine_and_only_its_outputs(
    server: tuple[str, Path],
) -> None:
    import http.client
    from urllib.parse import urlsplit

    url, source = server
    address = urlsplit(url)

    def get(path: str, host: str | None = None) -> http.client.HTTPResponse:
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host or address.netloc)
        connection.endheaders()
        return connection.getresponse()

    page = get("/")
    assert page.status == 200
    assert "default-src 'none'" in page.getheader("Content-Security-Policy")
    assert get("/", host=f"attacker.example:{address.port}").status == 421  # DNS rebinding
    records = source.parent.parent / "build" / ".report-cache"
    assert any(records.iterdir())  # the build records exist, and are not served:
    for path in ("/.report-cache/", "/../.report-cache/x.json", "/%2e%2e/.report-cache/"):
        assert get(path).status == 404
    assert get("/__report/wait?version=abc").status == 400
    assert get("/%00").status == 400


def test_the_preview_refuses_an_output_folder_holding_the_content(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    shutil.copy(CONTENT, tmp_path / "content" / "brief.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "report", "serve", "content/brief.yaml", "-o", ".", "--port", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "holds the content file's folder" in result.stderr


def test_the_web_edition_links_its_files_and_reads_like_the_pdf(
    browser: Browser, tmp_path: Path
) -> None:
    build([CONTENT], tmp_path, ["pdf", "epub", "html"])
    page = browser.new_page()
    responses: dict[str, bool] = {}
    page.on("requestfinished", lambda request: responses.setdefault(request.url, True))
    page.on("requestfailed", lambda request: responses.setdefault(request.url, False))
    page.goto((tmp_path / "belarus-nato" / "index.html").as_uri())
    page.wait_for_load_state("load")
    # Its own PDF and EPUB, in the masthead and the footer; the footer never empty.
    downloads = page.locator(".masthead-downloads a")
    assert downloads.all_inner_texts() == ["PDF", "EPUB"]
    for link in downloads.all():
        assert (tmp_path / "belarus-nato" / link.get_attribute("href")).resolve().is_file()
    assert "Edition 1 · 30 November 2026" in page.locator(".site-footer").inner_text()
    # The contents list the sections unnumbered, as the PDF's do, without "At a glance".
    entries = page.locator("nav.toc > .toc-entries > li")
    assert entries.first.inner_text() == "Aims and principles"
    assert entries.first.evaluate("li => getComputedStyle(li).listStyleType") == "none"
    # Shared as an article with its title and lead; an icon that loads, from beside the page.
    assert page.locator('meta[property="og:title"]').get_attribute("content") == (
        "Belarus – NATO Cooperation"
    )
    assert page.locator('meta[property="og:description"]').get_attribute("content")
    icon = page.locator('link[rel="icon"]').get_attribute("href")
    assert icon == "favicon.svg" and (tmp_path / "belarus-nato" / icon).is_file()
    assert all(url.startswith("file://") for url in responses) and all(responses.values())


def test_the_web_edition_shows_the_publisher_s_logo(browser: Browser, tmp_path: Path) -> None:
    from tests.conftest import FIXTURES

    build([FIXTURES / "long-everything.yaml"], tmp_path, ["html"])
    page = browser.new_page()
    page.goto((tmp_path / "long-everything" / "index.html").as_uri())
    logo = page.locator(".masthead-logo")
    assert logo.get_attribute("alt") == "NATO Defense College"
    # Loaded from the page's own folder, and drawn (a broken image has no natural width).
    assert logo.evaluate("img => img.complete && img.naturalWidth") > 0
    assert (tmp_path / "long-everything" / logo.get_attribute("src")).is_file()
    page.close()


def test_build_prints_the_web_page_s_own_size_and_the_folder_s(tmp_path: Path) -> None:
    from tests.conftest import run_report

    result = run_report("build", str(CONTENT), "-f", "html", "-o", str(tmp_path))
    page = (tmp_path / "belarus-nato" / "index.html").stat().st_size
    assert f"index.html ({round(page / 1024)} KiB; " in result.stdout
    assert " with its fonts and images, " in result.stdout
