"""Page-break markers for the EPUB, placed where the PDF's pages begin (same page numbers)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

from report.epub_parts import Chapter

ID = re.compile(r'\sid="([^"]+)"')


def ids_in_order(html: str) -> list[str]:
    """Return the element ids of an HTML document, in document order."""
    return ID.findall(html)


def mark_pages(
    chapters: Sequence[Chapter], print_ids: Sequence[str], page_of: dict[str, int]
) -> tuple[list[Chapter], list[tuple[int, str]]]:
    """Insert a page-break marker for each PDF page and return the page list (number, href).

    The marker of page N goes at the start of the first element that begins on that page in the
    PDF and also exists in the EPUB (paragraphs, list items, sections); a page that begins in the
    middle of a paragraph is marked where its next element starts.
    """
    chapter_of: dict[str, int] = {}
    for index, chapter in enumerate(chapters):
        for ident in ID.findall(chapter.xhtml):
            chapter_of.setdefault(ident, index)
    first_on_page: dict[int, str] = {}
    for ident in print_ids:
        if ident in chapter_of and ident in page_of:
            first_on_page.setdefault(page_of[ident], ident)
    marked = list(chapters)
    page_list = []
    for number, ident in sorted(first_on_page.items()):
        index = chapter_of[ident]
        marker = (
            f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{number}" '
            f'aria-label="{number}"></span>'
        )
        opening = re.compile(rf'<[A-Za-z][A-Za-z0-9]*\b[^<>]*\sid="{re.escape(ident)}"[^<>]*>')
        xhtml = opening.sub(lambda match, m=marker: match.group() + m, marked[index].xhtml, 1)
        marked[index] = dataclasses.replace(marked[index], xhtml=xhtml)
        page_list.append((number, f"{marked[index].file_name}#page-{number}"))
    return marked, page_list
