"""Orchestration: load every brief, render every output, and only then write files."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import itertools
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
    tasks = [(job, fmt, out_dir / f"{job.source.stem}.{fmt}") for job in jobs for fmt in chosen]
    if workers is None and content_bytes(stale) > PARALLEL_BELOW_BYTES:
        workers = 1  # large documents: keep peak memory near WeasyPrint's own
    rendered = render_tasks([(job, fmt) for job, fmt, _ in tasks], workers, progress, pdf_worker)
    write_all([(target, data) for (_, _, target), (data, _) in zip(tasks, rendered, strict=True)])
    for job in jobs:
        targets = [target for task_job, _, target in tasks if task_job is job]
        cache.record(out_dir, job.source, _inputs(job, options), targets)
    written = [
        Written(target, len(data), seconds)
        for (_, _, target), (data, seconds) in zip(tasks, rendered, strict=True)
    ]
    return reused + written


def render_tasks(
    tasks: Sequence[tuple[Job, str]],
    workers: int | None,
    progress: Progress | None,
    pdf_worker: PdfWorker | None = None,
) -> list[tuple[bytes, float]]:
    """Render each (job, format), in parallel worker processes when there is more than one."""
    if pdf_worker is not None:
        return _render_beside(pdf_worker, tasks, progress)
    workers = min(workers or os.cpu_count() or 1, len(tasks))
    for job, fmt in tasks:
        if progress:
            progress(job.source, f"rendering {fmt.upper()}")
    if workers <= 1 or sys.platform == "win32":
        results = []
        for job, fmt in tasks:
            results.append(_timed_render(job, fmt))
            if progress:
                progress(job.source, f"{fmt.upper()} rendered in {results[-1][1]:.1f} s")
        return results
    # Forked workers inherit the loaded briefs and templates; only the bytes come back.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(_timed_render, job, fmt) for job, fmt in tasks]
        results = []
        for (job, fmt), future in zip(tasks, futures, strict=True):
            results.append(future.result())
            if progress:
                progress(job.source, f"{fmt.upper()} rendered in {results[-1][1]:.1f} s")
        return results


def _render_beside(
    worker: PdfWorker, tasks: Sequence[tuple[Job, str]], progress: Progress | None
) -> list[tuple[bytes, float]]:
    """Send the PDFs to the worker, render the rest here meanwhile, then collect the PDFs."""
    sent: dict[int, float] = {}
    results: dict[int, tuple[bytes, float]] = {}
    for index, (job, fmt) in enumerate(tasks):
        if fmt == "pdf":
            if progress:
                progress(job.source, "rendering PDF")
            sent[index] = time.perf_counter()
            worker.submit(_pdf_request(job))
    for index, (job, fmt) in enumerate(tasks):
        if fmt != "pdf":
            if progress:
                progress(job.source, f"rendering {fmt.upper()}")
            results[index] = _timed_render(job, fmt)
    for index, started in sent.items():
        job = tasks[index][0]
        data, warnings = worker.result()
        _log_warnings(job, warnings)
        results[index] = (data, time.perf_counter() - started)
        if progress:
            progress(job.source, f"PDF rendered in {results[index][1]:.1f} s")
    return [results[index] for index in range(len(tasks))]


def _timed_render(job: Job, fmt: str) -> tuple[bytes, float]:
    started = time.perf_counter()
    data = RENDERERS[fmt](job)
    return data, time.perf_counter() - started


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


def _render_pdf(job: Job) -> bytes:
    from report.pdf import render_pdf  # keeps WeasyPrint out of EPUB-only builds

    data, warnings = render_pdf(_pdf_request(job))
    _log_warnings(job, warnings)
    return data


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


def _render_epub(job: Job) -> bytes:
    # Imported here: a PDF-only build (or an up-to-date check) never pays for EbookLib or Pillow.
    from report.epub import render_epub
    from report.fonts import subset_font

    templates, brief = job.templates, job.brief
    chapters = _chapters(job)
    used = set().union(*(chapter.xhtml for chapter in chapters), templates.labels["contents"])
    parts = EpubParts(
        chapters=chapters,
        stylesheets=_epub_stylesheets(job),
        fonts={f"fonts/{path.name}": subset_font(path, used) for path in _fonts(templates)},
        images={name: path.read_bytes() for name, path in job.images.values()},
        cover_png=_cover(job),
        nav_title=templates.labels["contents"],
        landmarks_title=templates.labels["landmarks"],
        source_sha256=hashlib.sha256(job.source.read_bytes()).hexdigest(),
        generator=GENERATOR,
    )
    return render_epub(brief, parts)


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


def _epub_stylesheets(job: Job) -> dict[str, bytes]:
    return {
        name: epub_stylesheet(layer) if isinstance(layer, Path) else layer.encode("utf-8")
        for name, layer in _stylesheet_layers(job, "epub")
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


RENDERERS: dict[str, Callable[[Job], bytes]] = {"pdf": _render_pdf, "epub": _render_epub}
