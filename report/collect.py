"""`report collect`: the output folders of `report build --shard K/N`, checked and assembled into
one folder as a single build would have left it.

Shard folders may come from other machines (CI artifacts), so they are untrusted: a marker is
read as data with a size limit, every file name it lists must stay inside the folder (no `..`,
no absolute path, no link, no hidden file but the build's own `.report-cache/` and
`.report-shelf/`), and every file must still have the SHA-256 the marker gives. Every check runs
before anything is written; then all files are written at once (files.write_all), so an error
leaves the collected folder as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from report.cache import CACHE_FOLDER
from report.errors import ReportError, UsageError
from report.files import write_all
from report.shards import MANIFEST, MANIFEST_FORMAT, SHELF_FOLDER, ShardSpec
from report.version import __version__

log = logging.getLogger(__name__)
MAX_MANIFEST_BYTES = 16 * 1024 * 1024  # a marker lists file names and digests: far below this
HIDDEN_FOLDERS = (CACHE_FOLDER, SHELF_FOLDER)  # the only hidden names a shard may hand over
_SHA256_LENGTH = 64


class Shard(NamedTuple):
    """A shard's folder and what its marker says."""

    folder: Path
    spec: ShardSpec
    content: str  # digest of the whole list of content files it was cut from
    options: dict[str, object]
    files: dict[str, str]  # name inside the folder -> SHA-256


class Problems(list[str]):
    """Problems found in the shard folders, each `where: what`, reported together."""

    def raise_any(self) -> None:
        if self:
            lines = "\n".join(f"  {problem}" for problem in self)
            raise ReportError(f"cannot collect the shards; nothing was written:\n{lines}")


def collect_shards(
    folders: Sequence[Path], out_dir: Path, shelf: bool = False
) -> tuple[list[Shard], list[Path]]:
    """Check the shard folders and write their files into `out_dir` in one atomic write;
    return the shards and the paths written. `shelf`: a project file is in use, so the shards
    must carry their briefs' catalog entries (the caller then makes the site from them)."""
    _check_folders(folders, out_dir)
    problems = Problems()
    shards = [shard for folder in folders if (shard := read_shard(folder, problems))]
    problems.raise_any()  # the set's checks need every marker read
    _check_set(shards, problems)
    _check_shelf(shards, shelf, problems)
    problems.raise_any()  # shards of another build would also clash below: say why first
    owners = _owners(shards, problems)
    problems.raise_any()
    files = [(out_dir / name, _read_file(owners[name], name, problems)) for name in sorted(owners)]
    problems.raise_any()
    kept = _valid_records(files, out_dir, owners)
    write_all(kept)
    return sorted(shards, key=lambda shard: shard.spec.index), [path for path, _ in kept]


def _check_folders(folders: Sequence[Path], out_dir: Path) -> None:
    """Usage errors: a folder that is missing, named twice, or is the folder to collect into."""
    seen: dict[Path, Path] = {}
    for folder in folders:
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder")
        if not (folder / MANIFEST).exists() and not (folder / MANIFEST).is_symlink():
            raise UsageError(
                f"{folder}: not a shard's output (no {MANIFEST}); "
                "build one with `report build --shard K/N -o DIR`"
            )
        other = seen.setdefault(folder.resolve(), folder)
        if other is not folder:
            also = f" (also as {other})" if str(other) != str(folder) else ""
            raise UsageError(f"{folder}: named twice{also}")
    if out_dir.resolve() in seen:
        raise UsageError(f"{out_dir}: collect into a folder of its own, not into a shard's")


def read_shard(folder: Path, problems: Problems) -> Shard | None:
    """Read a shard's marker; add to `problems` (and return None) when it cannot be used."""
    where = folder / MANIFEST
    try:
        data = json.loads(_read_no_links(folder, (MANIFEST,), MAX_MANIFEST_BYTES))
    except OSError as err:
        problems.append(f"{where}: cannot read: {err.strerror or err}")
        return None
    except ValueError as err:  # also text that is not UTF-8
        problems.append(f"{where}: not a shard's marker: {err}")
        return None
    if not isinstance(data, dict):
        problems.append(f"{where}: not a shard's marker: expected a JSON object")
        return None
    if data.get("version") != __version__ or data.get("format") != MANIFEST_FORMAT:
        problems.append(
            f"{folder}: built by report {data.get('version')!s}, not by this report "
            f"{__version__}: build every shard with the version that collects them"
        )
        return None
    return _shard(folder, data, problems)


def _shard(folder: Path, data: dict, problems: Problems) -> Shard | None:
    where = folder / MANIFEST
    shard, count = data.get("shard"), data.get("of")
    files = data.get("files")
    wrong = [
        *(
            [f"'shard' and 'of' must be whole numbers with 1 <= shard <= of, not {shard}/{count}"]
            if not (_is_int(shard) and _is_int(count) and 1 <= shard <= count)
            else []
        ),
        *(["'content' must be a SHA-256"] if not _is_sha256(data.get("content")) else []),
        *(["'options' must be an object"] if not isinstance(data.get("options"), dict) else []),
        *(["'files' must map names to SHA-256s"] if not _is_file_map(files) else []),
    ]
    if wrong:
        problems += [f"{where}: {what}" for what in wrong]
        return None
    bad_names = [f"{where}: {name!r}: {why}" for name in files if (why := _bad_name(name))]
    if bad_names:
        problems += bad_names
        return None
    return Shard(folder, ShardSpec(shard, count), data["content"], data["options"], files)


def _check_set(shards: list[Shard], problems: Problems) -> None:
    """The shards must be slices 1..N of one N, cut from the same files with the same options."""
    first = shards[0]
    for shard in shards[1:]:
        if shard.spec.count != first.spec.count:
            problems.append(
                f"{shard.folder}: shard {shard.spec}, but {first.folder} is shard {first.spec}: "
                "collect the slices of one build (the same N)"
            )
        if shard.content != first.content:
            problems.append(
                f"{shard.folder}: cut from other content files than {first.folder} (another "
                "checkout, or other files named): build every shard from the same files"
            )
        if shard.options != first.options:
            problems.append(
                f"{shard.folder}: built with other options than {first.folder} "
                f"({_options(shard)} against {_options(first)})"
            )
    if problems:
        return
    by_index: dict[int, list[Shard]] = {}
    for shard in shards:
        by_index.setdefault(shard.spec.index, []).append(shard)
    for index, given in sorted(by_index.items()):
        if len(given) > 1:
            folders = " and ".join(str(shard.folder) for shard in given)
            problems.append(f"shard {index}/{first.spec.count} given more than once: {folders}")
    missing = [str(k) for k in range(1, first.spec.count + 1) if k not in by_index]
    if missing:
        problems.append(
            f"shard(s) {', '.join(missing)} of {first.spec.count} missing: "
            "give the folder of every shard"
        )


def _check_shelf(shards: list[Shard], shelf: bool, problems: Problems) -> None:
    """Shards built without the project file carry no catalog entries: a site made from them
    would list nothing (and the other way round, entries nothing would use)."""
    if problems or bool(shards[0].options.get("shelf")) == shelf:
        return
    if shelf:
        problems.append(
            f"{shards[0].folder}: built without the project file (report.yaml) that is here: "
            "build the shards in the project's folder, or collect them outside it"
        )
    else:
        problems.append(
            f"{shards[0].folder}: built with a project file (report.yaml) but there is none "
            "here: collect in the project's folder, where the site can be made"
        )


def _owners(shards: list[Shard], problems: Problems) -> dict[str, Shard]:
    """Which shard hands over each file; two shards writing one file is a problem."""
    owners: dict[str, Shard] = {}
    for shard in shards:
        for name in shard.files:
            other = owners.setdefault(name, shard)
            if other is not shard:
                problems.append(
                    f"{name}: written by both {other.folder} and {shard.folder}: "
                    "a file may come from one shard only"
                )
    return owners


def _read_file(shard: Shard, name: str, problems: Problems) -> bytes:
    """The file's bytes, read without following a link, if it still has its SHA-256."""
    path = shard.folder / name
    try:
        data = _read_no_links(shard.folder, PurePosixPath(name).parts)
    except OSError as err:
        problems.append(f"{path}: cannot read: {err.strerror or err}")
        return b""
    if hashlib.sha256(data).hexdigest() != shard.files[name]:
        problems.append(f"{path}: changed since the shard was built (its SHA-256 differs)")
    return data


def _read_no_links(folder: Path, parts: tuple[str, ...], limit: int | None = None) -> bytes:
    """Read folder/parts..., refusing a link anywhere below `folder`, anything but a regular
    file, and a file larger than `limit`."""
    for depth in range(1, len(parts)):
        if folder.joinpath(*parts[:depth]).is_symlink():
            raise OSError(0, "a link, not a file of the shard's own folder")
    handle = os.open(folder.joinpath(*parts), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise OSError(0, "not a regular file")
        if limit is not None and info.st_size > limit:
            raise OSError(0, f"larger than {limit // (1024 * 1024)} MiB")
        return stream.read()


def _valid_records(
    files: list[tuple[Path, bytes]], out_dir: Path, owners: dict[str, Shard]
) -> list[tuple[Path, bytes]]:
    """Leave out an up-to-date record that would not hold in the collected folder (it names an
    output its shard did not hand over, with that SHA-256): it would only make the next build
    of that brief in the collected folder rebuild it, so it is a warning, not an error."""
    kept = []
    for path, data in files:
        name = path.relative_to(out_dir).as_posix()
        shard = owners[name]
        if name.startswith(CACHE_FOLDER + "/") and not _record_holds(data, shard):
            log.warning(
                "%s: left out: it names outputs this shard did not write", shard.folder / name
            )
            continue
        kept.append((path, data))
    return kept


def _record_holds(data: bytes, shard: Shard) -> bool:
    try:
        outputs = json.loads(data)["outputs"]
        return bool(outputs) and all(shard.files.get(n) == d for n, d in outputs.items())
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _bad_name(name: str) -> str | None:
    """Why a file name from a marker cannot be written into the collected folder, or None."""
    path = PurePosixPath(name)
    if not name or "\\" in name or "\0" in name or path.is_absolute():
        return "not a relative path"
    if path.as_posix() != name or any(part in (".", "..") for part in path.parts):
        return "not a plain path inside the folder"
    hidden = [part for part in path.parts if part.startswith(".")]
    if hidden and (path.parts[0] not in HIDDEN_FOLDERS or len(hidden) > 1 or len(path.parts) < 2):
        return "a hidden file a build does not write"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_sha256(value: object) -> bool:
    return (
        isinstance(value, str)
        and len(value) == _SHA256_LENGTH
        and all(c in "0123456789abcdef" for c in value)
    )


def _is_file_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(name, str) and _is_sha256(digest) for name, digest in value.items()
    )


def _options(shard: Shard) -> str:
    return json.dumps(shard.options, sort_keys=True)
