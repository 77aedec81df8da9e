"""The build record: what each build read and wrote, so the next one can skip what is current.

A build records, per content file, the SHA-256 of every input it read (the content file, the
previous edition, images, every file in each template folder, the tool's own code) and of every
output it wrote, named relative to the output folder (so a record stays true when the folder's
files are gathered into another: `report collect`). The next build re-hashes them; if nothing
differs, the outputs are reused.
Standard library only: deciding that nothing needs building loads no heavy library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from report.cache import CACHE_FOLDER, Trees, file_digest, fingerprint
from report.files import write_file


class Plan(NamedTuple):
    """What a build will do: reuse the outputs of some content files, build the others."""

    reused: list[Path]  # output files that are current
    stale: list[Path]  # content files to build


def plan_build(
    sources: Sequence[Path], out_dir: Path, options: dict[str, object], force: bool
) -> Plan:
    """Split the content files into those whose outputs are current and those to build."""
    reused: list[Path] = []
    stale: list[Path] = []
    trees: Trees = {}  # the briefs of a shelf share their template folders: list them once
    for source in sources:
        outputs = None if force else up_to_date(out_dir, source, options, trees)
        if outputs:
            reused += outputs
        else:
            stale.append(source)
    return Plan(reused, stale)


def record_path(out_dir: Path, source: Path) -> Path:
    """Where the record of the last build of `source` into `out_dir` is kept."""
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    return out_dir / CACHE_FOLDER / f"{source.stem}-{key}.json"


def record(out_dir: Path, source: Path, inputs: dict[str, object], outputs: Sequence[Path]) -> None:
    """Remember what a successful build of `source` read and wrote."""
    named = {path.relative_to(out_dir).as_posix(): file_digest(path) for path in outputs}
    entry = {"inputs": inputs, "outputs": named}
    write_file(record_path(out_dir, source), json.dumps(entry, sort_keys=True).encode())


def recorded_outputs(out_dir: Path, source: Path) -> dict[str, str] | None:
    """The outputs the last build of `source` wrote, by name inside `out_dir`, with their
    SHA-256; None without a readable record."""
    entry = _read_record(out_dir, source)
    return entry["outputs"] if entry else None


def _read_record(out_dir: Path, source: Path) -> dict | None:
    """The record of the last build of `source`, if it can be read and names only outputs
    inside `out_dir` (a record may come from another machine's shard: `report collect`)."""
    try:
        entry = json.loads(record_path(out_dir, source).read_text(encoding="utf-8"))
        names = [PurePosixPath(name) for name in entry["outputs"]]
        shaped = isinstance(entry["inputs"], dict) and isinstance(entry["outputs"], dict)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not shaped or not names or any(name.is_absolute() or ".." in name.parts for name in names):
        return None
    return entry


def up_to_date(
    out_dir: Path, source: Path, options: dict[str, object], trees: Trees | None = None
) -> list[Path] | None:
    """Return the outputs of the last build of `source` if nothing changed since, else None."""
    entry = _read_record(out_dir, source)
    if entry is None or entry["inputs"].get("options") != options:
        return None
    inputs = entry["inputs"]
    outputs = {out_dir / name: digest for name, digest in entry["outputs"].items()}
    try:
        current = fingerprint(
            (Path(name) for name in inputs["files"]),
            (Path(name) for name in inputs["folders"]),
            options,
            trees,
        )
    except (KeyError, TypeError, AttributeError):  # a record of another shape
        return None
    if current != inputs:
        return None
    if any(file_digest(path) != digest for path, digest in outputs.items()):
        return None  # an output was edited or removed since: build it again
    return list(outputs)
