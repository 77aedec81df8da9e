"""The project file, report.yaml: what the shelf is (publisher, series, address, theme,
languages), read with positions and checked key by key.

The file describes the collection, never a brief: a content file's own `publisher:`, `series:`
and `theme:` shape its outputs as before, so a brief builds the same inside a shelf and outside
one. The project's keys shape the shelf's pages and catalogs only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from report.content.yaml_reader import key_node_at, location, node_at, read_document
from report.errors import ContentError

PROJECT_FILE = "report.yaml"
KEYS = ("publisher", "series", "base_url", "theme", "languages")
LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
# An address a feed reader can fetch: http(s), a host, no spaces or quotes.
BASE_URL = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s\"'<>\\{}|^`]*)?")
MAX_TEXT = 200


@dataclass(frozen=True)
class Project:
    """A checked project file. `base_url` is where the output folder is published, ending in
    a slash; the shelf's own pages are under its `site/`."""

    path: Path
    base_url: str
    publisher: str | None = None
    series: str | None = None
    theme: str | None = None
    languages: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """What the shelf is called: its series, else its publisher."""
        return self.series or self.publisher or ""


def find_project(folder: Path) -> Path | None:
    """The project file of a build run in `folder`: `folder/report.yaml`, if there is one."""
    candidate = folder / PROJECT_FILE
    return candidate if candidate.is_file() else None


def load_project(path: Path, themes: dict[str, Path] | None = None) -> Project:
    """Read and check a project file; raise a ContentError listing every problem, located.
    `themes` are the themes it may name (default: the installed ones)."""
    data, root = read_document(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ContentError([f"{location(path, _mark(root))}: a project file is a mapping of keys"])
    problems = list(_problems(path, data, root, themes))
    if problems:
        raise ContentError(problems)
    base = data["base_url"]
    return Project(
        path=path,
        base_url=base if base.endswith("/") else base + "/",
        publisher=data.get("publisher"),
        series=data.get("series"),
        theme=data.get("theme"),
        languages=tuple(data.get("languages") or ()),
    )


def _problems(
    path: Path, data: dict[str, Any], root: yaml.Node | None, themes: dict[str, Path] | None
) -> Iterator[str]:
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(KEYS)}"
            yield f"{location(path, _mark(key_node_at(root, key)))}: unknown key {key!r}{hint}"
    if "base_url" not in data:
        yield (
            f"{location(path, _mark(root))}: missing required key 'base_url' (the address the "
            "output folder is published at, e.g. https://example.org/briefs/)"
        )
    for key in ("publisher", "series"):
        if key in data:
            yield from _text(path, root, key, data[key])
    if "base_url" in data:
        yield from _base_url(path, root, data["base_url"])
    if "theme" in data:
        yield from _theme(path, root, data["theme"], themes)
    if "languages" in data:
        yield from _languages(path, root, data["languages"])


def _where(path: Path, root: yaml.Node | None, *keys: str | int) -> str:
    return location(path, _mark(node_at(root, *keys)))


def _mark(node: yaml.Node | None) -> yaml.Mark | None:
    return node.start_mark if node is not None else None


def _text(path: Path, root: yaml.Node | None, key: str, value: Any) -> Iterator[str]:
    where = _where(path, root, key)
    if not isinstance(value, str) or not value.strip():
        yield f"{where}: {key}: must be text, found {value!r}"
    elif len(value) > MAX_TEXT:
        yield f"{where}: {key}: is {len(value)} characters; at most {MAX_TEXT}"
    elif any(ord(char) < 32 or 0x7F <= ord(char) < 0xA0 for char in value):
        yield f"{where}: {key}: holds a control character; write it on one line"


def _base_url(path: Path, root: yaml.Node | None, value: Any) -> Iterator[str]:
    where = _where(path, root, "base_url")
    if not isinstance(value, str):
        yield f"{where}: base_url: must be text, found {value!r}"
    elif not BASE_URL.fullmatch(value) or len(value) > 2000:
        yield (
            f"{where}: base_url: {value!r} is not an http(s) address; write where the output "
            "folder is published, e.g. https://example.org/briefs/"
        )


def _theme(
    path: Path, root: yaml.Node | None, value: Any, themes: dict[str, Path] | None
) -> Iterator[str]:
    if themes is None:
        from report.render.templates import theme_folders  # Jinja: only for a project's theme

        themes = theme_folders()
    if not isinstance(value, str) or value not in themes:
        known = ", ".join(themes) or "none"
        yield f"{_where(path, root, 'theme')}: theme: unknown theme {value!r} (there are: {known})"


def _languages(path: Path, root: yaml.Node | None, value: Any) -> Iterator[str]:
    if not isinstance(value, list) or not value:
        shown = "an empty list" if value == [] else repr(value)
        yield (
            f"{_where(path, root, 'languages')}: languages: must be a list of language codes "
            f"such as [en, ru], found {shown}"
        )
        return
    seen: set[str] = set()
    for index, code in enumerate(value):
        where = _where(path, root, "languages", index)
        if not isinstance(code, str) or not LANGUAGE.fullmatch(code):
            yield f"{where}: languages[{index}]: must be a language tag like 'en', found {code!r}"
        elif code in seen:
            yield f"{where}: languages[{index}]: {code!r} is listed twice"
        else:
            seen.add(code)
