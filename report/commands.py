"""What each `report` command does, once its arguments are parsed (see cli.py)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from report import __version__, cache, client
from report.errors import ReportError, UsageError
from report.sources import (
    DEFAULT_CONTENT,
    FORMATS,
    PARALLEL_BELOW_BYTES,
    check_formats,
    content_bytes,
    content_files,
)

# Commands import the heavy modules (pydantic, Jinja, WeasyPrint, EbookLib) when they run, so an
# up-to-date `report build` answers in a few hundredths of a second.

if TYPE_CHECKING:
    from report.pdf_worker import PdfWorker


def server_command(args: argparse.Namespace) -> int:
    from report import server

    path = client.socket_path()
    status = server.control("status", path)
    if args.action == "status":
        if status is None:
            print("no build server is running")
            return 3
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status["started"]))
        print(f"build server {status['pid']} at {path}")
        print(f"running since {since}; {status['commands']} command(s) served")
        return 0
    if args.action == "stop":
        if status is not None:
            server.control("stop", path)
        print("build server stopped" if status else "no build server was running")
        return 0
    if status is None:
        process = server.start_in_background(path)
        status = server.wait_until_ready(path, process)
        if status is None:
            raise ReportError("the build server did not start; build with --no-server")
    print(f"build server {status['pid']} running at {path}")
    return 0


def _sources(args: argparse.Namespace) -> list[Path]:
    sources = list(args.content) or content_files(DEFAULT_CONTENT)
    if not sources:
        raise UsageError(f"no content files given and none found in {DEFAULT_CONTENT}/")
    return sources


def check_command(args: argparse.Namespace) -> int:
    from report.build import check

    sources = _sources(args)
    for source in check(sources):
        print(f"ok {source}")
    if not args.outputs:
        return 0
    from report.preflight import preflight, table

    outputs = [args.output / f"{source.stem}.{fmt}" for source in sources for fmt in FORMATS]
    results = preflight(outputs)
    print(table(results))
    failed = [result for result in results if result.status == "fail"]
    if failed:
        print(f"report: preflight: {len(failed)} check(s) failed", file=sys.stderr)
        return 1
    return 0


def new_edition_command(args: argparse.Namespace) -> int:
    from report.editions import new_edition

    if not args.source.is_file():
        raise UsageError(f"{args.source}: no such content file")
    for path in new_edition(args.source, args.name, args.date or dt.date.today()):
        print(f"created {path}")
    print(f"build it with: report build {args.source.parent / (args.name + '.yaml')}")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from report.serve import serve

    if args.content is None:
        found = content_files(DEFAULT_CONTENT)
        if len(found) != 1:
            names = ", ".join(str(path) for path in found) or "none"
            raise UsageError(f"name the content file to preview (found: {names})")
        args.content = found[0]
    if not args.content.is_file():
        raise UsageError(f"{args.content}: no such content file")
    try:
        serve(args.content, args.output, args.port, lambda line: print(line, flush=True))
    except OSError as err:
        raise UsageError(f"cannot serve on port {args.port}: {err.strerror}") from err
    return 0


def schema_command(args: argparse.Namespace) -> int:
    from report.validation import schema_json

    sys.stdout.write(schema_json())
    return 0


def build_command(args: argparse.Namespace) -> int:
    sources = _sources(args)
    formats = check_formats(part.strip() for part in args.formats.split(",") if part.strip())
    started = time.perf_counter()
    options = cache.cache_options(formats, args.pdf_standard, __version__)
    fresh = {} if args.force else {s: cache.up_to_date(args.output, s, options) for s in sources}
    if fresh and all(fresh.values()):
        for outputs in fresh.values():
            for path in outputs or []:
                print(f"up to date {path} ({_size(path.stat().st_size)})")
        print(f"nothing to build ({time.perf_counter() - started:.2f} s)")
        return 0
    worker = _early_pdf_worker(sources, formats, args.jobs)
    try:
        from report.build import build

        progress = Progress(started) if sys.stderr.isatty() else None
        written = build(
            sources,
            args.output,
            formats,
            force=args.force,
            workers=args.jobs,
            progress=progress,
            pdf_worker=worker,
            pdf_standard=args.pdf_standard,
        )
    finally:
        if worker:
            worker.close()
    for result in written:
        if result.reused:
            print(f"up to date {result.path} ({_size(result.size)})")
        else:
            print(f"wrote {result.path} ({_size(result.size)}, {result.seconds:.2f} s)")
    built = sum(not result.reused for result in written)
    print(f"built {built} file(s) in {time.perf_counter() - started:.2f} s")
    return 0


def _early_pdf_worker(
    sources: list[Path], formats: list[str], jobs: int | None
) -> PdfWorker | None:
    """Start loading WeasyPrint in a second process now, when a small PDF is to be built."""
    parallel = (jobs is None or jobs > 1) and (os.cpu_count() or 1) > 1
    small = len(sources) == 1 and content_bytes(sources) <= PARALLEL_BELOW_BYTES
    if not ("pdf" in formats and parallel and small):
        return None
    from report.pdf_worker import PdfWorker

    return PdfWorker()


class Progress:
    """Stage lines on a terminal, once a build has taken more than a second (quiet before)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.pending: list[str] = []

    def __call__(self, source: Path, stage: str) -> None:
        line = f"  {source.stem}: {stage}"
        elapsed = time.perf_counter() - self.started
        if elapsed < 1.0:
            self.pending.append(line)
            return
        for earlier in self.pending:
            print(earlier, file=sys.stderr)
        self.pending.clear()
        print(f"{line} [{elapsed:.1f} s]", file=sys.stderr)


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{size / 1024:.0f} KiB"
