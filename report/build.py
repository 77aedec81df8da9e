"""Orchestration: load every brief, render every output, and only then write files."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from report import __version__, cache
from report.errors import UsageError
from report.job import Job, inputs, prepare_all, stylesheet_files
from report.output import write_all
from report.pdf import STANDARDS
from report.render_epub import chapters, epub_parts, finish_epub, page_map
from report.render_print import pdf_request, print_html
from report.render_web import render_web
from report.sources import FORMATS, PARALLEL_BELOW_BYTES, check_formats, content_bytes

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
        for job in prepare_all(stale, cache.user_cache())
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
        cache.record(out_dir, job.source, inputs(job, options), job_targets[job.source])
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
    # Imported here: a build of one file (most of them) never pays for loading the pool.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

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
    request = pdf_request(job) if "pdf" in formats else None
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
    parts = epub_parts(job) if "epub" in formats else None
    epub_seconds = time.perf_counter() - started - results.get("pdf", (b"", 0.0))[1]
    if request and pdf_worker:
        page_of = pdf_worker.page_numbers()  # the worker goes on writing the PDF meanwhile
    if parts is not None:
        stage("writing EPUB")
        epub_started = time.perf_counter()
        pages = page_map(job, page_of, request)
        results["epub"] = (
            finish_epub(job, parts, pages),
            epub_seconds + time.perf_counter() - epub_started,
        )
    if request and pdf_worker:
        data, warnings = pdf_worker.result()
        _log_warnings(job, warnings)
        results["pdf"] = (data, time.perf_counter() - started)
        stage(f"PDF rendered in {results['pdf'][1]:.1f} s")
    if "html" in formats:
        stage("writing the web edition")
        web_started = time.perf_counter()
        results["html"] = (render_web(job, formats), time.perf_counter() - web_started)
    return {fmt: results[fmt] for fmt in formats}


def _pdf_module():
    import report.pdf  # WeasyPrint itself is imported by render_pdf, when a PDF is rendered

    return report.pdf


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
    for job in prepare_all(sources):
        print_html(job)
        chapters(job)
        stylesheet_files(job)
    return list(sources)


def _log_warnings(job: Job, warnings: list[str]) -> None:
    for warning in warnings:
        log.warning("%s: WeasyPrint: %s", job.source, warning)
