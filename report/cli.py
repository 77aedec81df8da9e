"""Command line: argument parsing, and the only place that turns exceptions into exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from report import __version__, cache, client
from report.errors import ContentError, ReportError, UsageError
from report.sources import (
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

DEFAULT_CONTENT = Path("content")
DEFAULT_OUTPUT = Path("build")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `report` command in this process; return its exit status.

    The installed `report` command is `report.client.main`, which hands build and check to the
    build server when one runs, and calls this otherwise.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(format="report: warning: %(message)s", level=logging.WARNING)
    try:
        return args.run(args)
    except ContentError as err:
        # Compiler-style lines, one per problem, so editors and CI logs can jump to them.
        print("\n".join(err.problems), file=sys.stderr)
        return err.exit_code
    except ReportError as err:
        print(f"report: error: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("report: interrupted; previous outputs are untouched", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="report", description=__doc__)
    parser.add_argument("--version", action="version", version=f"report {__version__}")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build_cmd = commands.add_parser(
        "build",
        help="build the PDF brief and the EPUB",
        description="Build PDF and EPUB outputs from content files. With no file, builds every "
        "content file in content/.",
    )
    _add_content_argument(build_cmd)
    _add_output_argument(build_cmd, "output folder (default: build/)")
    build_cmd.add_argument(
        "-f",
        "--formats",
        default=",".join(FORMATS),
        metavar="FORMATS",
        help="comma-separated formats to build (default: pdf,epub)",
    )
    build_cmd.add_argument(
        "--pdf-standard",
        choices=("ua-1", "a-3a", "a-3b"),
        default="ua-1",
        help="the standard the PDF is built to and declares: ua-1 (accessible, the default), "
        "a-3a (tagged archival) or a-3b (archival)",
    )
    build_cmd.add_argument(
        "--force", action="store_true", help="build even if nothing changed since the last build"
    )
    build_cmd.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="render in N processes (default: one per core)",
    )
    _add_no_server_argument(build_cmd)
    build_cmd.set_defaults(run=_run_build)
    check_cmd = commands.add_parser(
        "check",
        help="validate content files and templates without writing anything",
        description="Validate content files and render their templates, writing nothing; "
        "fast enough for a pre-commit hook. With no file, checks every file in content/.",
    )
    _add_content_argument(check_cmd)
    check_cmd.add_argument(
        "--outputs",
        action="store_true",
        help="also preflight the built files for a store: EPUBCheck, DAISY Ace (when "
        "installed), no remote resources, fonts cover the text, cover, safe file names",
    )
    _add_output_argument(check_cmd, "where the built files are (default: build/)")
    _add_no_server_argument(check_cmd)
    check_cmd.set_defaults(run=_run_check)
    schema_cmd = commands.add_parser(
        "schema",
        help="print the JSON Schema of content files",
        description="Print the JSON Schema of content files, for editors and other tools.",
    )
    schema_cmd.set_defaults(run=_run_schema)
    edition_cmd = commands.add_parser(
        "new-edition",
        help="start a new edition from an existing content file",
        description="Write NEW-NAME.yaml next to SOURCE (new identifier, next edition number, "
        "today's date, previous: SOURCE) and a NEW-NAME/ folder for template overrides.",
    )
    edition_cmd.add_argument("source", type=Path, metavar="SOURCE.yaml")
    edition_cmd.add_argument("name", metavar="NEW-NAME")
    edition_cmd.add_argument(
        "--date",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="edition date (default: today)",
    )
    edition_cmd.set_defaults(run=_run_new_edition)
    serve_cmd = commands.add_parser(
        "serve",
        help="preview the web edition, rebuilt and reloaded on every change",
        description="Build the web edition, PDF and EPUB, serve them on 127.0.0.1, and rebuild "
        "whenever the content, templates or themes change; the page reloads itself.",
    )
    serve_cmd.add_argument("content", nargs="?", type=Path, metavar="CONTENT.yaml")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    _add_output_argument(serve_cmd, "output folder (default: build/)")
    serve_cmd.set_defaults(run=_run_serve)
    server_cmd = commands.add_parser(
        "server",
        help="start, stop or ask about the build server",
        description="The build server keeps WeasyPrint and the other libraries loaded, so "
        "`report build` and `report check` skip their start-up. It starts by itself after a "
        "build run from a terminal and stops after 15 idle minutes.",
    )
    server_cmd.add_argument("action", choices=("start", "stop", "status"))
    server_cmd.set_defaults(run=_run_server)
    return parser


def _add_no_server_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        client.NO_SERVER_FLAG,
        action="store_true",
        help="run in this process, without the build server (also: REPORT_SERVER=off)",
    )


def _run_server(args: argparse.Namespace) -> int:
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
        server.start_in_background(path)
        status = server.wait_until_ready(path)
        if status is None:
            raise ReportError("the build server did not start; build with --no-server")
    print(f"build server {status['pid']} running at {path}")
    return 0


def _add_output_argument(command: argparse.ArgumentParser, help_text: str) -> None:
    command.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIR", help=help_text
    )


def _add_content_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("content", nargs="*", type=Path, metavar="CONTENT.yaml")


def _sources(args: argparse.Namespace) -> list[Path]:
    sources = list(args.content) or content_files(DEFAULT_CONTENT)
    if not sources:
        raise UsageError(f"no content files given and none found in {DEFAULT_CONTENT}/")
    return sources


def _run_check(args: argparse.Namespace) -> int:
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


def _run_new_edition(args: argparse.Namespace) -> int:
    from report.editions import new_edition

    if not args.source.is_file():
        raise UsageError(f"{args.source}: no such content file")
    for path in new_edition(args.source, args.name, args.date or dt.date.today()):
        print(f"created {path}")
    print(f"build it with: report build {args.source.parent / (args.name + '.yaml')}")
    return 0


def _run_serve(args: argparse.Namespace) -> int:
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


def _run_schema(args: argparse.Namespace) -> int:
    from report.model import schema_json

    sys.stdout.write(schema_json())
    return 0


def _run_build(args: argparse.Namespace) -> int:
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

        progress = _Progress(started) if sys.stderr.isatty() else None
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


class _Progress:
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
