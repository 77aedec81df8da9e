"""Orchestration: plan (what is current), render every output, write them all, record the build.

Nothing is written until every brief is loaded, validated and rendered, so a failure leaves the
previous outputs as they were. This module imports only the standard library and the leaf
modules at first: a build that turns out to be up to date loads nothing heavy.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from report.cache import user_cache
from report.errors import OutputError, UsageError
from report.files import finish_interrupted, write_all
from report.interrupts import raise_if_received
from report.options import DEFAULT_PDF_STANDARD, FORMATS, BuildOptions, runs_in_one_process
from report.plan import plan_build, record
from report.shelf import SHELF_FOLDER

if TYPE_CHECKING:
    from report.outputs.formats import Output
    from report.outputs.pdf_worker import PdfWorker
    from report.render.prepared import PreparedBrief
    from report.shelf.project import Project

Progress = Callable[[Path, str], None]  # content file, stage
log = logging.getLogger(__name__)


class Written(NamedTuple):
    """One output of the build (a file, or the web edition's index.html), its size, how long
    rendering it took, and whether the previous build's file was reused."""

    path: Path
    size: int  # of the file itself (for the web edition, its page)
    seconds: float
    reused: bool = False
    with_assets: int = 0  # the web edition: its folder, fonts and images included


def build(
    sources: Sequence[Path],
    out_dir: Path,
    formats: Iterable[str] = FORMATS,
    *,
    force: bool = False,
    workers: int | None = None,
    pdf_standard: str = DEFAULT_PDF_STANDARD,
    progress: Progress | None = None,
    pdf_worker: PdfWorker | None = None,
) -> list[Written]:
    """Build every format of every content file into `out_dir`; return what was written.

    Outputs whose inputs did not change since the last build are reused unless `force` is set.
    `workers` processes render several content files at once (default: one per core); a
    `pdf_worker` kept by the caller renders the PDF of a single brief (report serve keeps one).
    """
    options = BuildOptions(tuple(formats), pdf_standard, force, workers)
    return run(sources, out_dir, options, progress, pdf_worker)


def run(
    sources: Sequence[Path],
    out_dir: Path,
    options: BuildOptions,
    progress: Progress | None = None,
    pdf_worker: PdfWorker | None = None,
    project: Project | None = None,
) -> list[Written]:
    """Build with the options already gathered (see `build`); with a `project` (and
    `options.shelf`), each brief's catalog entry too, and the shelf's site from them."""
    _check_names(sources, out_dir)
    finish_interrupted(out_dir)  # a build killed while renaming its outputs: complete them
    current = plan_build(sources, out_dir, options.shaping_outputs(), options.force)
    reused = _reused(out_dir, current.reused)
    if not current.stale:
        return reused + _site(out_dir, project, {}, options.force)
    processes = _processes(current.stale, options)
    own_worker = None if pdf_worker else _early_pdf_worker(current.stale, options, processes)
    try:
        from report.render.prepared import prepare_all

        prepared = prepare_all(current.stale, user_cache())
        rendered = render_all(prepared, options, processes, progress, pdf_worker or own_worker)
    finally:
        if own_worker:
            own_worker.close()
    outputs = [output for by_format in rendered for output in by_format.values()]
    files = [(out_dir / name, data) for output in outputs for name, data in output.files.items()]
    raise_if_received()  # a Ctrl-C that a callback swallowed still stops the build here
    site = _site_files(out_dir, project, dict(files)) if project else []
    write_all(files + site)  # the briefs and the site they make: all in place, or none
    for brief, by_format in zip(prepared, rendered, strict=True):
        paths = [out_dir / name for output in by_format.values() for name in output.files]
        try:
            record(out_dir, brief.source, brief.inputs(options.shaping_outputs()), paths)
        except OutputError as err:  # the outputs are in place; the next build just redoes them
            log.warning("%s; the next build of %s will not reuse its outputs", err, brief.source)
    shown = [
        output for by_format in rendered for fmt, output in by_format.items() if fmt != "shelf"
    ]
    return (
        reused
        + [_written(out_dir, output) for output in shown]
        + _site_record(out_dir, project, site)
    )


def _site(
    out_dir: Path, project: Project | None, pending: dict[Path, bytes], force: bool
) -> list[Written]:
    """Make the shelf's site again when it is not current (a brief built, the project file
    or a template changed); write it and list its index page."""
    if project is None:
        return []
    from report.shelf.state import site_is_current

    if not force and site_is_current(out_dir, project.path):
        return []
    site = _site_files(out_dir, project, pending)
    write_all(site)
    return _site_record(out_dir, project, site)


def _site_files(
    out_dir: Path, project: Project, pending: dict[Path, bytes]
) -> list[tuple[Path, bytes]]:
    from report.shelf.site import site_targets

    return site_targets(out_dir, project, pending)


def _site_record(
    out_dir: Path, project: Project | None, site: list[tuple[Path, bytes]]
) -> list[Written]:
    """Record the site just written; list it as its index page, with the whole site's size."""
    if project is None or not site:
        return []
    from report.shelf.site import template_folders
    from report.shelf.state import record_site

    paths = [path for path, _ in site]
    try:
        record_site(out_dir, project.path, template_folders(project), paths)
    except OutputError as err:
        log.warning("%s; the next build will make the site again", err)
    index = next(path for path in paths if path.name == "index.html" and path.parent.name == "site")
    total = sum(len(data) for _, data in site)
    return [Written(index, index.stat().st_size, 0.0, with_assets=total)]


def _reused(out_dir: Path, paths: Sequence[Path]) -> list[Written]:
    """The reused outputs as a build lists them: a file each, and a web edition's folder as its
    index.html, with the size of the whole folder beside its own."""
    sizes: dict[Path, int] = {}
    for path in paths:
        inside = path.relative_to(out_dir).parts if path.is_relative_to(out_dir) else ()
        if inside and inside[0] == SHELF_FOLDER:
            continue  # the catalog entries: the shelf's, not outputs a reader opens
        shown = out_dir / inside[0] / "index.html" if len(inside) > 1 else path
        sizes[shown] = sizes.get(shown, 0) + path.stat().st_size
    return [
        Written(path, path.stat().st_size, 0.0, True, size if size != path.stat().st_size else 0)
        for path, size in sizes.items()
    ]


def _written(out_dir: Path, output: Output) -> Written:
    main = next(iter(output.files))  # the web edition is a folder: its index.html comes first
    total = sum(map(len, output.files.values())) if len(output.files) > 1 else 0
    return Written(out_dir / main, len(output.files[main]), output.seconds, with_assets=total)


def _processes(stale: Sequence[Path], options: BuildOptions) -> int:
    """How many processes render: as asked, else one for large content (peak memory then stays
    near WeasyPrint's own), else one per core."""
    if options.workers is not None:
        return max(options.workers, 1)
    if runs_in_one_process(stale):
        return 1
    return os.cpu_count() or 1


def _early_pdf_worker(
    stale: Sequence[Path], options: BuildOptions, processes: int
) -> PdfWorker | None:
    """Start loading WeasyPrint in a second process now, when one PDF is to be built in more
    than one process: it imports while this process loads the content and renders the
    templates, then renders the PDF while this one writes the EPUB."""
    parallel = processes > 1 and (os.cpu_count() or 1) > 1 and sys.platform != "win32"
    if not ("pdf" in options.formats and len(stale) == 1 and parallel):
        return None
    from report.outputs.pdf_worker import PdfWorker

    return PdfWorker()


def render_all(
    prepared: Sequence[PreparedBrief],
    options: BuildOptions,
    processes: int = 1,
    progress: Progress | None = None,
    pdf_worker: PdfWorker | None = None,
) -> list[dict[str, Output]]:
    """Render every format of each brief; several briefs render in up to `processes` worker
    processes, one brief with the `pdf_worker` when there is one."""
    from report.outputs.formats import make_outputs

    if pdf_worker is not None and len(prepared) == 1:
        return [
            _with_entry(
                make_outputs(prepared[0], options, progress, pdf_worker), prepared[0], options
            )
        ]
    workers = min(processes, len(prepared))
    if workers <= 1 or sys.platform == "win32":
        return [
            _with_entry(make_outputs(brief, options, progress), brief, options)
            for brief in prepared
        ]
    # Forked workers inherit the loaded briefs and templates; only the bytes come back.
    # Imported here: a build of one file (most of them) never pays for loading the pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from report.outputs.pdf_worker import die_with_parent

    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        futures = [pool.submit(outputs_with_entry, brief, options) for brief in prepared]
        results = []
        for brief, future in zip(prepared, futures, strict=True):
            results.append(future.result())
            if progress:
                progress(brief.source, "rendered")
        return results


def outputs_with_entry(brief: PreparedBrief, options: BuildOptions) -> dict[str, Output]:
    """Every format of one brief, and its catalog entry for a shelf (in a worker process)."""
    from report.outputs.formats import make_outputs

    return _with_entry(make_outputs(brief, options), brief, options)


def _with_entry(
    outputs: dict[str, Output], brief: PreparedBrief, options: BuildOptions
) -> dict[str, Output]:
    """Add the brief's catalog entry and covers (report.shelf.entries) as one more output."""
    if not options.shelf:
        return outputs
    import time

    from report.outputs.formats import Output
    from report.shelf.entries import entry_files

    started = time.perf_counter()
    files = entry_files(brief, options.formats)
    return {**outputs, "shelf": Output(files, time.perf_counter() - started)}


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
    """Validate content files and render the templates of every output, writing nothing: what
    a build would refuse, check refuses too."""
    from report.render.epub_edition import chapters
    from report.render.prepared import prepare_all
    from report.render.print_edition import render_print
    from report.render.stylesheets import stylesheet_files
    from report.render.web_edition import web_files

    for prepared in prepare_all(sources, user_cache()):
        render_print(prepared, DEFAULT_PDF_STANDARD)
        chapters(prepared)
        stylesheet_files(prepared)
        web_files(prepared, FORMATS)
    return list(sources)
