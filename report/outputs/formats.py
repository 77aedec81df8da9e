"""Every output of one brief: the PDF first (or in the worker process, meanwhile), then the EPUB,
whose page-break markers follow the PDF's pages, then the web edition."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from report.options import BuildOptions
from report.render.epub_edition import book_parts
from report.render.pages import page_map
from report.render.prepared import PreparedBrief
from report.render.print_edition import render_print
from report.render.web_edition import web_files

if TYPE_CHECKING:
    from report.outputs.pdf_worker import PdfWorker

log = logging.getLogger(__name__)

Stage = Callable[[Path, str], None]  # content file, what is happening to it


@dataclass(frozen=True)
class Output:
    """One format of one brief: its files by path in the output folder, the main one first."""

    files: dict[str, bytes]
    seconds: float


def make_outputs(
    prepared: PreparedBrief,
    options: BuildOptions,
    stage: Stage | None = None,
    pdf_worker: PdfWorker | None = None,
) -> dict[str, Output]:
    """Render every format of one brief, in the order of `options.formats`."""

    def say(text: str) -> None:
        if stage:
            stage(prepared.source, text)

    stem, formats = prepared.source.stem, options.formats
    started = time.perf_counter()
    results: dict[str, Output] = {}
    document = render_print(prepared, options.pdf_standard) if "pdf" in formats else None
    page_of = None
    if document and pdf_worker:
        say("rendering PDF")
        pdf_worker.submit(document)
    elif document:
        say("rendering PDF")
        data, warnings, page_of = _pdf().make_pdf(document)
        _log_warnings(prepared, warnings)
        results["pdf"] = Output({f"{stem}.pdf": data}, time.perf_counter() - started)
        say(f"PDF rendered in {results['pdf'].seconds:.1f} s")
    if "epub" in formats:
        epub_started = time.perf_counter()
        parts = book_parts(prepared)
        seconds = time.perf_counter() - epub_started  # not counting the wait for the pages
        if document and pdf_worker:
            page_of = pdf_worker.page_numbers()  # the worker goes on writing the PDF meanwhile
        say("writing EPUB")
        epub_started = time.perf_counter()
        html = document.html if document else None
        pages = page_map(prepared, options.pdf_standard, page_of, html)
        book = _epub().make_epub(prepared.brief, parts, pages)
        seconds += time.perf_counter() - epub_started
        results["epub"] = Output({f"{stem}.epub": book}, seconds)
    if document and pdf_worker:
        if page_of is None:
            pdf_worker.page_numbers()  # sent first, whether or not an EPUB needs them
        data, warnings = pdf_worker.result()
        _log_warnings(prepared, warnings)
        results["pdf"] = Output({f"{stem}.pdf": data}, time.perf_counter() - started)
        say(f"PDF rendered in {results['pdf'].seconds:.1f} s")
    if "html" in formats:
        say("writing the web edition")
        web_started = time.perf_counter()
        web = web_files(prepared, options.web_downloads or ())
        results["html"] = Output(web, time.perf_counter() - web_started)
    return {fmt: results[fmt] for fmt in formats}


def _pdf():  # WeasyPrint is imported when a PDF is rendered here, never for an EPUB alone
    import report.outputs.pdf

    return report.outputs.pdf


def _epub():  # EbookLib is imported only for an EPUB
    import report.outputs.epub

    return report.outputs.epub


def _log_warnings(prepared: PreparedBrief, warnings: list[str]) -> None:
    for warning in warnings:
        log.warning("%s: WeasyPrint: %s", prepared.source, warning)
