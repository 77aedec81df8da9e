"""Load a content file into a Brief: read it, validate it, check its links, notes and files."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from pathlib import Path

import yaml
from pydantic_core import ValidationError

from report.assets import AssetRoots
from report.content.markup import Reference, link_problem, references
from report.content.model import MARKDOWN_FIELDS, Brief
from report.content.problems import describe, position_key
from report.content.validation import validate_brief
from report.content.yaml_reader import location, node_at, odd_numbers, read_document
from report.errors import AssetError, ContentError


def load_brief(path: Path | str, themes: Collection[str] | None = None) -> Brief:
    """Load and validate one content file; raise ContentError listing every problem.

    `themes` names the themes a brief may choose (the templates side knows them); None skips
    that check.
    """
    path = Path(path)
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
    problems = list(_reference_problems(path, node, brief))
    problems += _edition_problems(path, node, brief, themes)
    if problems:
        raise ContentError(problems)
    return brief


def image_path(source: Path, src: str) -> Path:
    """Resolve an image named in a content file; it must be a file in the content's folder."""
    if "://" in src or src.startswith(("/", "data:")):
        raise AssetError(f"image {src!r}: give a path relative to {source.parent}")
    folder = source.parent.absolute()
    try:
        return AssetRoots([folder]).resolve((folder / src).as_uri())
    except AssetError as err:
        raise AssetError(f"image {src!r}: {err.reason or err}") from err


def previous_path(source: Path, brief: Brief) -> Path | None:
    """Return the previous edition's content file, resolved against this one's folder."""
    return (source.parent / brief.previous) if brief.previous else None


def _edition_problems(
    path: Path, root: yaml.Node, brief: Brief, themes: Collection[str] | None
) -> list[str]:
    """Check what links this edition to others: the previous file, the theme, the logo."""
    problems = []
    previous = previous_path(path, brief)
    if brief.show_changes and previous is None:
        where = location(path, node_at(root, "show_changes").start_mark)
        problems.append(f"{where}: show_changes needs previous: (the earlier edition's file)")
    if previous is not None and not previous.is_file():
        where = location(path, node_at(root, "previous").start_mark)
        problems.append(f"{where}: previous edition {brief.previous!r}: no such file")
    if brief.theme and themes is not None and brief.theme not in themes:
        where = location(path, node_at(root, "theme").start_mark)
        known = ", ".join(sorted(themes)) or "none"
        problems.append(f"{where}: no theme {brief.theme!r} (themes: {known})")
    if brief.style.logo:
        try:
            image_path(path, brief.style.logo)
        except AssetError as err:
            where = location(path, node_at(root, "style", "logo").start_mark)
            problems.append(f"{where}: logo: {err}")
    return problems


def _reference_problems(path: Path, node: yaml.Node, brief: Brief) -> Iterator[str]:
    """Check the links, notes and images of every Markdown text."""
    section_ids = {section.id for section in brief.sections}
    for text_node, in_note in _markdown_nodes(node):
        where = location(path, text_node.start_mark)
        for reference in references(text_node.value):
            if reference.kind == "link":
                problem = link_problem(reference.target, section_ids)
                if problem:
                    yield f"{where}: {problem}"
            elif reference.kind == "note":
                yield from _note_problems(where, reference.target, brief, in_note)
            else:
                yield from _image_problems(path, where, reference)


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
        image_path(path, reference.target)
    except AssetError as err:
        yield f"{where}: {err}"


def _markdown_nodes(node: yaml.Node, key: str = "") -> Iterator[tuple[yaml.ScalarNode, bool]]:
    """Yield each scalar holding Markdown, and whether it is a note's text."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            # A note's text sits under its name, inside `notes:`.
            yield from _markdown_nodes(value, key if key == "notes" else str(key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _markdown_nodes(item, key)
    elif isinstance(node, yaml.ScalarNode) and (key in MARKDOWN_FIELDS or key == "notes"):
        yield node, key == "notes"
