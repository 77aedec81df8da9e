"""What a build is asked to make: which content files, which formats, which PDF standard.

Standard library only: the command line reads these before it knows whether anything needs
building. Each rule is defined here once; the command line, the build and the writers ask here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from report.errors import UsageError
from report.version import __version__

DEFAULT_CONTENT = Path("content")  # where `report build` looks when no file is named
FORMATS = ("pdf", "epub")  # built by default
SHELF_FORMATS = ("pdf", "epub", "html")  # built by default for a shelf: its site links all three
EXTRA_FORMATS = ("html",)  # the web edition, on request (`-f html`) and in `report serve`
# The PDF standards a build can claim, and the variant WeasyPrint writes for each.
PDF_STANDARDS = {"ua-1": "pdf/ua-1", "a-3a": "pdf/a-3a", "a-3b": "pdf/a-3b"}
DEFAULT_PDF_STANDARD = "ua-1"
# Above this much content in one file, a build runs in one process: peak memory then stays near
# WeasyPrint's own (a second process would add its own interpreter, libraries and layout).
# Below it, the PDF renders in a worker process while the EPUB is written, which is faster on
# two or more cores.
PARALLEL_BELOW_BYTES = 256 * 1024


class _Options(NamedTuple):
    formats: tuple[str, ...]
    pdf_standard: str
    force: bool  # build even when the outputs are up to date
    workers: int | None  # processes for several content files; None: one per core
    web_downloads: tuple[str, ...]  # the files the web edition links to
    shelf: bool  # write each brief's catalog entry (a project file, report.yaml, is in use)


class BuildOptions(_Options):
    """The choices of one build, checked; those that shape the outputs are part of the
    up-to-date check. (A named tuple, not a dataclass: `dataclasses` costs an up-to-date build
    a sixth of its time to import.)"""

    __slots__ = ()

    def __new__(
        cls,
        formats: Iterable[str] = FORMATS,
        pdf_standard: str = DEFAULT_PDF_STANDARD,
        force: bool = False,
        workers: int | None = None,
        web_downloads: Iterable[str] | None = None,
        shelf: bool = False,
    ) -> BuildOptions:
        chosen = tuple(check_formats(formats))
        if pdf_standard not in PDF_STANDARDS:
            raise UsageError(
                f"unknown PDF standard {pdf_standard!r}; choose from {', '.join(PDF_STANDARDS)}"
            )
        if web_downloads is None:  # the PDF and EPUB this build makes
            web_downloads = (fmt for fmt in FORMATS if fmt in chosen)
        return super().__new__(
            cls, chosen, pdf_standard, force, workers, tuple(web_downloads), shelf
        )

    def shaping_outputs(self) -> dict[str, object]:
        """The options that shape the outputs: a change to any of them rebuilds."""
        shaping: dict[str, object] = {
            "formats": sorted(self.formats),
            "version": __version__,
            "pdf_standard": self.pdf_standard,
            "web_downloads": list(self.web_downloads),
        }
        if self.shelf:  # only then: records of builds without a shelf stay current
            shaping["shelf"] = True
        return shaping


def content_files(folder: Path) -> list[Path]:
    """Return the content files of a folder, in name order."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def check_formats(formats: Iterable[str]) -> list[str]:
    """Return the chosen formats without repeats, or raise UsageError naming an unknown one."""
    chosen = list(dict.fromkeys(formats))
    unknown = [fmt for fmt in chosen if fmt not in (*FORMATS, *EXTRA_FORMATS)]
    if unknown or not chosen:
        raise UsageError(
            f"unknown format {', '.join(map(repr, unknown)) or '(none)'}; "
            f"choose from {', '.join((*FORMATS, *EXTRA_FORMATS))}"
        )
    return chosen


def content_bytes(sources: Iterable[Path]) -> int:
    """Return the total size of the content files (0 for any that cannot be read)."""
    total = 0
    for source in sources:
        with contextlib.suppress(OSError):
            total += source.stat().st_size
    return total


def runs_in_one_process(sources: Iterable[Path]) -> bool:
    """Whether a content file this large is among `sources`, so the build runs in one process
    (see PARALLEL_BELOW_BYTES). The largest file decides, not their sum: a worker renders one
    brief at a time, so a shelf of small briefs builds on every core."""
    return max((content_bytes([source]) for source in sources), default=0) > PARALLEL_BELOW_BYTES
