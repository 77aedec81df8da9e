"""Which content files and which formats a build covers (standard library only: the CLI uses it
before deciding whether anything needs building)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from report.errors import UsageError

DEFAULT_CONTENT = Path("content")  # where `report build` looks when no file is named
FORMATS = ("pdf", "epub")  # built by default
EXTRA_FORMATS = ("html",)  # the web edition, on request (`-f html`) and in `report serve`


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


# Above this much content, PDF and EPUB render one after the other in one process: peak memory
# then stays near WeasyPrint's own (a second process would add its own interpreter, libraries and
# layout). Below it, they render at the same time, which is faster on two or more cores.
PARALLEL_BELOW_BYTES = 256 * 1024


def content_bytes(sources: Iterable[Path]) -> int:
    """Return the total size of the content files (0 for any that cannot be read)."""
    total = 0
    for source in sources:
        with contextlib.suppress(OSError):
            total += source.stat().st_size
    return total
