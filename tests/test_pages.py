"""The EPUB's page list carries the PDF's page numbers, so "see p. 3" works in either."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

from lxml import etree

from tests.conftest import CONTENT, XHTML, canonical, pdf_pages, run_report

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def page_list(epub: Path) -> list[tuple[int, str]]:
    with zipfile.ZipFile(epub) as book:
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    navs = {element.get(EPUB_TYPE): element for element in nav.iter(f"{XHTML}nav")}
    if "page-list" not in navs:
        return []
    return [(int(a.text), a.get("href")) for a in navs["page-list"].iter(f"{XHTML}a")]


def test_every_pdf_page_has_a_marker_where_that_page_begins(built: dict[str, Path]) -> None:
    # Case-folded: the print stylesheet sets some labels in capitals.
    pages = [canonical(text).casefold() for text in pdf_pages(built["pdf"], body_only=False)]
    entries = page_list(built["epub"])
    assert [number for number, _ in entries] == list(range(1, len(pages) + 1))
    with zipfile.ZipFile(built["epub"]) as book:
        for number, href in entries:
            name, anchor = href.split("#")
            root = etree.fromstring(book.read(f"EPUB/{name}"))
            marker = root.find(f".//*[@id='{anchor}']")
            assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("aria-label") == str(number)
            assert marker.get("role") == "doc-pagebreak"
            # The element the marker opens begins on that page of the PDF.
            start = canonical("".join(marker.getparent().itertext())).casefold()[:30]
            if start:
                assert start in pages[number - 1], (number, start)


def test_the_print_edition_is_named_as_the_source_of_pagination(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["epub"]) as book:
        opf = book.read("EPUB/content.opf").decode()
    assert (
        '<dc:source id="print-source">Belarus – NATO Cooperation, Edition 1 · 30 November 2026, PDF'
        in opf
    )
    assert re.search(r'<meta refines="#print-source" property="source-of">pagination</meta>', opf)
    assert '<meta property="schema:accessibilityFeature">pageBreakMarkers</meta>' in opf


def test_an_epub_only_build_uses_the_page_numbers_of_the_last_pdf(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def report(*args: str) -> None:
        result = run_report(
            "build", "--force", *args, str(CONTENT), "-o", str(tmp_path / "out"), env=env
        )
        assert result.returncode == 0, result.stderr

    report("-f", "epub")  # no PDF built from these inputs yet: no page numbers to give
    assert page_list(tmp_path / "out" / "belarus-nato.epub") == []
    report()
    with_pdf = page_list(tmp_path / "out" / "belarus-nato.epub")
    report("-f", "epub")
    assert page_list(tmp_path / "out" / "belarus-nato.epub") == with_pdf != []
