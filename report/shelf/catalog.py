"""The entries of an output folder read back and checked, and grouped into works (a brief and
its earlier editions), in the order the shelf shows them.

Entry files may come from another machine's build (a shard's folder): each is checked like
content, field by field, and a bad one is an error naming the file, never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from report.errors import ContentError, every_problem
from report.filekinds import image_type
from report.shelf import ENTRY_FORMAT, FILE_NAMES, SHELF_FOLDER
from report.shelf.project import LANGUAGE
from report.shelf.state import entry_paths

MAX_ENTRY_BYTES = 256 * 1024
MAX_COVER_BYTES = 4 * 1024 * 1024
# A stem as a content file's name gives it: no folder, nothing hidden, no control character.
STEM = re.compile(r"[^\s/\\.\x00-\x1f\x7f][^/\\\x00-\x1f\x7f]{0,199}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
TEXTS = ("title", "type", "label", "edition_line", "summary", "identifier", "version")
OPTIONAL_TEXTS = ("short_title", "series", "series_number", "publisher", "previous", "changes")


@dataclass(frozen=True)
class Entry:
    """One brief on the shelf, checked (see report.shelf.entries.entry for the fields)."""

    stem: str
    title: str
    short_title: str | None
    type: str
    label: str
    series: str | None
    series_number: str | None
    date: str
    edition: int
    edition_line: str
    language: str
    summary: str
    authors: tuple[str, ...]
    publisher: str | None
    identifier: str
    files: dict[str, str]
    previous: str | None
    changes: str | None
    version: str
    cover: bytes
    thumbnail: bytes


@dataclass(frozen=True)
class Work:
    """A brief as the shelf lists it: its newest edition, and every edition newest first."""

    latest: Entry
    editions: tuple[Entry, ...]


def read_entries(out_dir: Path, pending: Mapping[Path, bytes] | None = None) -> list[Entry]:
    """Every entry in an output folder, checked, in stem order; `pending` holds files about to
    be written there, read instead of the folder's. One ContentError lists every problem."""
    pending = pending or {}
    folder = out_dir / SHELF_FOLDER
    paths = {
        *entry_paths(out_dir),
        *(p for p in pending if p.parent == folder and p.suffix == ".json"),
    }
    ordered = sorted(paths, key=lambda path: path.name)
    return every_problem(ordered, lambda path: read_entry(path, pending))


def read_entry(path: Path, pending: Mapping[Path, bytes] | None = None) -> Entry:
    """One entry file and its covers, checked (from `pending` if they are there)."""
    pending = pending or {}
    data = _json(path, pending)
    problem = _problem(path, data)
    if problem:
        raise ContentError([f"{path}: {problem}"])
    stem = data["stem"]
    covers = [_cover(path.with_name(f"{stem}.{kind}.jpg"), pending) for kind in ("cover", "thumb")]
    fields = {key: data[key] for key in (*TEXTS, *OPTIONAL_TEXTS, "date", "edition", "language")}
    return Entry(
        stem=stem,
        authors=tuple(data["authors"]),
        files=dict(sorted(data["files"].items())),
        cover=covers[0],
        thumbnail=covers[1],
        **fields,
    )


def _read(path: Path, pending: Mapping[Path, bytes]) -> bytes:
    return pending[path] if path in pending else path.read_bytes()


def _json(path: Path, pending: Mapping[Path, bytes]) -> Any:
    try:
        raw = _read(path, pending)
        if len(raw) > MAX_ENTRY_BYTES:
            raise ContentError([f"{path}: {len(raw):,} bytes; an entry is at most 256 KiB"])
        return json.loads(raw.decode("utf-8"))
    except OSError as err:
        raise ContentError([f"{path}: cannot read: {err.strerror}"]) from err
    except (UnicodeDecodeError, ValueError) as err:
        raise ContentError([f"{path}: not a catalog entry (not JSON: {err})"]) from err


def _problem(path: Path, data: Any) -> str | None:
    """What is wrong with an entry's data, or None."""
    if not isinstance(data, dict) or data.get("format") != ENTRY_FORMAT:
        return f"not a catalog entry of this tool (format {ENTRY_FORMAT})"
    stem = data.get("stem")
    if not isinstance(stem, str) or not STEM.fullmatch(stem) or path.stem != stem:
        return f"stem {stem!r} is not the file's name"
    for key in TEXTS:
        if not _text(data.get(key)):
            return f"{key}: must be text on one line"
    for key in OPTIONAL_TEXTS:
        if data.get(key) is not None and not _text(data[key]):
            return f"{key}: must be text on one line, or null"
    if data["previous"] is not None and not STEM.fullmatch(data["previous"]):
        return f"previous: {data['previous']!r} is not a content file's name"
    if not (isinstance(data.get("date"), str) and DATE.fullmatch(data["date"])):
        return "date: must be YYYY-MM-DD"
    edition = data.get("edition")
    if not (isinstance(edition, int) and not isinstance(edition, bool) and edition >= 1):
        return "edition: must be a number from 1"
    if not (isinstance(data.get("language"), str) and LANGUAGE.fullmatch(data["language"])):
        return "language: must be a language tag"
    authors = data.get("authors")
    if not (isinstance(authors, list) and all(_text(name) for name in authors)):
        return "authors: must be a list of names"
    files = data.get("files")
    expected = {fmt: name.format(stem=stem) for fmt, name in FILE_NAMES.items()}
    if not (isinstance(files, dict) and all(expected.get(k) == v for k, v in files.items())):
        return f"files: must name this brief's own outputs ({', '.join(expected.values())})"
    return None


def _text(value: Any) -> bool:
    return (
        isinstance(value, str)
        and 0 < len(value) <= 2000
        and not any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in value)
    )


def _cover(path: Path, pending: Mapping[Path, bytes]) -> bytes:
    try:
        data = _read(path, pending)
    except OSError as err:
        raise ContentError([f"{path}: cannot read the cover: {err.strerror}"]) from err
    if len(data) > MAX_COVER_BYTES or image_type(path, data) != "image/jpeg":
        raise ContentError([f"{path}: not a JPEG cover of at most 4 MiB"])
    return data


def works(entries: Sequence[Entry]) -> list[Work]:
    """Group entries into works: an entry that no other entry names as `previous` is a work's
    newest edition; its editions follow `previous` back. Newest first, then by title."""
    by_stem = {entry.stem: entry for entry in entries}
    named = {entry.previous for entry in entries if entry.previous in by_stem}
    found = []
    for entry in entries:
        if entry.stem in named:
            continue
        chain, seen = [entry], {entry.stem}
        while chain[-1].previous in by_stem and chain[-1].previous not in seen:
            chain.append(by_stem[chain[-1].previous])
            seen.add(chain[-1].stem)
        found.append(Work(entry, tuple(chain)))
    listed = {edition.stem for work in found for edition in work.editions}
    # Entries naming each other in a loop have no newest edition: each is listed on its own.
    found += [Work(entry, (entry,)) for entry in entries if entry.stem not in listed]
    return sorted(found, key=lambda work: (_descending(work.latest.date), work.latest.title))


def _descending(date: str) -> str:
    """A sort key that puts later ISO dates first."""
    return "".join(
        chr(ord("9") - ord(digit) + ord("0")) if digit.isdigit() else digit for digit in date
    )
