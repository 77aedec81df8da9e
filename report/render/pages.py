"""The page map: where the PDF's pages begin, kept for builds without a PDF, and the EPUB's
page-break markers placed from it (the same page numbers in both)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from report.cache import keep, recall
from report.render.epub_parts import Chapter
from report.render.prepared import PreparedBrief

ID = re.compile(r'\sid="([^"]+)"')


@dataclass(frozen=True)
class PageMap:
    """Where the PDF's pages begin: element ids in print order and the page of each."""

    print_ids: list[str]
    page_of: dict[str, int]


def page_map(
    prepared: PreparedBrief,
    pdf_standard: str,
    page_of: dict[str, int] | None = None,
    print_html: str | None = None,
) -> PageMap | None:
    """The page map of this build's PDF (`page_of`, laid out from `print_html`), or of the last
    PDF built from the same inputs; None when there is neither."""
    folder = prepared.cache_dir / "pages" if prepared.cache_dir else None
    key = [json.dumps(prepared.inputs({"pdf_standard": pdf_standard}), sort_keys=True)]
    if page_of is not None and print_html is not None:
        pages = PageMap(ID.findall(print_html), page_of)
        keep(folder, key, json.dumps(dataclasses.asdict(pages)).encode())
        return pages
    stored = recall(folder, key)
    return PageMap(**json.loads(stored)) if stored else None


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
