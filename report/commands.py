"""What each `report` command does, once cli.py has parsed its arguments.

Commands import the heavy modules (pydantic, Jinja, WeasyPrint, EbookLib) when they need them,
so an up-to-date `report build` answers in a few hundredths of a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from report.errors import UsageError
from report.options import DEFAULT_CONTENT, FORMATS, SHELF_FORMATS, BuildOptions, content_files
from report.shards import ShardSpec, parse_spec, shard_of, write_manifest

if TYPE_CHECKING:
    from report.pipeline import Written


def _sources(args: argparse.Namespace) -> list[Path]:
    sources = list(args.content) or content_files(DEFAULT_CONTENT)
    if not sources:
        raise UsageError(f"no content files given and none found in {DEFAULT_CONTENT}/")
    return sources


def build_command(args: argparse.Namespace) -> int:
    from report.pipeline import run

    started = time.perf_counter()
    spec = parse_spec(args.shard) if args.shard else None  # before anything is read or written
    project = _project()
    asked = args.formats or ",".join(SHELF_FORMATS if project else FORMATS)
    formats = tuple(part.strip() for part in asked.split(",") if part.strip())
    options = BuildOptions(formats, args.pdf_standard, args.force, args.jobs, shelf=bool(project))
    sources = _sources(args)
    built = _shard_sources(sources, spec) if spec else sources
    progress = progress_for(sys.stderr, args.progress)
    # A shard writes its briefs' catalog entries; the site is made from all of them by
    # `report collect`, so no shard writes one.
    shelf = None if spec else project
    written = run(built, args.output, options, progress, project=shelf) if built else []
    _print_written(written, started)
    if spec:
        manifest = write_manifest(args.output, spec, sources, built, options.shaping_outputs())
        print(f"wrote {manifest} (shard {spec} of {len(sources)} content file(s))")
    return 0


def _shard_sources(sources: list[Path], spec: ShardSpec) -> list[Path]:
    built = shard_of(sources, spec)
    if built:
        print(f"shard {spec}: {len(built)} of {len(sources)} content file(s)")
    else:
        print(f"shard {spec}: no content file falls to this shard ({len(sources)} file(s) in all)")
    return built


def _print_written(written: list[Written], started: float) -> None:
    for result in written:
        # The web edition's page, then its whole folder (fonts and images): the page is what a
        # reader loads first, and what a change of content changes.
        size = _size(result.size)
        if result.with_assets:
            size += f"; {_size(result.with_assets)} with its fonts and images"
        if result.reused:
            print(f"up to date {result.path} ({size})")
        else:
            print(f"wrote {result.path} ({size}, {result.seconds:.2f} s)")
    built = sum(not result.reused for result in written)
    took = time.perf_counter() - started
    print(f"built {built} file(s) in {took:.2f} s" if built else f"nothing to build ({took:.2f} s)")


def collect_command(args: argparse.Namespace) -> int:
    from report.collect import collect_shards

    started = time.perf_counter()
    project = _project()  # read first: a bad project file stops the collect before it writes
    shards, written = collect_shards(args.folders, args.output, shelf=bool(project))
    for shard in shards:
        print(f"shard {shard.spec} {shard.folder}: {len(shard.files)} file(s)")
    if project:
        from report.shelf.site import write_site

        site = write_site(args.output, project)
        written += site
        print(f"wrote {args.output / 'site'} ({len(site)} file(s))")
    took = time.perf_counter() - started
    print(
        f"collected {len(written)} file(s) from {len(shards)} shard(s) into {args.output} "
        f"({took:.2f} s)"
    )
    return 0


def _project() -> Any:
    """The project file of the folder `report` runs in (report.yaml), checked, or None."""
    from report.shelf.project import find_project, load_project

    found = find_project(Path.cwd())
    return load_project(Path(found.name)) if found else None


def check_command(args: argparse.Namespace) -> int:
    from report.pipeline import check

    sources = _sources(args)
    for source in check(sources):
        print(f"ok {source}")
    if not args.outputs:
        return 0
    from report.outputs.preflight import check_files, table

    outputs = [args.output / f"{source.stem}.{fmt}" for source in sources for fmt in FORMATS]
    results = check_files(outputs)
    print(table(results))
    failed = [result for result in results if result.status == "fail"]
    if failed:
        print(f"report: preflight: {len(failed)} check(s) failed", file=sys.stderr)
        return 1
    return 0


def new_edition_command(args: argparse.Namespace) -> int:
    from report.content.editions import new_edition

    if not args.source.is_file():
        raise UsageError(f"{args.source}: no such content file")
    for path in new_edition(args.source, args.name, args.date or dt.date.today()):
        print(f"created {path}")
    print(f"build it with: report build {args.source.parent / (args.name + '.yaml')}")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    from report.preview import serve

    if args.content is None:
        found = content_files(DEFAULT_CONTENT)
        if len(found) != 1:
            names = ", ".join(str(path) for path in found) or "none"
            raise UsageError(f"name the content file to preview (found: {names})")
        args.content = found[0]
    if not args.content.is_file():
        raise UsageError(f"{args.content}: no such content file")
    serve(args.content, args.output, args.port, lambda line: print(line, flush=True))
    return 0


def schema_command(args: argparse.Namespace) -> int:
    from report.content.components import block_schemas
    from report.content.validation import schema_json

    components = _components_of(args.content) if args.content else {}
    sys.stdout.write(schema_json(block_schemas(components)))
    return 0


def _components_of(source: Path) -> dict[str, Any]:
    """The components a content file may use: its edition folder's and its theme's. The file is
    only read, not validated: the schema is what helps fix it."""
    from report.content.components import component_folders, find_components
    from report.content.yaml_reader import read_document
    from report.render.templates import theme_folders

    if not source.is_file():
        raise UsageError(f"{source}: no such content file")
    data, _ = read_document(source)
    theme = data.get("theme") if isinstance(data, dict) else None
    folder = theme_folders().get(theme) if isinstance(theme, str) else None
    return find_components(component_folders(source, folder))


class Progress:
    """Stage lines on standard error, once a build has taken `delay` seconds (quiet before).

    At a terminal a build says what it is doing only when it takes more than a second;
    `--progress` shows every stage at once, wherever the output goes.
    """

    def __init__(
        self,
        stream: TextIO,
        delay: float = 1.0,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.stream = stream
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.pending: list[str] = []

    def __call__(self, source: Path, stage: str) -> None:
        line = f"  {source.stem}: {stage}"
        elapsed = self.clock() - self.started
        if elapsed < self.delay:
            self.pending.append(line)
            return
        for earlier in self.pending:
            print(earlier, file=self.stream)
        self.pending.clear()
        print(f"{line} [{elapsed:.1f} s]", file=self.stream, flush=True)


def progress_for(stream: TextIO, asked: bool) -> Progress | None:
    """Every stage when asked (--progress); at a terminal, the stages of builds over a second;
    else nothing."""
    if asked:
        return Progress(stream, delay=0.0)
    return Progress(stream, delay=1.0) if stream.isatty() else None


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MiB"
    return f"{size / 1024:.0f} KiB"
