"""The EPUB's documents and files: chapters rendered from the templates, stylesheets, font
subsets, images and the cover image (page-break markers are added once the PDF's pages are
known, see report.render.pages)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from report.cache import file_digest, memo
from report.content.model import all_sections, byline
from report.content.paths import image_path
from report.render.containment import check_document
from report.render.edition_fonts import font_licences
from report.render.epub_parts import Chapter, EpubParts
from report.render.fonts import (
    book_fonts,
    extra_fonts,
    fallback_subset,
    shipped_characters,
)
from report.render.links import Addresses, Footnotes
from report.render.prepared import PreparedBrief
from report.render.stylesheets import stylesheet_files
from report.version import GENERATOR

if TYPE_CHECKING:
    from report.render.cover import Fallback


def book_parts(prepared: PreparedBrief) -> EpubParts:
    """Render the EPUB's documents and gather its files."""
    templates = prepared.templates
    documents = chapters(prepared)
    used = set().union(*(chapter.xhtml for chapter in documents), templates.labels["contents"])
    return EpubParts(
        chapters=documents,
        stylesheets=stylesheet_files(prepared),
        fonts=book_fonts(templates, used, prepared.cache_dir),
        font_licences=font_licences(templates),
        images={name: path.read_bytes() for name, path in prepared.images.values()},
        cover_png=cover_image(prepared),
        nav_title=templates.labels["contents"],
        landmarks_title=templates.labels["landmarks"],
        pages_title=templates.labels["pages"],
        page_source=f"{prepared.brief.title}, {templates.edition_line(prepared.brief)}, PDF",
        source_sha256=hashlib.sha256(prepared.source.read_bytes()).hexdigest(),
        generator=GENERATOR,
        lists=navigation_lists(prepared),
    )


def navigation_lists(prepared: PreparedBrief) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The lists of tables and figures the brief asks for, as the navigation document holds
    them (each entry's text and its href from the navigation document)."""
    from report.render.templates import plain_text

    xrefs, contents, labels = prepared.xrefs, prepared.brief.contents, prepared.templates.labels
    if xrefs is None:
        return []
    wanted = [
        ("lot", labels["list_of_tables"], xrefs.tables, contents.tables),
        ("loi", labels["list_of_figures"], xrefs.figures, contents.figures),
    ]
    return [
        (
            kind,
            title,
            [
                (
                    f"{target.label}. {plain_text(target.caption)}",
                    f"text/{target.section_id}.xhtml#{target.anchor}",
                )
                for target in targets
            ],
        )
        for kind, title, targets, asked in wanted
        if asked and targets
    ]


def cover_image(prepared: PreparedBrief) -> bytes:
    """The cover image (PNG), drawn once per look and kept in the user cache."""
    brief, templates = prepared.brief, prepared.templates
    logo = image_path(prepared.source, brief.style.logo) if brief.style.logo else None
    fonts = [templates.find(f"fonts/{name}") for name in ("Inter-Bold.otf", "CharisSIL-Bold.ttf")]
    key = [
        "cover",
        json.dumps(
            [
                *(brief.title, brief.topic, brief.type, brief.publisher, byline(brief)),
                dataclasses.astuple(brief.style),
            ]
        ),
        templates.edition_line(brief),
        templates.cover_label(brief),
        # Digests, not contents: the fonts weigh megabytes and were hashed for the build record.
        *(file_digest(path) or "" for path in [*fonts, Path(__file__).with_name("cover.py")]),
        (file_digest(logo) or "") if logo else "",
        *(file_digest(font.path) or "" for font in extra_fonts(templates)),
    ]

    def draw() -> bytes:
        from report.render.cover import draw_cover  # Pillow is loaded only when the cache misses

        fallbacks, shipped = cover_fallbacks(prepared)
        return draw_cover(
            brief,
            templates.edition_line(brief),
            templates.find,
            logo,
            fallbacks,
            shipped,
            templates.cover_label(brief),
        )

    return memo(prepared.cache_dir, key, draw)


def cover_fallbacks(prepared: PreparedBrief) -> tuple[list[Fallback], frozenset[str]]:
    """The edition's fonts as the cover draws with them, and the characters it need not."""
    from report.render.cover import Fallback

    templates, cache_dir = prepared.templates, prepared.cache_dir
    shipped = shipped_characters(templates, cache_dir)
    fallbacks = [
        Fallback(
            font.book_name,
            fallback_subset(templates, font, cache_dir),
            font.weight,
            font.characters - shipped,
        )
        for font in extra_fonts(templates)
        if not font.italic
    ]
    return fallbacks, shipped


def _noteref(number: int, text: Markup) -> str:
    return (
        f'<a epub:type="noteref" role="doc-noteref" id="noteref-{number}" '
        f'href="#note-{number}">{number}</a>'
    )


def chapters(prepared: PreparedBrief) -> list[Chapter]:
    """Render every XHTML document of the book, in reading order."""
    brief, templates, labels = prepared.brief, prepared.templates, prepared.templates.labels
    xrefs = prepared.xrefs
    addresses = Addresses(
        # A table or figure is found in its section's file.
        section=lambda anchor: f"{xrefs.section_of(anchor) if xrefs else anchor}.xhtml#{anchor}",
        image=lambda src: f"../{prepared.images[src][0]}",
        label=xrefs.label if xrefs else lambda anchor: "",
    )
    numbers = itertools.count(1)  # notes are numbered through the book, as the PDF numbers them
    # One renderer for the book: a note style's "Ibid." follows the reading order across files.
    citations = prepared.citations(lambda anchor: f"bibliography.xhtml#{anchor}")

    def page(
        name: str,
        file_name: str,
        title: str,
        landmark: str | None = None,
        in_toc: bool = True,
        **context: object,
    ) -> Chapter:
        notes = Footnotes(brief, addresses, _noteref, numbers, citations)  # each page lists its own
        xhtml = templates.render(
            f"epub/{name}.xhtml",
            brief,
            title=title,
            resolvers=notes.resolvers(),
            footnotes=notes.called,
            changes=prepared.changes,
            href=addresses.section,
            image_url=addresses.image,
            medium="epub",
            **prepared.numbered_context(),
            **context,
        )
        check_document(xhtml, f"epub/{name}.xhtml", xml=True)
        return Chapter(file_name, title, xhtml, in_toc=in_toc, landmark=landmark)

    return [
        page("cover", "text/cover.xhtml", labels["cover"], landmark="cover", in_toc=False),
        page("titlepage", "text/titlepage.xhtml", labels["title_page"], in_toc=False),
        page("summary", "text/summary.xhtml", labels["at_a_glance"]),
        *(
            dataclasses.replace(
                page(
                    "section",
                    f"text/{section.id}.xhtml",
                    xrefs.titled(section.id, section.title) if xrefs else section.title,
                    section=section,
                    landmark="text" if index == 0 else None,
                ),
                headings=tuple(
                    (
                        int(heading.kind[-1]),
                        heading.label,
                        f"text/{section.id}.xhtml#{heading.anchor}",
                    )
                    for heading in (
                        xrefs.contents_headings(section.id, brief.contents.depth) if xrefs else []
                    )
                ),
            )
            for index, section in enumerate(all_sections(brief))
        ),
        *([page("changes", "text/changes.xhtml", labels["changes"])] if prepared.changes else []),
        *([page("glossary", "text/glossary.xhtml", labels["glossary"])] if brief.glossary else []),
        *(
            [page("bibliography", "text/bibliography.xhtml", labels["bibliography"])]
            if prepared.bibliography
            else []
        ),
        page("about", "text/about.xhtml", labels["about"]),
    ]
