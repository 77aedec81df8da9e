"""The EPUB's documents and files, and its page-break markers from the PDF's pages."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from report import cache
from report.content import image_path
from report.epub_parts import Chapter, EpubParts
from report.fonts import subset_font
from report.job import GENERATOR, Job, font_files, inputs, stylesheet_files
from report.markup import Resolvers, render_inline
from report.pages import ids_in_order, mark_pages
from report.pdf import PdfRequest


def epub_parts(job: Job) -> EpubParts:
    """Render the EPUB's documents and gather its files (page markers come later)."""
    templates = job.templates
    documents = chapters(job)
    used = set().union(*(chapter.xhtml for chapter in documents), templates.labels["contents"])
    return EpubParts(
        chapters=documents,
        stylesheets=stylesheet_files(job),
        fonts={
            f"fonts/{path.name}": subset_font(path, used, job.cache_dir)
            for path in font_files(templates)
        },
        images={name: path.read_bytes() for name, path in job.images.values()},
        cover_png=cover(job),
        nav_title=templates.labels["contents"],
        landmarks_title=templates.labels["landmarks"],
        pages_title=templates.labels["pages"],
        source_sha256=hashlib.sha256(job.source.read_bytes()).hexdigest(),
        generator=GENERATOR,
    )


def finish_epub(job: Job, parts: EpubParts, pages: PageMap | None) -> bytes:
    """Add the PDF's page numbers (when known) and write the EPUB."""
    from report.epub import render_epub  # EbookLib, loaded only for an EPUB

    if pages is not None:
        chapters, page_list = mark_pages(parts.chapters, pages.print_ids, pages.page_of)
        source = f"{job.brief.title}, {job.templates.edition_line(job.brief)}, PDF"
        parts = dataclasses.replace(
            parts, chapters=chapters, page_list=page_list, page_source=source
        )
    return render_epub(job.brief, parts)


@dataclass(frozen=True)
class PageMap:
    """Where the PDF's pages begin: element ids in print order and the page of each."""

    print_ids: list[str]
    page_of: dict[str, int]


def page_map(
    job: Job, page_of: dict[str, int] | None, request: PdfRequest | None
) -> PageMap | None:
    """The page map of this build's PDF, or of the last PDF built from the same inputs."""
    folder = job.cache_dir / "pages" if job.cache_dir else None
    key = [json.dumps(inputs(job, {"pdf_standard": job.pdf_standard}), sort_keys=True)]
    if page_of is not None and request is not None:
        pages = PageMap(ids_in_order(request.html), page_of)
        cache.keep(folder, key, json.dumps(dataclasses.asdict(pages)).encode())
        return pages
    stored = cache.recall(folder, key)
    # Without a PDF built from these inputs, the EPUB has no page numbers.
    return PageMap(**json.loads(stored)) if stored else None


def cover(job: Job) -> bytes:
    brief, templates = job.brief, job.templates
    logo = image_path(job.source, brief.style.logo) if brief.style.logo else None
    fonts = [templates.find(f"fonts/{name}") for name in ("Inter-Bold.otf", "CharisSIL-Bold.ttf")]
    key = [
        "cover",
        json.dumps([brief.title, brief.topic, brief.author, dataclasses.astuple(brief.style)]),
        templates.edition_line(brief),
        # Digests, not contents: the fonts weigh megabytes and were hashed for the build record.
        *(cache.file_digest(path) or "" for path in [*fonts, Path(__file__).with_name("cover.py")]),
        (cache.file_digest(logo) or "") if logo else "",
    ]

    def draw() -> bytes:
        from report.cover import draw_cover  # Pillow is loaded only when the cache misses

        return draw_cover(brief, templates.edition_line(brief), templates.find, logo)

    return cache.memo(job.cache_dir, key, draw)


def chapters(job: Job) -> list[Chapter]:
    brief, templates, labels = job.brief, job.templates, job.templates.labels
    images = job.images
    numbers = itertools.count(1)
    plain = Resolvers(
        link=lambda target: f"{target[1:]}.xhtml{target}" if target.startswith("#") else target,
        image=lambda src: f"../{images[src][0]}",
    )

    def page(
        name: str,
        file_name: str,
        title: str,
        landmark: str | None = None,
        in_toc: bool = True,
        **context: object,
    ) -> Chapter:
        footnotes: list[tuple[int, Markup]] = []  # filled while the page renders

        def noteref(note: str) -> str:
            number = next(numbers)  # numbered through the book, as the PDF numbers them
            footnotes.append((number, render_inline(brief.notes[note], plain)))
            return (
                f'<a epub:type="noteref" role="doc-noteref" id="noteref-{number}" '
                f'href="#note-{number}">{number}</a>'
            )

        xhtml = templates.render(
            f"epub/{name}.xhtml",
            brief,
            title=title,
            resolvers=dataclasses.replace(plain, note=noteref),
            footnotes=footnotes,
            changes=job.changes,
            href=lambda section_id: f"{section_id}.xhtml#{section_id}",
            **context,
        )
        return Chapter(file_name, title, xhtml, in_toc=in_toc, landmark=landmark)

    return [
        page("cover", "text/cover.xhtml", labels["cover"], landmark="cover", in_toc=False),
        page("summary", "text/summary.xhtml", labels["at_a_glance"]),
        *(
            page(
                "section",
                f"text/{section.id}.xhtml",
                section.title,
                section=section,
                landmark="text" if index == 0 else None,
            )
            for index, section in enumerate(brief.sections)
        ),
        *([page("changes", "text/changes.xhtml", labels["changes"])] if job.changes else []),
        page("about", "text/about.xhtml", labels["about"]),
    ]
