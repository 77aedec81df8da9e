"""What the EPUB writer takes besides the model: rendered documents and files.

Kept apart from the EPUB writer (report.outputs.epub) so rendering them does not import
EbookLib.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chapter:
    """One XHTML document of the book, already rendered."""

    file_name: str
    title: str
    xhtml: str
    in_toc: bool = True
    landmark: str | None = None  # EPUB 2 guide type: cover, toc, text
    # Sub-headings the navigation lists under the chapter: (level, title, href in the book).
    headings: tuple[tuple[int, str, str], ...] = ()


@dataclass(frozen=True)
class EpubParts:
    """Everything the EPUB needs besides the model: files and rendered documents."""

    chapters: list[Chapter]
    stylesheets: dict[str, bytes]  # file name in the book -> CSS
    fonts: dict[str, bytes]  # file name in the book -> font data
    images: dict[str, bytes]  # file name in the book -> image data
    cover_png: bytes
    nav_title: str
    landmarks_title: str
    source_sha256: str  # of the content file, for provenance
    generator: str
    pages_title: str = "Pages"
    page_list: list[tuple[int, str]] = field(default_factory=list)  # PDF page -> href
    page_source: str | None = None  # the print edition page numbers come from, when known
    # Lists of tables and figures for the navigation document: (epub:type, title, entries of
    # (text, href)); "lot" lists tables, "loi" figures.
    lists: list[tuple[str, str, list[tuple[str, str]]]] = field(default_factory=list)
    # The licence files of the edition's fonts (fonts/OFL.txt, ...), which travel with them.
    font_licences: dict[str, bytes] = field(default_factory=dict)
