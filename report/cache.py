"""Skip a build whose inputs and outputs are unchanged, without loading any heavy library.

A build records, per content file, the SHA-256 of every input it read (the content file, the
previous edition, images, every file in each template folder, the tool's own code) and of every
output it wrote. The next build re-hashes them; if nothing differs, the outputs are reused. Only
the standard library is imported here, so an up-to-date check costs a few milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from report.identity import code_digests

CACHE_FOLDER = ".report-cache"


def cache_options(formats: Sequence[str], pdf_standard: str, version: str) -> dict[str, object]:
    """The build options that shape the outputs: a change to any of them rebuilds."""
    return {"formats": sorted(formats), "version": version, "pdf_standard": pdf_standard}


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file (None if it cannot be read), computed once per version of it."""
    try:
        info = path.stat()
    except OSError:
        return None
    return _digest_of_version(path, info.st_ino, info.st_size, info.st_mtime_ns)


@functools.lru_cache(maxsize=4096)
def _digest_of_version(path: Path, _inode: int, _size: int, _mtime_ns: int) -> str | None:
    """Hash a file once per version within a process: a build fingerprints its inputs up to
    three times (up-to-date check, page-map cache, record), and the fonts weigh megabytes."""
    try:
        with path.open("rb") as stream:
            return hashlib.file_digest(stream, "sha256").hexdigest()
    except OSError:
        return None


def _tree(folder: Path) -> dict[str, str | None]:
    """Hash every file below a folder, so an added or removed file counts as a change too."""
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and CACHE_FOLDER not in path.parts
    }


def fingerprint(
    files: Iterable[Path], folders: Iterable[Path], options: dict[str, object]
) -> dict[str, object]:
    """Describe a build's inputs: files, whole folders, and the options that shape the output."""
    return {
        "options": options,
        "files": {str(path): file_digest(path) for path in sorted(set(files))},
        "folders": {str(folder): _tree(folder) for folder in sorted(set(folders))},
        "code": code_digests(),
    }


def _record_path(out_dir: Path, source: Path) -> Path:
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:16]
    return out_dir / CACHE_FOLDER / f"{source.stem}-{key}.json"


def record(out_dir: Path, source: Path, inputs: dict[str, object], outputs: Sequence[Path]) -> None:
    """Remember what a successful build of `source` read and wrote."""
    path = _record_path(out_dir, source)
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {"inputs": inputs, "outputs": {str(p): file_digest(p) for p in outputs}}
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(entry, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


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


def user_cache() -> Path:
    """Return the folder for derived data kept between builds (compiled templates, covers).

    It follows XDG: $XDG_CACHE_HOME/report, else ~/.cache/report. Deleting it is always safe.
    The up-to-date records live beside the outputs instead, since they describe them.
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "report"


@functools.cache  # a process never sees its packages change (the build server exits if they do)
def package_stamp(name: str) -> str:
    """Name the installed copy of a package without importing it: its folder, the folder's
    modification time and the version in its distribution's metadata folder name."""
    spec = importlib.util.find_spec(name)
    stamps = []
    for folder in (spec.submodule_search_locations or []) if spec else []:
        versions = sorted(path.name for path in Path(folder).parent.glob(f"{name}-*.dist-info"))
        stamps.append(f"{folder}:{os.stat(folder).st_mtime_ns}:{','.join(versions)}")
    return ";".join(stamps) or name


def memo(
    folder: Path | None, key_parts: Iterable[str | bytes], compute: Callable[[], bytes]
) -> bytes:
    """Return `compute()`, reusing the bytes stored under a hash of `key_parts` in `folder`.

    For derived data that costs more than reading it back (the EPUB cover image).
    """
    key_parts = list(key_parts)
    stored = recall(folder, key_parts)
    if stored is not None:
        return stored
    data = compute()
    keep(folder, key_parts, data)
    return data


def recall(folder: Path | None, key_parts: Iterable[str | bytes]) -> bytes | None:
    """Return the bytes kept under these key parts, or None."""
    if folder is None:
        return None
    try:
        return (folder / _key(key_parts)).read_bytes()
    except OSError:
        return None


def keep(folder: Path | None, key_parts: Iterable[str | bytes], data: bytes) -> None:
    """Keep bytes under a hash of the key parts; a cache that cannot be written only costs time."""
    if folder is None:
        return
    path = folder / _key(key_parts)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):  # a full disk must not leave half a file behind
            temporary.unlink()


def _key(key_parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in key_parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()
