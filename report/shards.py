"""Builds past one machine: the K-th of N slices of the content files, and the marker that tells
`report collect` a folder is a shard's output.

A slice depends only on the content files' paths and sizes: never on the machine, the clock or
the order a folder lists its files in, so N jobs given the same files agree on who builds what.
The rule (docs/scaling.md): sort the files by size, largest first, ties by path; deal each in
turn to the slice with the fewest bytes so far (ties: the lowest K).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from report.cache import file_digest
from report.errors import OutputError, UsageError
from report.files import write_file
from report.plan import record_path, recorded_outputs
from report.version import __version__

MANIFEST = ".report-shard.json"  # in each shard's folder; never copied into the collected one
MANIFEST_FORMAT = 1
# Files a build keeps per brief besides its outputs and their records: the shelf's catalog
# entries. A shard lists all of them, so build each shard into a folder of its own.
SHELF_FOLDER = ".report-shelf"
_SPEC = re.compile(r"([0-9]{1,6})/([0-9]{1,6})")
SPEC_HELP = "K/N with 1 <= K <= N, e.g. 2/4 (shards are numbered from 1)"


class ShardSpec(NamedTuple):
    """The K-th (1-based) of N slices."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_spec(text: str) -> ShardSpec:
    """Read `K/N`; raise UsageError saying what is wrong with any other text."""
    match = _SPEC.fullmatch(text.strip())
    if not match:
        raise UsageError(f"--shard {text!r}: expected {SPEC_HELP}")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise UsageError(f"--shard {text}: N must be at least 1; expected {SPEC_HELP}")
    if not 1 <= index <= count:
        raise UsageError(f"--shard {text}: K must be between 1 and {count}; expected {SPEC_HELP}")
    return ShardSpec(index, count)


def slices(sources: Sequence[Path], count: int) -> list[list[Path]]:
    """Deal the content files into `count` slices balanced by size (see the module's rule);
    each slice in path order."""
    sizes = {source: _size(source) for source in sources}
    loads = [0] * count
    dealt: list[list[Path]] = [[] for _ in range(count)]
    for source in sorted(sizes, key=lambda path: (-sizes[path], path.as_posix())):
        lightest = min(range(count), key=lambda k: (loads[k], k))
        loads[lightest] += sizes[source]
        dealt[lightest].append(source)
    return [sorted(part, key=Path.as_posix) for part in dealt]


def shard_of(sources: Sequence[Path], spec: ShardSpec) -> list[Path]:
    """The content files shard `spec` builds, after checking the whole list as a single build
    would: every file exists, and no two would write the same outputs."""
    unique = sorted(set(sources), key=Path.as_posix)
    claimed: dict[str, Path] = {}
    for source in unique:
        if not source.is_file():
            raise UsageError(f"{source}: no such content file")
        other = claimed.setdefault(source.stem, source)
        if other != source:
            raise UsageError(f"{source} and {other} would both write {source.stem}.*; rename one")
    return slices(unique, spec.count)[spec.index - 1]


def content_digest(sources: Sequence[Path]) -> str:
    """One SHA-256 of the whole list of content files (paths and bytes): shards cut from
    different checkouts or lists of files differ here, and `report collect` refuses them."""
    lines = [
        f"{path.as_posix()}\t{file_digest(path)}"
        for path in sorted(set(sources), key=Path.as_posix)
    ]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def write_manifest(
    out_dir: Path,
    spec: ShardSpec,
    sources: Sequence[Path],
    built: Sequence[Path],
    options: dict[str, object],
) -> Path:
    """Write the shard's marker: the tool's version, K and N, the list of content files it was
    cut from, the options, and every file this shard's briefs own with its SHA-256. Sorted
    keys and no clock, so the same shard writes the same marker."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": __version__,
        "shard": spec.index,
        "of": spec.count,
        "content": content_digest(sources),
        "options": options,
        "sources": [source.as_posix() for source in built],
        "files": _owned_files(out_dir, built),
    }
    path = out_dir / MANIFEST
    write_file(path, (json.dumps(manifest, sort_keys=True, indent=1) + "\n").encode())
    return path


def _owned_files(out_dir: Path, built: Sequence[Path]) -> dict[str, str]:
    """The outputs and up-to-date record of each brief built, and the shelf's entries."""
    files: dict[str, str] = {}
    for source in built:
        outputs = recorded_outputs(out_dir, source)
        record = record_path(out_dir, source)
        if outputs is None:
            raise OutputError(f"{record}: cannot list the outputs of {source} for the shard")
        files.update(outputs)
        files[record.relative_to(out_dir).as_posix()] = _digest(record)
    shelf = out_dir / SHELF_FOLDER
    for path in sorted(shelf.rglob("*")) if shelf.is_dir() else ():
        if path.is_file() and not path.name.startswith("."):  # not a write's temporary file
            files[path.relative_to(out_dir).as_posix()] = _digest(path)
    return files


def _digest(path: Path) -> str:
    digest = file_digest(path)
    if digest is None:
        raise OutputError(f"{path}: cannot read it back to list it in the shard's marker")
    return digest


def _size(source: Path) -> int:
    try:
        return source.stat().st_size
    except OSError:
        return 0
