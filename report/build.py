"""Orchestration: load every brief, render every output, and only then write files."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import logging
import multiprocessing
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from markupsafe import Markup

from report import __version__, cache
from report.assets import AssetRoots, epub_stylesheet
from report.changes import Changes, compare
from report.content import image_path, load_brief, previous_path
from report.epub_parts import Chapter, EpubParts
from report.errors import ContentError, UsageError
from report.markup import Resolvers, references, render_inline
from report.model import Brief, markdown_texts
from report.output import write_all
from report.pages import ids_in_order, mark_pages
from report.pdf import STANDARDS, PdfRequest
from report.sources import FORMATS, PARALLEL_BELOW_BYTES, check_formats, content_bytes
from report.templates import BASE_TEMPLATES, THEMES, Medium, Templates
from report.theme import style_css

GENERATOR = f"report {__version__}"

if TYPE_CHECKING:
    from report.pdf_worker import PdfWorker
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Written:
    """One output file of the build, how long rendering it took, and whether it was reused."""

    path: Path
    size: int
    seconds: float
    reused: bool = False


Progress = Callable[[Path, str], None]


@dataclass(frozen=True)
class Job:
    """A loaded brief with its templates and allowed asset folders."""

    source: Path
    brief: Brief
    templates: Templates
    roots: AssetRoots
    changes: Changes | None
    images: dict[str, tuple[str, Path]]  # image source in the text -> (name in EPUB, file)
    cache_dir: Path | None = None  # where derived assets (the cover image) are kept
    pdf_standard: str = "ua-1"


def build(
    sources: Sequence[Path],
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    pdf_worker: PdfWorker | None = None,
    pdf_standard: str = "ua-1",
) -> list[Written]:
    """Build every format of every content file into `out_dir`.

    Outputs whose inputs did not change since the last build are reused unless `force` is set.
    Everything else is loaded, validated and rendered first (in `workers` processes, by default
    one per core); files are written only when every output rendered, so a failure leaves the
    previous outputs untouched.
    """
    chosen = check_formats(formats)
    _check_names(sources, out_dir)
    if pdf_standard not in STANDARDS:
        raise UsageError(
            f"unknown PDF standard {pdf_standard!r}; choose from {', '.join(STANDARDS)}"
        )
    options = cache.cache_options(chosen, pdf_standard, __version__)
    reused: list[Written] = []
    stale: list[Path] = []
    for source in sources:
        outputs = None if force else cache.up_to_date(out_dir, source, options)
        if outputs:
            reused += [Written(path, path.stat().st_size, 0.0, reused=True) for path in outputs]
        else:
            stale.append(source)
    jobs = [
        dataclasses.replace(job, pdf_standard=pdf_standard)
        for job in _prepare_all(stale, cache.user_cache())
    ]
    if workers is None and content_bytes(stale) > PARALLEL_BELOW_BYTES:
        workers = 1  # large documents: keep peak memory near WeasyPrint's own
    rendered = render_jobs(jobs, chosen, workers, progress, pdf_worker)
    job_targets: dict[Path, list[Path]] = {}
    files: list[tuple[Path, bytes]] = []
    written: list[Written] = []
    for job, results in zip(jobs, rendered, strict=True):
        targets = []
        for fmt, (data, seconds) in results.items():
            # The web edition is a folder (index.html first); the others are one file each.
            pieces = data if isinstance(data, dict) else {f"{job.source.stem}.{fmt}": data}
            paths = [out_dir / name for name in pieces]
            files += list(zip(paths, pieces.values(), strict=True))
            targets += paths
            written.append(Written(paths[0], sum(map(len, pieces.values())), seconds))
        job_targets[job.source] = targets
    write_all(files)
    for job in jobs:
        cache.record(out_dir, job.source, _inputs(job, options), job_targets[job.source])
    return reused + written


# format -> (file bytes, or files by path relative to the output folder; seconds)
Rendered = dict[str, tuple[bytes | dict[str, bytes], float]]


def render_jobs(
    jobs: Sequence[Job],
    formats: Sequence[str],
    workers: int | None,
    progress: Progress | None,
    pdf_worker: PdfWorker | None = None,
) -> list[Rendered]:
    """Render every format of each job; several jobs render in parallel worker processes."""
    if pdf_worker is not None and len(jobs) == 1:
        return [render_job(jobs[0], formats, progress, pdf_worker)]
    workers = min(workers or os.cpu_count() or 1, len(jobs))
    if workers <= 1 or sys.platform == "win32":
        return [render_job(job, formats, progress) for job in jobs]
    # Forked workers inherit the loaded briefs and templates; only the bytes come back.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(render_job, job, formats, None) for job in jobs]
        results = []
        for job, future in zip(jobs, futures, strict=True):
            results.append(future.result())
            if progress:
                progress(job.source, "rendered")
        return results


def render_job(
    job: Job,
    formats: Sequence[str],
    progress: Progress | None = None,
    pdf_worker: PdfWorker | None = None,
) -> Rendered:
    """Render one brief: the PDF first (or in the worker, meanwhile), then the EPUB, whose
    page-break markers follow the PDF's pages."""

    def stage(text: str) -> None:
        if progress:
            progress(job.source, text)

    results: Rendered = {}
    page_of: dict[str, int] | None = None
    request = _pdf_request(job) if "pdf" in formats else None
    started = time.perf_counter()
    if request and pdf_worker:
        stage("rendering PDF")
        pdf_worker.submit(request)
    elif request:
        stage("rendering PDF")
        data, warnings, page_of = _pdf_module().render_pdf(request)
        _log_warnings(job, warnings)
        results["pdf"] = (data, time.perf_counter() - started)
        stage(f"PDF rendered in {results['pdf'][1]:.1f} s")
    parts = _epub_parts(job) if "epub" in formats else None
    epub_seconds = time.perf_counter() - started - results.get("pdf", (b"", 0.0))[1]
    if request and pdf_worker:
        data, warnings, page_of = pdf_worker.result()
        _log_warnings(job, warnings)
        results["pdf"] = (data, time.perf_counter() - started)
        stage(f"PDF rendered in {results['pdf'][1]:.1f} s")
    if parts is not None:
        stage("writing EPUB")
        epub_started = time.perf_counter()
        pages = _page_map(job, page_of, request)
        results["epub"] = (
            _finish_epub(job, parts, pages),
            epub_seconds + time.perf_counter() - epub_started,
        )
    if "html" in formats:
        stage("writing the web edition")
        web_started = time.perf_counter()
        results["html"] = (_render_web(job, formats), time.perf_counter() - web_started)
    return {fmt: results[fmt] for fmt in formats}


def _pdf_module():
    import report.pdf  # WeasyPrint itself is imported by render_pdf, when a PDF is rendered

    return report.pdf


def _inputs(job: Job, options: dict[str, object]) -> dict[str, object]:
    """Every file a build of this job read, for the up-to-date check of the next build."""
    files = [job.source]
    previous = previous_path(job.source, job.brief)
    if previous:
        files.append(previous)
    files += [path for _, path in job.images.values()]
    if job.brief.style.logo:
        files.append(image_path(job.source, job.brief.style.logo))
    # The edition folder counts even while it does not exist: creating it changes the build.
    edition_folder = job.source.parent / job.source.stem
    return cache.fingerprint(files, [edition_folder, *job.templates.search_path], options)


def _check_names(sources: Sequence[Path], out_dir: Path) -> None:
    """Refuse two content files (or one named twice) with the same stem: outputs would clash."""
    claimed: dict[str, Path] = {}
    for source in sources:
        other = claimed.setdefault(source.stem, source)
        if other is not source:
            raise UsageError(
                f"{source} and {other} would both write {out_dir / source.stem}.*;"
                " rename one or build them into different folders"
            )


def check(sources: Sequence[Path]) -> list[Path]:
    """Validate content files and render their templates, writing nothing."""
    for job in _prepare_all(sources):
        _print_html(job)
        _chapters(job)
        _epub_stylesheets(job)
    return list(sources)


def _prepare_all(sources: Sequence[Path], cache_dir: Path | None = None) -> list[Job]:
    """Load every content file; raise one ContentError listing the problems of all of them."""
    problems: list[str] = []
    jobs = []
    for source in sources:
        try:
            jobs.append(_prepare(source, cache_dir))
        except ContentError as err:
            problems += err.problems
    if problems:
        raise ContentError(problems)
    return jobs


def _prepare(source: Path, cache_dir: Path | None = None) -> Job:
    if not source.is_file():
        raise UsageError(f"{source}: no such content file")
    brief = load_brief(source)
    # An edition's own templates and css/edition.css live in a folder named like its file.
    edition_folder = source.parent / source.stem
    templates = Templates(
        overrides=edition_folder if edition_folder.is_dir() else None,
        theme=THEMES / brief.theme if brief.theme else None,
        language=brief.edition.language,
        bytecode_dir=cache_dir / "templates" if cache_dir else None,
    )
    roots = AssetRoots([BASE_TEMPLATES, source.parent, *templates.search_path])
    previous = previous_path(source, brief)
    changes = compare(load_brief(previous), brief) if previous and brief.show_changes else None
    assets = cache_dir / "assets" if cache_dir else None
    return Job(source, brief, templates, roots, changes, _image_map(source, brief), assets)


def _pdf_request(job: Job) -> PdfRequest:
    return PdfRequest(
        html=_print_html(job),
        base=BASE_TEMPLATES,
        roots=job.roots,
        epoch=_epoch(job.brief),
        standard=job.pdf_standard,
        source_name=job.source.name,
        source=job.source.read_bytes(),
        generator=GENERATOR,
    )


def _log_warnings(job: Job, warnings: list[str]) -> None:
    for warning in warnings:
        log.warning("%s: WeasyPrint: %s", job.source, warning)


def _print_html(job: Job) -> str:
    stylesheets = [
        layer.as_uri() if isinstance(layer, Path) else _data_url(layer)
        for _, layer in _stylesheet_layers(job, "print")
    ]
    plain = Resolvers(link=lambda t: t, image=lambda src: image_path(job.source, src).as_uri())

    def footnote(name: str) -> str:
        # Set at the foot of its page by WeasyPrint (float: footnote), numbered by CSS.
        return f'<span class="footnote">{render_inline(job.brief.notes[name], plain)}</span>'

    resolvers = dataclasses.replace(plain, note=footnote)
    logo = job.brief.style.logo
    return job.templates.render(
        "print.html",
        job.brief,
        stylesheets=stylesheets,
        generator=GENERATOR,
        resolvers=resolvers,
        logo_url=image_path(job.source, logo).as_uri() if logo else None,
        changes=job.changes,
        href=lambda section_id: f"#{section_id}",
    )


def _epub_parts(job: Job) -> EpubParts:
    """Render the EPUB's documents and gather its files (page markers come later)."""
    from report.fonts import subset_font  # HarfBuzz, loaded only for an EPUB

    templates = job.templates
    chapters = _chapters(job)
    used = set().union(*(chapter.xhtml for chapter in chapters), templates.labels["contents"])
    return EpubParts(
        chapters=chapters,
        stylesheets=_epub_stylesheets(job),
        fonts={f"fonts/{path.name}": subset_font(path, used) for path in _fonts(templates)},
        images={name: path.read_bytes() for name, path in job.images.values()},
        cover_png=_cover(job),
        nav_title=templates.labels["contents"],
        landmarks_title=templates.labels["landmarks"],
        pages_title=templates.labels["pages"],
        source_sha256=hashlib.sha256(job.source.read_bytes()).hexdigest(),
        generator=GENERATOR,
    )


def _finish_epub(job: Job, parts: EpubParts, pages: PageMap | None) -> bytes:
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


def _page_map(
    job: Job, page_of: dict[str, int] | None, request: PdfRequest | None
) -> PageMap | None:
    """The page map of this build's PDF, or of the last PDF built from the same inputs."""
    folder = job.cache_dir / "pages" if job.cache_dir else None
    key = [json.dumps(_inputs(job, {"pdf_standard": job.pdf_standard}), sort_keys=True)]
    if page_of is not None and request is not None:
        pages = PageMap(ids_in_order(request.html), page_of)
        cache.keep(folder, key, json.dumps(dataclasses.asdict(pages)).encode())
        return pages
    stored = cache.recall(folder, key)
    # Without a PDF built from these inputs, the EPUB has no page numbers.
    return PageMap(**json.loads(stored)) if stored else None


def _render_web(job: Job, formats: Sequence[str]) -> dict[str, bytes]:
    """The web edition: <name>/index.html with its stylesheets, fonts and images."""
    from report.fonts import subset_font

    brief, templates, labels, stem = job.brief, job.templates, job.templates.labels, job.source.stem
    footnotes: list[tuple[int, Markup]] = []
    plain = Resolvers(link=lambda target: target, image=lambda src: job.images[src][0])

    def noteref(note: str) -> str:
        number = len(footnotes) + 1
        footnotes.append((number, render_inline(brief.notes[note], plain)))
        return f'<a role="doc-noteref" id="noteref-{number}" href="#note-{number}">{number}</a>'

    stylesheets = _epub_stylesheets(job, "web")
    downloads = [
        (labels[f"download_{fmt}"], f"../{stem}.{fmt}") for fmt in FORMATS if fmt in formats
    ]
    html = templates.render(
        "web.html",
        brief,
        stylesheets=list(stylesheets),
        generator=GENERATOR,
        resolvers=dataclasses.replace(plain, note=noteref),
        footnotes=footnotes,
        changes=job.changes,
        href=lambda section_id: f"#{section_id}",
        downloads=downloads,
    )
    files = {f"{stem}/index.html": html.encode("utf-8")}
    files |= {f"{stem}/{name}": data for name, data in stylesheets.items()}
    files |= {
        f"{stem}/fonts/{path.name}": subset_font(path, set(html)) for path in _fonts(templates)
    }
    files |= {f"{stem}/{name}": path.read_bytes() for name, path in job.images.values()}
    return files


def _image_map(source: Path, brief: Brief) -> dict[str, tuple[str, Path]]:
    """Map each image source in the text to its file name in the book and its file."""
    sources = dict.fromkeys(
        reference.target
        for text in markdown_texts(brief)
        for reference in references(text)
        if reference.kind == "image"
    )
    images = {}
    for number, src in enumerate(sources, start=1):
        path = image_path(source, src)
        safe = re.sub(r"[^A-Za-z0-9._-]", "-", path.name)  # EPUB file names: no spaces etc.
        images[src] = (f"images/{number:02d}-{safe}", path)
    return images


def _stylesheet_layers(job: Job, medium: Medium) -> list[tuple[str, Path | str]]:
    """Name and source (a file, or generated CSS) of each stylesheet layer, in cascade order.

    Both writers take their layers from here: base (and theme), the style: settings, the edition.
    """
    layers: list[tuple[str, Path | str]] = [
        (f"css/{path.name}", path) for path in job.templates.stylesheets(medium)
    ]
    layers.append(("css/style.css", style_css(job.brief.style, medium)))
    edition = job.templates.edition_stylesheet()
    if edition:
        layers.append(("css/edition.css", edition))
    return layers


def _epub_stylesheets(job: Job, medium: Medium = "epub") -> dict[str, bytes]:
    """The stylesheet files of a reflowable output (EPUB or web): nothing loads from outside."""
    return {
        name: epub_stylesheet(layer) if isinstance(layer, Path) else layer.encode("utf-8")
        for name, layer in _stylesheet_layers(job, medium)
    }


def _data_url(css: str) -> str:
    return "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii")


def _cover(job: Job) -> bytes:
    brief, templates = job.brief, job.templates
    logo = image_path(job.source, brief.style.logo) if brief.style.logo else None
    fonts = [templates.find(f"fonts/{name}") for name in ("Inter-Bold.otf", "CharisSIL-Bold.ttf")]
    key = [
        "cover",
        brief.model_dump_json(include={"title", "topic", "author", "style"}),
        templates.edition_line(brief),
        *(path.read_bytes() for path in [*fonts, Path(__file__).with_name("cover.py")]),
        logo.read_bytes() if logo else b"",
    ]

    def draw() -> bytes:
        from report.cover import draw_cover  # Pillow is loaded only when the cache misses

        return draw_cover(brief, templates.edition_line(brief), templates.find, logo)

    return cache.memo(job.cache_dir, key, draw)


def _chapters(job: Job) -> list[Chapter]:
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


def _fonts(templates: Templates) -> list[Path]:
    """Return the font files the stylesheets' @font-face rules point at."""
    fonts_css = templates.find("css/fonts.css").read_text(encoding="utf-8")
    names = sorted(set(re.findall(r'url\("\.\./fonts/([^"]+)"\)', fonts_css)))
    return [templates.find(f"fonts/{name}") for name in names]


def _epoch(brief: Brief) -> int:
    moment = dt.datetime.combine(brief.edition.date, dt.time(), tzinfo=dt.UTC)
    return int(moment.timestamp())
