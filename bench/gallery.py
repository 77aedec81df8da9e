"""A gallery of every fixture brief, to look at a change of design in a minute.

Run with `make gallery`. Every content file that builds (the shipped `content/*.yaml` and the
fixtures under `tests/fixtures/`; those the build refuses are skipped and named) is built
to all three outputs, then drawn as PNG into `build/gallery/<brief>/`:

- `pdf/page-N.png`: every PDF page at 60 dpi (pdftoppm);
- `epub-phone/`, `epub-tablet/`: each chapter of the EPUB in Chromium at 360 and 768 CSS pixels
  wide, full page;
- `web-desktop.png`, `web-phone.png`: the web edition at 1280 and 360 pixels wide, full page.

`build/gallery/index.html` shows them all as thumbnails, grouped by brief and medium, each a link
to its full image; it has no scripts and loads nothing from elsewhere. Not a test: it never fails
on what it shows. The outputs are kept in `build/gallery/.outputs/`, so a second run rebuilds
only the briefs whose inputs changed (a change of templates or CSS changes them all).
"""

from __future__ import annotations

import argparse
import html
import shutil
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree
from page_images import render_pages
from PIL import Image
from preview_timing import CHROMIUM, FLAGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "gallery"
FIXTURES = ROOT / "tests" / "fixtures"
PDF_DPI = 60
# Widths in CSS pixels and the viewport heights that go with them (a full-page screenshot takes
# the whole height anyway; the height matters for layouts that use vh).
EPUB_SCREENS = {"phone": (360, 740), "tablet": (768, 1024)}
WEB_SCREENS = {"desktop": (1280, 800), "phone": (360, 740)}
# Drawing a screen waits on the browser (loading, layout, encoding the PNG) as much as it uses a
# core: two browsers, each with half of the briefs, drew the gallery 10-15 % sooner on two cores
# that another build kept busy (28.4 s against 32.6 s, 25.6 against 28.2).
BROWSERS = 2
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
OPF = "{http://www.idpf.org/2007/opf}"


@dataclass
class Entry:
    """One brief of the gallery: where it came from and the images drawn of it, by medium."""

    name: str
    source: Path
    images: dict[str, list[Path]] = field(default_factory=dict)


def fixture_briefs() -> list[Path]:
    """Every content file the gallery tries: the shipped ones, then the test fixtures (one
    folder down too, where a fixture keeps its own files beside it, as cited/ does)."""
    shipped = sorted((ROOT / "content").glob("*.yaml"))
    fixtures = sorted([*FIXTURES.glob("*.yaml"), *FIXTURES.glob("*/*.yaml")])
    return shipped + fixtures


def gallery_name(source: Path) -> str:
    """A folder name for a brief: its file name, with its fixture folder when it has one
    (cited/brief.yaml is `cited-brief`), so two briefs never share a folder."""
    if source.parent.parent == FIXTURES:
        return f"{source.parent.name}-{source.stem}"
    return source.stem


def build_outputs(sources: Sequence[Path], out: Path) -> dict[Path, str]:
    """Build the PDF, EPUB and web edition of every source into `out/<name>/`; return the
    sources the build refused, each with the first line of its message: the fixtures include
    files that are broken on purpose, and those are skipped, not a failure of the gallery.

    One folder a brief: a build refuses two content files of the same name in one folder, and
    cited/brief.yaml could meet another brief.yaml."""
    from report.errors import ReportError
    from report.pipeline import build

    refused = {}
    for source in sources:
        try:
            build([source], out / gallery_name(source), formats=["pdf", "epub", "html"])
        except ReportError as error:
            refused[source] = str(error).splitlines()[0]
    return refused


def epub_chapters(epub: Path, folder: Path) -> list[Path]:
    """Unpack `epub` into `folder`; return its spine documents in reading order."""
    with zipfile.ZipFile(epub) as book:
        book.extractall(folder)
    container = etree.parse(folder / "META-INF" / "container.xml")
    opf_path = folder / container.find(f".//{CONTAINER}rootfile").get("full-path")
    opf = etree.parse(opf_path)
    hrefs = {item.get("id"): item.get("href") for item in opf.iter(f"{OPF}item")}
    spine = [hrefs[ref.get("idref")] for ref in opf.iter(f"{OPF}itemref")]
    return [opf_path.parent / href for href in spine]


def screenshots(
    browser: Browser, shots: Sequence[tuple[Path, Path]], size: tuple[int, int]
) -> list[Path]:
    """Full-page screenshots of local documents at one viewport size: each (document, image)."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        for document, image in shots:
            image.parent.mkdir(parents=True, exist_ok=True)
            page.goto(document.as_uri())
            page.screenshot(path=image, full_page=True)
    finally:
        context.close()
    return [image for _, image in shots]


def draw_screens(browser: Browser, entry: Entry, outputs: Path, work: Path) -> None:
    """The EPUB's chapters and the web edition of one brief, at each screen size."""
    chapters = epub_chapters(outputs / f"{entry.source.stem}.epub", work / entry.name)
    for screen, size in EPUB_SCREENS.items():
        folder = OUT / entry.name / f"epub-{screen}"
        shots = [(doc, folder / f"{n:02d}-{doc.stem}.png") for n, doc in enumerate(chapters, 1)]
        entry.images[f"EPUB, {screen} ({size[0]} px)"] = screenshots(browser, shots, size)
    web = outputs / entry.source.stem / "index.html"
    for screen, size in WEB_SCREENS.items():
        shot = OUT / entry.name / f"web-{screen}.png"
        entry.images[f"Web, {screen} ({size[0]} px)"] = screenshots(browser, [(web, shot)], size)


def draw(entries: Sequence[Entry], outputs: Path) -> None:
    """Draw every brief's PDF pages (pdftoppm) and screens (BROWSERS browsers), all at once."""
    with (
        ThreadPoolExecutor(max_workers=2) as pdftoppm,
        ThreadPoolExecutor(max_workers=BROWSERS) as browsers,
        tempfile.TemporaryDirectory() as work,
    ):
        pdf_pages: dict[str, Future[list[Path]]] = {
            entry.name: pdftoppm.submit(
                render_pages,
                outputs / entry.name / f"{entry.source.stem}.pdf",
                OUT / entry.name / "pdf",
                PDF_DPI,
            )
            for entry in entries
        }
        shares = [entries[start::BROWSERS] for start in range(BROWSERS)]
        for drawn in [browsers.submit(draw_in_browser, s, outputs, Path(work)) for s in shares]:
            drawn.result()
        for entry in entries:
            pages = pdf_pages[entry.name].result()
            entry.images = {f"PDF ({len(pages)} pages)": pages, **entry.images}


def draw_in_browser(entries: Sequence[Entry], outputs: Path, work: Path) -> None:
    """Draw the screens of some briefs in a browser of their own. Each thread starts its own
    Playwright: the sync API belongs to the thread that started it."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            for entry in entries:
                draw_screens(browser, entry, outputs / entry.name, work)
        finally:
            browser.close()


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; background: #f4f4f4; }
h2 { margin: 2rem 0 0.25rem; border-top: 2px solid #999; padding-top: 0.5rem; }
h3 { font-size: 1rem; margin: 1rem 0 0.4rem; }
.row { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
figure { margin: 0; font-size: 12px; }
img { display: block; width: 160px; max-height: 640px; object-fit: cover;
      object-position: top; border: 1px solid #bbb; background: white; }
.web img { width: 240px; }
"""


def contact_sheet(entries: Sequence[Entry], refused: dict[Path, str], seconds: float) -> str:
    """The gallery's index.html: every image as a thumbnail linking to itself, by brief and
    medium. The browser scales the full images (lazily, as they scroll into view), so no
    thumbnail files are made: the sheet costs nothing to write."""
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Gallery of the fixture briefs</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Gallery of the fixture briefs</h1>",
        f"<p>{len(entries)} brief(s), drawn in {seconds:.0f} s. ",
        "Tall pages are cut at the bottom: open one for all of it.</p>",
        "<nav><p>",
        " · ".join(f"<a href='#{html.escape(e.name)}'>{html.escape(e.name)}</a>" for e in entries),
        "</p></nav>",
    ]
    for entry in entries:
        parts.append(f"<h2 id='{html.escape(entry.name)}'>{html.escape(entry.name)}</h2>")
        parts.append(f"<p><code>{html.escape(shown(entry.source))}</code></p>")
        for medium, images in entry.images.items():
            kind = "web" if medium.startswith("Web") else ""
            parts.append(f"<h3>{html.escape(medium)}</h3><div class='row {kind}'>")
            parts.extend(_thumbnail(image) for image in images)
            parts.append("</div>")
    if refused:
        parts.append("<h2>Not drawn: the build refuses them</h2><ul>")
        for source, reason in refused.items():
            name = html.escape(shown(source))
            parts.append(f"<li><code>{name}</code>: {html.escape(reason)}</li>")
        parts.append("</ul>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _thumbnail(image: Path) -> str:
    href = html.escape(image.relative_to(OUT).as_posix())
    # The size says what the thumbnail cannot: a phone screenshot wider than its screen is a
    # page that scrolls sideways.
    with Image.open(image) as opened:
        width, height = opened.size
    caption = html.escape(f"{image.stem} · {width}×{height}")
    return (
        f"<figure><a href='{href}'><img src='{href}' alt='{html.escape(image.stem)}' "
        "loading='lazy'></a>"
        f"<figcaption>{caption}</figcaption></figure>"
    )


def shown(path: Path) -> str:
    """A path as the person running the gallery from the project folder reads it best."""
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def stale_images() -> Iterator[Path]:
    """The previous gallery's brief folders (its outputs stay, for reuse)."""
    if OUT.is_dir():
        yield from (path for path in OUT.iterdir() if path.is_dir() and path.name != ".outputs")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", nargs="*", type=Path, help="content files (default: all)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    sources = [path.resolve() for path in args.content] or fixture_briefs()
    outputs = OUT / ".outputs"
    refused = build_outputs(sources, outputs)
    for source, reason in refused.items():
        print(f"skipped {shown(source)}: {reason}")
    built = time.perf_counter()
    for folder in stale_images():
        shutil.rmtree(folder)
    entries = [Entry(gallery_name(source), source) for source in sources if source not in refused]
    draw(entries, outputs)
    seconds = time.perf_counter() - started
    sheet = OUT / "index.html"
    sheet.write_text(contact_sheet(entries, refused, seconds), encoding="utf-8")
    count = sum(len(images) for entry in entries for images in entry.images.values())
    print(
        f"gallery: {count} images of {len(entries)} brief(s) in {seconds:.1f} s "
        f"(building {built - started:.1f} s, drawing {seconds - built + started:.1f} s)"
    )
    print(f"open {shown(sheet)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
