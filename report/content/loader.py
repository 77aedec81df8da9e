"""Load a content file into a Brief: read it, validate it, check its links, notes and files."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import ValidationError

from report.content.citations import Entry, read_references, unknown_key_problem
from report.content.components import component_folders, component_problems, find_components
from report.content.markup import Reference, block_markdown, link_problem, references
from report.content.model import (
    MARKDOWN_FIELDS,
    MAX_LIST_DEPTH,
    Brief,
    Edition,
    ListBlock,
    Timeline,
    list_depth,
    placed_blocks,
)
from report.content.numbered import numbered_problems, target_ids
from report.content.paths import checked_image_path, in_content_folder
from report.content.problems import describe, position_key
from report.content.validation import validate_brief
from report.content.yaml_reader import (
    cells_as_written,
    location,
    node_at,
    odd_numbers,
    read_document,
)
from report.errors import AssetError, ContentError

Themes = Mapping[str, Path] | Collection[str]


def load_brief(path: Path | str, themes: Themes | None = None) -> Brief:
    """Load and validate one content file; raise ContentError listing every problem.

    `themes` names the themes a brief may choose, with their folders when a mapping (the
    templates side knows them; a theme's components are found there); None skips that check.
    """
    return load_document(Path(path), themes)[0]


def load_document(path: Path, themes: Themes | None = None) -> tuple[Brief, yaml.Node]:
    """Load and validate one content file (see load_brief); return the brief and the YAML node
    tree, for checks that locate problems later (the characters the fonts lack)."""
    data, node = read_document(path)
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ContentError(
            [
                f"{location(path, node.start_mark if node else None)}: a content file "
                f"must be a mapping of keys (title:, sections:, ...), found {found}"
            ]
        )
    numbers = {location(path, number.start_mark): problem for number, problem in odd_numbers(node)}
    _cells_as_written(data, node)
    _quoted_date_as_date(data)
    try:
        brief = validate_brief(data)
    except ValidationError as err:
        problems = describe(path, node, err.errors())
        # A text field holding such a number is already reported, with the same advice.
        problems += [
            f"{at}: {text}"
            for at, text in numbers.items()
            if not any(problem.startswith(f"{at}: ") for problem in problems)
        ]
        raise ContentError(sorted(set(problems), key=position_key)) from err
    if numbers:
        raise ContentError([f"{at}: {text}" for at, text in numbers.items()])
    problems = list(numbered_problems(path, node, brief))
    problems += _list_and_date_problems(path, node, brief)
    references = read_references(path, node, brief.bibliography, brief.references)
    problems += references.problems
    problems += _reference_problems(path, node, brief, references.entries)
    problems += _edition_problems(path, node, brief, themes)
    problems += _component_problems(path, node, brief, themes)
    if problems:
        raise ContentError(problems)
    return brief, node


def _list_and_date_problems(path: Path, root: yaml.Node, brief: Brief) -> Iterator[str]:
    """Lists nested deeper than MAX_LIST_DEPTH, and timeline days without a month or that the
    month does not have."""
    for placed in placed_blocks(brief):
        block, at = placed.block, placed.keys
        if isinstance(block, ListBlock) and list_depth(block.list.items) > MAX_LIST_DEPTH:
            where = location(path, node_at(root, *at, "list").start_mark)
            yield f"{where}: lists nest at most {MAX_LIST_DEPTH} deep"
        if isinstance(block, Timeline):
            yield from _day_problems(path, root, at, block)


def _day_problems(
    path: Path, root: yaml.Node, at: tuple[str | int, ...], block: Timeline
) -> Iterator[str]:
    entries = ("entries",) if block.title else ()
    for index, entry in enumerate(block.entries):
        if entry.day is None:
            continue
        node = node_at(root, *at, "timeline", *entries, index, "day")
        where = location(path, node.start_mark if node else None)
        if entry.month is None:
            yield f"{where}: a day needs its month: (1–12)"
            continue
        try:
            dt.date(entry.year, entry.month, entry.day)
        except ValueError as err:
            date = f"{entry.year}-{entry.month:02d}-{entry.day:02d}"
            yield f"{where}: {date} is not a date ({err})"


def _component_problems(
    path: Path, root: yaml.Node, brief: Brief, themes: Themes | None
) -> list[str]:
    """Check the blocks of components of the edition's or theme's own (components.py)."""
    theme = themes.get(brief.theme) if isinstance(themes, Mapping) and brief.theme else None
    try:
        components = find_components(component_folders(path, theme))
    except ContentError as err:
        return err.problems
    return list(component_problems(path, root, brief, components))


def _quoted_date_as_date(data: dict[str, Any]) -> None:
    """Read `date: "2026-12-04"` (PyYAML's dumper quotes dates) as the date it plainly is."""
    edition = data.get("edition")
    date = edition.get("date") if isinstance(edition, dict) else None
    if isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.strip()):
        with contextlib.suppress(ValueError):  # an impossible date stays text: its error says so
            edition["date"] = dt.date.fromisoformat(date.strip())


def _cells_as_written(data: dict[str, Any], root: yaml.Node | None) -> None:
    """Keep each table cell's text as the author typed it (see cells_as_written)."""
    sections = data.get("sections")
    for section_index, section in enumerate(sections if isinstance(sections, list) else []):
        blocks = section.get("blocks") if isinstance(section, dict) else None
        for block_index, block in enumerate(blocks if isinstance(blocks, list) else []):
            table = block.get("table") if isinstance(block, dict) else None
            if isinstance(table, dict) and "rows" in table:
                rows = node_at(
                    root, "sections", section_index, "blocks", block_index, "table", "rows"
                )
                table["rows"] = cells_as_written(rows, table["rows"])


def previous_path(source: Path, brief: Brief) -> Path | None:
    """Return the previous edition's content file: a .yaml file inside this one's folder."""
    if not brief.previous:
        return None
    path = in_content_folder(source, brief.previous, "previous edition")
    if path.suffix not in (".yaml", ".yml"):
        raise AssetError(f"previous edition {brief.previous!r}: not a content file (.yaml)")
    return path


MAX_HISTORY = 50  # editions followed back through previous: (a loop of files stops sooner)


def edition_history(source: Path, brief: Brief) -> list[tuple[Path, Edition]]:
    """This edition and the ones before it, newest first, following `previous:` from file to
    file; the chain stops at a file that is gone or no longer valid (the history shows what can
    be read), at a loop, and after MAX_HISTORY editions."""
    history = [(source, brief.edition)]
    seen = {source.resolve()}
    while len(history) < MAX_HISTORY:
        try:
            path = previous_path(source, brief)
            if path is None or path.resolve() in seen:
                break
            brief = load_brief(path)
        except (AssetError, ContentError, OSError):
            break
        seen.add(path.resolve())
        source = path
        history.append((path, brief.edition))
    return history


def _edition_problems(
    path: Path, root: yaml.Node, brief: Brief, themes: Themes | None
) -> list[str]:
    """Check what links this edition to others: the previous file, the theme, the logo."""
    problems = []
    if brief.author is not None and brief.authors:
        where = location(path, node_at(root, "authors").start_mark)
        problems.append(f"{where}: give author: (one name) or authors: (a list), not both")
    elif brief.author is None and not brief.authors:
        where = location(path, root.start_mark)
        problems.append(f"{where}: missing required key 'author' (or authors: for several)")
    try:
        previous_path(path, brief)
    except AssetError as err:
        where = location(path, node_at(root, "previous").start_mark)
        problems.append(f"{where}: {err}")
    if brief.show_changes and not brief.previous:
        where = location(path, node_at(root, "show_changes").start_mark)
        problems.append(f"{where}: show_changes needs previous: (the earlier edition's file)")
    if brief.theme and themes is not None and brief.theme not in themes:
        where = location(path, node_at(root, "theme").start_mark)
        known = ", ".join(sorted(themes)) or "none"
        problems.append(f"{where}: no theme {brief.theme!r} (themes: {known})")
    if brief.style.logo:
        try:
            checked_image_path(path, brief.style.logo, "logo")
        except AssetError as err:
            where = location(path, node_at(root, "style", "logo").start_mark)
            problems.append(f"{where}: {err}")
    return problems


def _reference_problems(
    path: Path, node: yaml.Node, brief: Brief, entries: dict[str, Entry]
) -> Iterator[str]:
    """Check the links, notes, citations and images of every Markdown text."""
    ids = target_ids(brief)
    calls = cites = 0
    for text_node, in_note in _markdown_nodes(node):
        where = location(path, text_node.start_mark)
        block = block_markdown(text_node.value, literal=text_node.style == "|")
        if block:
            yield f"{where}: this text holds {block}"
        found = list(references(text_node.value))
        here = sum(reference.kind == "note" for reference in found)
        calls += here
        yield from _capped(
            where, here, calls, "note references", MAX_NOTE_CALLS, MAX_NOTE_CALLS_IN_ALL
        )
        # A note style makes each citation a footnote: caps of their own.
        here = sum(reference.kind == "cite" for reference in found)
        cites += here
        yield from _capped(where, here, cites, "citations", MAX_CITES, MAX_CITES_IN_ALL)
        for reference in found:
            if reference.kind == "link":
                problem = link_problem(reference, ids)
                if problem:
                    yield f"{where}: {problem}"
            elif reference.kind == "note":
                yield from _note_problems(where, reference.target, brief, in_note)
            elif reference.kind == "cite":
                problem = unknown_key_problem(reference.target, entries)
                if problem:
                    yield f"{where}: {problem}"
            else:
                yield from _image_problems(path, where, reference)


# Each note reference is a footnote of its own, which page layout places one by one; no brief
# needs these many, and far more would hold a build for minutes (docs/security.md).
MAX_NOTE_CALLS = 20
MAX_NOTE_CALLS_IN_ALL = 300
MAX_CITES = 60  # cited references in one text ([@a; @b] is two)
MAX_CITES_IN_ALL = 1000


def _capped(
    where: str, here: int, total: int, what: str, per_text: int, in_all: int
) -> Iterator[str]:
    """Say when one text holds more than `per_text` of something, or when this text takes the
    brief's `total` past `in_all` (said once, where it happens)."""
    if here > per_text:
        yield f"{where}: {here} {what} in one text; at most {per_text}"
    elif total > in_all >= total - here:
        yield f"{where}: more than {in_all} {what} in the brief"


def _note_problems(where: str, name: str, brief: Brief, in_note: bool) -> Iterator[str]:
    if in_note:
        yield f"{where}: a note cannot refer to another note ([^{name}])"
    elif name not in brief.notes:
        known = ", ".join(sorted(brief.notes)) or "none"
        yield f"{where}: note [^{name}] is not defined under notes: (defined: {known})"


def _image_problems(path: Path, where: str, reference: Reference) -> Iterator[str]:
    if not reference.alt:
        yield (
            f"{where}: image {reference.target!r} has no alt text; write "
            "![what the image shows](file)"
        )
    try:
        checked_image_path(path, reference.target)
    except AssetError as err:
        yield f"{where}: {err}"


def _markdown_nodes(
    node: yaml.Node, key: str = "", top: bool = True
) -> Iterator[tuple[yaml.ScalarNode, bool]]:
    """Yield each scalar holding Markdown, and whether it is a note's text (under the
    document's own `notes:`; a table's or figure's `notes:` is ordinary text)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            name = str(key_node.value)
            # A note's text sits under its name, inside the top-level `notes:`.
            inner = "footnotes" if key == "footnotes" or (top and name == "notes") else name
            yield from _markdown_nodes(value, inner, top=False)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _markdown_nodes(item, key, top=False)
    elif isinstance(node, yaml.ScalarNode) and (key in MARKDOWN_FIELDS or key == "footnotes"):
        yield node, key == "footnotes"


# Characters no font draws (spaces, line breaks, soft hyphens, joiners): never refused.
_INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")


def undrawable(text: str, covered: Collection[str]) -> list[str]:
    """The characters of `text` that need a glyph `covered` lacks, sorted, each once."""
    return sorted(
        {
            char
            for char in text
            if char not in covered and unicodedata.category(char) not in _INVISIBLE
        }
    )


def character_problems(
    path: Path, root: yaml.Node, covered: Collection[str], fonts: str
) -> list[str]:
    """Locate every text character of a content file (its node tree) that `covered` lacks
    (characters the book's fonts cannot draw), one problem per value."""
    scalars = list(_scalars(root))
    if not undrawable("".join({*"".join(node.value for node in scalars)}), covered):
        return []  # the common case, found in one pass over the file's characters
    problems = []
    for node in scalars:
        missing = undrawable(node.value, covered)
        if missing:
            shown = ", ".join(
                f"{char!r} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed')})"
                for char in missing[:3]
            )
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            problems.append(
                f"{location(path, node.start_mark)}: {shown}{more}: {not_in_fonts(path, fonts)}"
            )
    return problems


def not_in_fonts(source: Path, fonts: str) -> str:
    """What to say of characters the book's fonts lack, with the ways out: another spelling,
    or a font of the edition's own that draws them."""
    folder = source.with_suffix("") / "fonts"
    return (
        f"not in the book's fonts ({fonts}); write it another way, leave it out, or put a "
        f"font that covers it (.ttf or .otf) in {folder}/"
    )


def _scalars(node: yaml.Node | None) -> Iterator[yaml.ScalarNode]:
    if isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalars(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)
    elif isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str":
        yield node
