"""The PDF brief: bookmarks, contents page numbers, metadata, fonts, running heads, warnings."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pikepdf
import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.ttLib import TTFont

from report import load_brief
from report.pipeline import build
from tests.conftest import CONTENT, FIXTURES, MARGIN_BOTTOM_PT, canonical, pdf_pages

BRIEF = load_brief(CONTENT)
SECTION_TITLES = [section.title for section in BRIEF.sections]


@pytest.fixture(scope="module")
def pdf(built: dict[str, Path]):
    with pikepdf.open(built["pdf"]) as document:
        yield document


def outline(pdf: pikepdf.Pdf) -> list[tuple[str, int]]:
    """Return (title, 1-based page) of every top-level bookmark."""
    pages = {page.objgen: number for number, page in enumerate(pdf.pages, start=1)}
    with pdf.open_outline() as tree:
        return [(item.title, pages[item.destination[0].objgen]) for item in tree.root]


def heading_pages(pages: list[str]) -> dict[str, int]:
    """Find the page where each section heading stands as a line of its own (after contents)."""
    found: dict[str, int] = {}
    for number, text in enumerate(pages, start=1):
        lines = {line.strip() for line in text.splitlines()}
        for title in [*SECTION_TITLES, "About this brief"]:
            if number > 2 and title in lines and title not in found:
                found[title] = number
    return found


def test_a4_pages(pdf: pikepdf.Pdf) -> None:
    for page in pdf.pages:
        width, height = (float(value) for value in page.mediabox[2:])
        assert (round(width), round(height)) == (595, 842)


def test_one_bookmark_per_section_on_its_page(pdf: pikepdf.Pdf, built: dict[str, Path]) -> None:
    marks = outline(pdf)
    titles = [title for title, _ in marks]
    assert titles == ["At a glance", "Contents", *SECTION_TITLES, "About this brief"]
    landing = heading_pages(pdf_pages(built["pdf"]))
    for title, page in marks[2:]:
        assert landing[title] == page, title


def test_contents_page_numbers_match_where_headings_land(built: dict[str, Path]) -> None:
    pages = pdf_pages(built["pdf"])
    contents = pages[1]
    entries = dict(re.findall(r"^(.+?)[ .]*\s(\d+)\s*$", contents, flags=re.MULTILINE))
    entries = {title.strip(" ."): int(number) for title, number in entries.items()}
    landing = heading_pages(pages)
    expected = [*SECTION_TITLES, "About this brief"]
    assert [title for title in entries if title in expected] == expected
    for title in expected:
        assert entries[title] == landing[title], title


def test_metadata_comes_from_the_content(pdf: pikepdf.Pdf) -> None:
    info = pdf.docinfo
    assert str(info["/Title"]) == BRIEF.title
    assert str(info["/Author"]) == BRIEF.author
    assert str(info["/Subject"]) == BRIEF.topic
    assert "Partnership for Peace" in str(info["/Keywords"])
    date = BRIEF.edition.date.strftime("%Y%m%d")
    assert str(info["/CreationDate"]).startswith(f"D:{date}")
    assert str(info["/ModDate"]).startswith(f"D:{date}")
    assert str(pdf.Root.Lang) == "en"
    assert str(info["/Creator"]).startswith("report ")


def embedded_family(descriptor: pikepdf.Dictionary) -> str:
    """Read the family name from the font program embedded in the PDF."""
    stream = next(
        descriptor[key] for key in ("/FontFile2", "/FontFile3", "/FontFile") if key in descriptor
    )
    data = stream.read_bytes()
    if stream.get("/Subtype") == "/CFF" or data[:1] == b"\x01":  # bare CFF table
        return cff_family(data)
    names = TTFont(io.BytesIO(data))["name"]
    return names.getDebugName(16) or names.getDebugName(1)  # typographic family first


def cff_family(data: bytes) -> str:
    cff = CFFFontSet()
    cff.decompile(io.BytesIO(data), None)
    return cff[cff.fontNames[0]].FamilyName


def test_every_font_is_embedded_and_is_a_shipped_font(pdf: pikepdf.Pdf) -> None:
    families = set()
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descendants = font.get("/DescendantFonts")
            font = descendants[0] if descendants is not None else font
            families.add(embedded_family(font.FontDescriptor))
    shipped = ("Charis SIL", "Inter")
    assert {next(name for name in shipped if family.startswith(name)) for family in families} == {
        *shipped
    }, families


def page_feet(path: Path) -> list[str]:
    """The text of each page's running footer (below the body's bottom margin)."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return [
            page.get_textpage().get_text_bounded(0, 0, page.get_size()[0], MARGIN_BOTTOM_PT)
            for page in document
        ]
    finally:
        document.close()


def test_running_header_and_footer_on_every_page_but_the_cover(built: dict[str, Path]) -> None:
    full = pdf_pages(built["pdf"], body_only=False)
    feet = page_feet(built["pdf"])
    assert feet[0] == ""
    for number, (text, foot) in enumerate(zip(full[1:], feet[1:], strict=True), start=2):
        # The page number alone, beside the edition (the brief names no series or publisher).
        assert " ".join(foot.split()) == f"Edition 1 · 30 November 2026 {number}"
        assert text.count(BRIEF.title) >= 1


def test_cover_shows_title_topic_edition_and_date(built: dict[str, Path]) -> None:
    cover = canonical(pdf_pages(built["pdf"])[0])
    for expected in (
        BRIEF.topic,  # under the title, not as a label that reads as the publisher
        BRIEF.title,
        "Edition 1 · 30 November 2026",
        BRIEF.author,
    ):
        assert canonical(expected) in cover


def test_weasyprint_renders_without_warnings(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        build([CONTENT], tmp_path, formats=["pdf"])
    assert [record.getMessage() for record in caplog.records] == []


def test_cyrillic_text_is_set_in_the_shipped_fonts(tmp_path: Path) -> None:
    """The fixture's title is Russian: no machine font may stand in for a missing glyph."""
    (written,) = build([FIXTURES / "minimal.yaml"], tmp_path, formats=["pdf"])
    assert "Минимальная справка" in pdf_pages(written.path)[0]
    with pikepdf.open(written.path) as document:
        test_every_font_is_embedded_and_is_a_shipped_font(document)


def test_two_timelines_in_a_section_get_distinct_anchors(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    timeline = "      - timeline:\n          - year: 2000\n            event: An event.\n"
    source = tmp_path / "two.yaml"
    source.write_text(text + timeline + timeline, encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        build([source], tmp_path, formats=["pdf"])
    assert [record.getMessage() for record in caplog.records] == []
