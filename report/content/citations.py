"""Citations: `[@key, p. 12]` in the text, and the references they cite, read from a BibTeX or
CSL-JSON file beside the content file or from its `references:` list.

Everything here is read as untrusted data: no file outside the content folder, no network, no
LaTeX macro ever expanded, sizes capped, and every problem located (`file:line: message`).
Formatting the citations (CSL, citeproc-py) is report.render.citing's.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from report.content.bibtex import parse_bibtex
from report.content.fields import MAX_REFERENCES, MAX_TEXT, NOT_XML
from report.content.paths import in_content_folder
from report.content.yaml_reader import location, node_at
from report.errors import AssetError

# A citation key as Pandoc reads it: a letter, digit or _, then those and inner punctuation;
# punctuation at its end belongs to the sentence ("see @a." cites `a`).
CITE_KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w#$%&+?<>~/-])?"
_KEY = re.compile(CITE_KEY)
# `see @key, p. 3`: an optional prefix (ending in a space, so an e-mail address is no citation),
# the key, then a locator or suffix.
_ITEM = re.compile(rf"\s*(?:(?P<prefix>[^@;]*?)\s+)?@(?P<key>{CITE_KEY})(?P<rest>[^;]*)")
# Locator labels as Pandoc's English ones, to CSL's locator names.
LOCATOR_LABELS = {
    "p": "page",
    "pp": "page",
    "page": "page",
    "pages": "page",
    "chap": "chapter",
    "ch": "chapter",
    "chapter": "chapter",
    "sec": "section",
    "section": "section",
    "para": "paragraph",
    "paragraph": "paragraph",
    "vol": "volume",
    "fig": "figure",
    "n": "note",
    "l": "line",
    "art": "article",
    "no": "issue",
}
MAX_BIBLIOGRAPHY_BYTES = 4 * 1024 * 1024  # a large bibliography is a few hundred kilobytes
# The render side marks the start and end of each cited item with characters from here;
# reference data may not hold them.
MARKERS = re.compile("[\ue000-\ue0ff]")


@dataclass(frozen=True)
class Cite:
    """One cited reference in a citation: `[see @key, p. 12]`."""

    key: str
    locator: str | None = None
    label: str = "page"  # a CSL locator type, with `locator`
    prefix: str = ""
    suffix: str = ""


def parse_cluster(inner: str) -> tuple[Cite, ...] | None:
    """Read the inside of `[...]` as a citation (`@a; see @b, p. 3`), or None if it is not
    one (every `;`-separated part must cite a key)."""
    if "@" not in inner:
        return None
    cites = []
    for part in inner.split(";"):
        match = _ITEM.fullmatch(part)
        if match is None or not match.group("key"):
            return None
        prefix = match.group("prefix") or ""
        cites.append(_cite(match.group("key"), prefix, match.group("rest")))
    return tuple(cites)


def _cite(key: str, prefix: str, rest: str) -> Cite:
    rest = rest.strip()
    if not rest:
        return Cite(key, prefix=prefix)
    text = rest.removeprefix(",").strip()
    label_match = re.match(r"([A-Za-z]+)\.?\s+(?=\S)", text)
    if label_match and label_match.group(1).lower() in LOCATOR_LABELS:
        label = LOCATOR_LABELS[label_match.group(1).lower()]
        return Cite(key, text[label_match.end() :], label, prefix)
    if text[:1].isdigit():
        return Cite(key, text, "page", prefix)
    return Cite(key, prefix=prefix, suffix=f", {text}" if rest.startswith(",") else f" {text}")


@dataclass(frozen=True)
class Entry:
    """One reference, as CSL-JSON, and where it is written (for its problems)."""

    key: str
    data: dict[str, Any]
    where: str


@dataclass
class References:
    """The brief's references by key, and the problems found reading them."""

    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    by_lower_case: dict[str, str] = field(default_factory=dict)  # see _add


def read_references(
    source: Path, root: yaml.Node | None, name: str | None, items: list[Any]
) -> References:
    """Read the references of a content file: its `bibliography:` file (`name`) and its
    `references:` list (`items`)."""
    found = References()
    if name is not None:
        where = location(source, _mark(root, "bibliography"))
        path = _bibliography_path(source, name, where, found.problems)
        if path is not None:
            for entry in _file_entries(path, found.problems):
                _add(found, entry)
    for index, item in enumerate(items):
        where = location(source, _mark(root, "references", index))
        entry = checked_entry(item, where, found.problems, typed=True)
        if entry is not None:
            _add(found, entry)
    if len(found.entries) > MAX_REFERENCES:
        found.problems.append(
            f"{source}: {len(found.entries):,} references; at most {MAX_REFERENCES:,}"
        )
    return found


def _mark(root: yaml.Node | None, *keys: str | int) -> yaml.Mark | None:
    node = node_at(root, *keys)
    return node.start_mark if node is not None else None


def _add(found: References, entry: Entry) -> None:
    # citeproc-py matches keys without case: two keys that differ only in case are one.
    twin = found.by_lower_case.get(entry.key.lower())
    if twin is not None:
        first = found.entries[twin].where
        found.problems.append(f"{entry.where}: duplicate reference key {entry.key!r} ({first})")
        return
    found.entries[entry.key] = entry
    found.by_lower_case[entry.key.lower()] = entry.key


def _bibliography_path(source: Path, name: str, where: str, problems: list[str]) -> Path | None:
    try:
        path = in_content_folder(source, name, "bibliography")
    except AssetError as err:
        problems.append(f"{where}: {err}")
        return None
    if path.stat().st_size > MAX_BIBLIOGRAPHY_BYTES:
        problems.append(
            f"{where}: bibliography {name!r} is larger than {MAX_BIBLIOGRAPHY_BYTES:,} bytes"
        )
        return None
    return path


def _file_entries(path: Path, problems: list[str]) -> list[Entry]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        problems.append(f"{path}:{line}: byte {raw[err.start]:#04x} is not UTF-8; save as UTF-8")
        return []
    if path.suffix == ".bib":
        parsed, bib_problems = parse_bibtex(text, str(path))
        problems += bib_problems
        items = [(f"{path}:{line}", item) for line, item in parsed]
    else:
        items = _json_items(path, text, problems)
    if len(items) > MAX_REFERENCES:  # refused before each is checked: that is the slow part
        problems.append(f"{path}: {len(items):,} references; at most {MAX_REFERENCES:,}")
        return []
    entries = [checked_entry(item, where, problems, typed=False) for where, item in items]
    return [entry for entry in entries if entry is not None]


def _json_items(path: Path, text: str, problems: list[str]) -> list[tuple[str, Any]]:
    """The items of a CSL-JSON file (an array of objects), each with the line it starts on."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        problems.append(f"{path}:{err.lineno}:{err.colno}: not JSON: {err.msg}")
        return []
    except RecursionError:
        problems.append(f"{path}: nested too deep to be CSL-JSON")
        return []
    if not isinstance(data, list):
        problems.append(f"{path}:1: CSL-JSON is an array of references ([{{...}}, ...])")
        return []
    lines = _item_lines(text)
    return [
        (f"{path}:{lines[index] if index < len(lines) else 1}", item)
        for index, item in enumerate(data)
    ]


def _item_lines(text: str) -> list[int]:
    """The line each item of a top-level JSON array starts on (strings skipped over)."""
    lines: list[int] = []
    depth, line, in_string, escaped, expect = 0, 1, False, False, False
    for char in text:
        line += char == "\n"
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
            continue
        if depth == 1 and expect and char not in " \t\r\n":
            lines.append(line)
            expect = False
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            expect = depth == 1
        elif char in "]}":
            depth -= 1
        elif char == "," and depth == 1:
            expect = True
    return lines


# CSL 1.0.2's item types.
CSL_TYPES = frozenset(
    [
        "article",
        "article-journal",
        "article-magazine",
        "article-newspaper",
        "bill",
        "book",
        "broadcast",
        "chapter",
        "classic",
        "collection",
        "dataset",
        "document",
        "entry",
        "entry-dictionary",
        "entry-encyclopedia",
        "event",
        "figure",
        "graphic",
        "hearing",
        "interview",
        "legal_case",
        "legislation",
        "manuscript",
        "map",
        "motion_picture",
        "musical_score",
        "pamphlet",
        "paper-conference",
        "patent",
        "performance",
        "periodical",
        "personal_communication",
        "post",
        "post-weblog",
        "regulation",
        "report",
        "review",
        "review-book",
        "software",
        "song",
        "speech",
        "standard",
        "thesis",
        "treaty",
        "webpage",
    ]
)
# The CSL variables citeproc-py reads (its VARIABLES, NAMES and DATES, written with hyphens as
# CSL-JSON writes them), less those it sets itself (citation-number, locator, year-suffix, ...).
NAME_FIELDS = frozenset(
    [
        "author",
        "collection-editor",
        "composer",
        "container-author",
        "editor",
        "editorial-director",
        "illustrator",
        "interviewer",
        "original-author",
        "recipient",
        "translator",
    ]
)
DATE_FIELDS = frozenset(
    ["accessed", "container", "event-date", "issued", "original-date", "submitted"]
)
TEXT_FIELDS = frozenset(
    [
        "DOI",
        "ISBN",
        "ISSN",
        "PMCID",
        "PMID",
        "URL",
        "abstract",
        "annote",
        "archive",
        "archive-location",
        "archive-place",
        "authority",
        "call-number",
        "chapter-number",
        "collection-number",
        "collection-title",
        "container-title",
        "container-title-short",
        "dimensions",
        "edition",
        "event",
        "event-place",
        "genre",
        "issue",
        "jurisdiction",
        "keyword",
        "language",
        "medium",
        "note",
        "number",
        "number-of-pages",
        "number-of-volumes",
        "original-publisher",
        "original-publisher-place",
        "original-title",
        "page",
        "publisher",
        "publisher-place",
        "references",
        "section",
        "source",
        "status",
        "title",
        "title-short",
        "version",
        "volume",
    ]
)
NAME_PARTS = frozenset(
    {"family", "given", "literal", "suffix", "dropping-particle", "non-dropping-particle"}
)


def checked_entry(item: Any, where: str, problems: list[str], typed: bool) -> Entry | None:
    """Check one CSL-JSON reference and return it made plain (dates as date-parts, numbers as
    text), or None after adding its problems. A field no style reads is an error in one `typed`
    in the content file (a misspelling), and left out of one a reference manager exported (they
    write fields of their own)."""
    if not isinstance(item, dict):
        problems.append(f"{where}: a reference is a mapping (id:, type:, title:, ...)")
        return None
    key = item.get("id")
    kind = item.get("type")
    own: list[str] = []
    if not isinstance(key, str | int) or not _KEY.fullmatch(str(key)):
        own.append(
            "a reference needs an id: (its citation key: letters, digits, _ and inner "
            f"punctuation), found {key!r}"
        )
    if kind not in CSL_TYPES:
        near = difflib.get_close_matches(str(kind), sorted(CSL_TYPES), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else " (e.g. book, report, article-journal)"
        own.append(f"reference {key!r}: type {kind!r} is not a CSL item type{hint}")
    plain: dict[str, Any] = {}
    for name, value in item.items():
        if name in ("id", "type"):
            continue
        if name not in TEXT_FIELDS | NAME_FIELDS | DATE_FIELDS:
            if typed:
                own.append(_unknown_field(str(name)))
            continue
        checked = _field(str(name), value, own)
        if checked is not None:
            plain[str(name)] = checked
    problems += [f"{where}: {problem}" for problem in own]
    if own:
        return None
    return Entry(str(key), {"id": str(key).lower(), "type": kind, **plain}, where)


def _unknown_field(name: str) -> str:
    known = sorted(TEXT_FIELDS | NAME_FIELDS | DATE_FIELDS)
    near = difflib.get_close_matches(name, known, n=1, cutoff=0.7)
    hint = f"; did you mean {near[0]!r}?" if near else " (see docs/content.md, Citations)"
    return f"{name}: not a CSL variable{hint}"


def _field(name: str, value: Any, problems: list[str]) -> Any:
    if name in NAME_FIELDS:
        return _names(name, value, problems)
    if name in DATE_FIELDS:
        return _date(name, value, problems)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(f"{name}: should be text or a number, found {type(value).__name__}")
        return None
    return _text(name, str(value), problems)


def _text(name: str, value: str, problems: list[str]) -> str | None:
    if len(value) > MAX_TEXT:
        problems.append(f"{name}: {len(value):,} characters; at most {MAX_TEXT:,}")
    elif bad := NOT_XML.search(value) or MARKERS.search(value):
        problems.append(f"{name}: contains the character {bad.group()!r}, which text may not hold")
    else:
        return value
    return None


def _names(name: str, value: Any, problems: list[str]) -> list[dict[str, str]] | None:
    if not isinstance(value, list) or not value:
        problems.append(
            f"{name}: a list of names, e.g. [{{family: Smith, given: Jane}}, {{literal: NATO}}]"
        )
        return None
    names = []
    for person in value:
        if not isinstance(person, dict) or not person or set(person) - NAME_PARTS:
            parts = ", ".join(sorted(NAME_PARTS))
            problems.append(f"{name}: each name is a mapping of {parts}; found {person!r}")
            return None
        texts = {
            part: _text(f"{name} {part}", str(text), problems) for part, text in person.items()
        }
        if None in texts.values():
            return None
        names.append(texts)
    return names


def _date(name: str, value: Any, problems: list[str]) -> dict[str, Any] | None:
    """A CSL date; YAML's own forms are read too: 2024, 2024-03-01, "2024-03"."""
    if isinstance(value, dt.date):
        return {"date-parts": [[value.year, value.month, value.day]]}
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        match = re.fullmatch(r"(\d{1,4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value.strip())
        if match:
            return {"date-parts": [[int(part) for part in match.groups() if part]]}
        return {"literal": value} if _text(name, value, problems) is not None else None
    if isinstance(value, dict):
        parts = value.get("date-parts")
        literal = value.get("literal", value.get("raw"))
        if _good_parts(parts):
            return {"date-parts": parts}
        if isinstance(literal, str):
            return _date(name, literal, problems)
    problems.append(f"{name}: a date: 2024, 2024-03-01, or {{date-parts: [[2024, 3, 1]]}}")
    return None


def _good_parts(parts: Any) -> bool:
    return (
        isinstance(parts, list)
        and 1 <= len(parts) <= 2
        and all(
            isinstance(date, list)
            and 1 <= len(date) <= 3
            and all(isinstance(n, int) and not isinstance(n, bool) for n in date)
            for date in parts
        )
    )


def unknown_key_problem(key: str, known: dict[str, Entry]) -> str | None:
    """Say that a cited key has no reference, with the nearest keys; None if it has one."""
    if key in known:
        return None
    near = difflib.get_close_matches(key, sorted(known), n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join('@' + k for k in near)}?" if near else ""
    where = "in the bibliography" if known else "(the brief has no bibliography: or references:)"
    return f"no reference @{key} {where}{hint}"
