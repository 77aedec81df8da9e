"""Digests of files and of the tool's own code, and the user cache of derived data.

Standard library only, so the up-to-date check of a build costs a few milliseconds. Derived data
(the content validator, compiled templates, the EPUB cover, font subsets, the PDF's page map) is
kept under a hash of everything it was derived from; deleting the cache only costs time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from report.errors import OutputError
from report.files import write_file

PACKAGE = Path(__file__).resolve().parent
CACHE_FOLDER = ".report-cache"  # the up-to-date records, beside the outputs they describe


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


Trees = dict[Path, dict[str, str | None]]  # folder -> its files' digests, within one pass


def tree_digests(folder: Path, trees: Trees | None = None) -> dict[str, str | None]:
    """Hash every file below a folder, so an added or removed file counts as a change too.

    Given `trees`, a folder already listed in this pass is not listed again: the up-to-date check
    of a shelf of briefs sharing one template folder would otherwise walk it once per brief
    (listing and stat calls, not hashing, were most of an up-to-date build of 200 briefs).
    """
    if trees is not None:
        if folder not in trees:
            trees[folder] = tree_digests(folder)
        return trees[folder]
    if not folder.is_dir():
        return {}
    return {
        str(path.relative_to(folder)): file_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file() and CACHE_FOLDER not in path.parts and "__pycache__" not in path.parts
    }


def code_digests(trees: Trees | None = None) -> dict[str, str | None]:
    """SHA-256 of each of the tool's own files, subpackages and package data included (not the
    bytecode Python writes beside them, nor editors' dot-files such as Emacs locks)."""
    return {
        name: digest
        for name, digest in tree_digests(PACKAGE, trees).items()
        # Split as text, not as a Path: this runs for every file of the tool for every brief.
        if not any(part.startswith(".") for part in name.replace(os.sep, "/").split("/"))
    }


def fingerprint(
    files: Iterable[Path],
    folders: Iterable[Path],
    options: dict[str, object],
    trees: Trees | None = None,
) -> dict[str, object]:
    """Describe a build's inputs: files, whole folders, the options that shape the output, and
    the tool's own code. `trees` shares folder listings between the briefs of one pass."""
    return {
        "options": options,
        "files": {str(path): file_digest(path) for path in sorted(set(files))},
        "folders": {str(folder): tree_digests(folder, trees) for folder in sorted(set(folders))},
        "code": code_digests(trees),
    }


def user_cache() -> Path:
    """Return the folder for derived data kept between builds (compiled templates, covers).

    It follows XDG: $XDG_CACHE_HOME/report, else ~/.cache/report. Deleting it is always safe.
    The up-to-date records live beside the outputs instead, since they describe them.
    """
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "report"


@functools.cache  # a process never sees its packages change
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
    with contextlib.suppress(OutputError):
        write_file(folder / _key(key_parts), data)


def _key(key_parts: Iterable[str | bytes]) -> str:
    digest = hashlib.sha256()
    for part in key_parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()
