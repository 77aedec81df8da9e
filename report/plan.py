"""The build record: what each build read and wrote, so the next one can skip what is current.

A build records, per content file, the SHA-256 of every input it read (the content file, the
previous edition, images, every file in each template folder, the tool's own code) and of every
output it wrote. The next build re-hashes them; if nothing differs, the outputs are reused.
Standard library only: deciding that nothing needs building loads no heavy library.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from report.cache import CACHE_FOLDER, file_digest, fingerprint
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
    for source in sources:
        outputs = None if force else up_to_date(out_dir, source, options)
        if outputs:
            reused += outputs
        else:
            stale.append(source)
    return Plan(reused, stale)


def _record_path(out_dir: Path, source: Path) -> Path:
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    return out_dir / CACHE_FOLDER / f"{source.stem}-{key}.json"


def record(out_dir: Path, source: Path, inputs: dict[str, object], outputs: Sequence[Path]) -> None:
    """Remember what a successful build of `source` read and wrote."""
    entry = {"inputs": inputs, "outputs": {str(p): file_digest(p) for p in outputs}}
    write_file(_record_path(out_dir, source), json.dumps(entry, sort_keys=True).encode())


def up_to_date(out_dir: Path, source: Path, options: dict[str, object]) -> list[Path] | None:
    """Return the outputs of the last build of `source` if nothing changed since, else None."""
    try:
        entry = json.loads(_record_path(out_dir, source).read_text(encoding="utf-8"))
        inputs = entry["inputs"]
        outputs = {Path(name): digest for name, digest in entry["outputs"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if inputs.get("options") != options:
        return None
    current = fingerprint(
        (Path(name) for name in inputs["files"]),
        (Path(name) for name in inputs["folders"]),
        options,
    )
    if current != inputs:
        return None
    if any(file_digest(path) != digest for path, digest in outputs.items()):
        return None  # an output was edited or removed since: build it again
    return list(outputs)
