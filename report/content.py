"""Read a content file, keep the position of every node, validate it into a Brief."""

from __future__ import annotations

import dataclasses
import difflib
import functools
import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic_core import ValidationError

from report.assets import AssetRoots
from report.errors import AssetError, ContentError
from report.markup import Reference, link_problem, references
from report.model import (
    BLOCK_KINDS,
    BLOCK_TYPES,
    MARKDOWN_FIELDS,
    Brief,
    Correction,
    Edition,
    KeyFigure,
    ListContent,
    Section,
    TimelineEntry,
)
from report.templates import SAFE_LOADER, THEMES
from report.validation import validate_brief

_MODELS = (Brief, Edition, Section, ListContent, TimelineEntry, KeyFigure, Correction, *BLOCK_TYPES)

MAX_BYTES = 2 * 1024 * 1024  # a brief is a few kilobytes; this bounds memory, not authors
MAX_DEPTH = 32


class _StrictLoader(SAFE_LOADER):  # type: ignore[misc, valid-type]
    """A safe loader whose dates are checked; aliases and depth are checked on events first."""


def _check_events(text: str) -> None:
    """Refuse aliases (billion laughs) and deep nesting before any node is built."""
    depth = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="aliases (*name) are not allowed in content files; repeat the value",
                problem_mark=event.start_mark,
            )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise yaml.MarkedYAMLError(
                    problem=f"nesting deeper than {MAX_DEPTH} levels",
                    problem_mark=event.start_mark,
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _construct_timestamp(loader: _StrictLoader, node: yaml.ScalarNode) -> Any:
    """Build a date, or report an impossible one (2026-13-01) at its position."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError as err:
        raise yaml.MarkedYAMLError(
            problem=f"{node.value!r} is not a real date ({err})", problem_mark=node.start_mark
        ) from err


_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _where(path: Path, mark: yaml.Mark | None) -> str:
    if mark is None:
        return str(path)
    return f"{path}:{mark.line + 1}:{mark.column + 1}"


def read_document(path: Path) -> tuple[Any, yaml.Node | None]:
    """Parse a YAML file into plain data and its node tree, or raise a located ContentError."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise ContentError([f"{path}: cannot read content file: {err.strerror}"]) from err
    if len(raw) > MAX_BYTES:
        raise ContentError(
            [f"{path}: file is {len(raw):,} bytes; content files are capped at {MAX_BYTES:,} bytes"]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        column = err.start - (raw.rfind(b"\n", 0, err.start) + 1) + 1
        bad = f"byte {raw[err.start]:#04x} is not UTF-8; save the file as UTF-8"
        raise ContentError([f"{path}:{line}:{column}: {bad}"]) from err
    try:
        _check_events(text)
        loader = _StrictLoader(text)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(part for part in (err.context, err.problem) if part)
        raise ContentError([f"{_where(path, mark)}: {message}"]) from err
    except yaml.YAMLError as err:  # a character YAML does not allow, found on reading
        raise ContentError([f"{path}: {err}"]) from err
    try:
        node = loader.get_single_node()
        problems = list(_key_problems(path, node)) if node is not None else []
        if problems:
            raise ContentError(problems)
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(part for part in (err.context, err.problem) if part)
        raise ContentError([f"{_where(path, mark)}: {message}"]) from err
    except yaml.YAMLError as err:
        raise ContentError([f"{path}: YAML: {err}"]) from err
    finally:
        loader.dispose()
    return data, node


def _key_problems(path: Path, node: yaml.Node) -> Iterator[str]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            where = _where(path, key.start_mark)
            if key.tag == "tag:yaml.org,2002:merge":
                yield f"{where}: merge keys (<<) are not allowed; write the keys out"
                continue
            if key.tag != "tag:yaml.org,2002:str" or not isinstance(key, yaml.ScalarNode):
                # YAML reads `yes:`, `1:`, `~:` and dates as other types: keys must be names.
                shown = repr(key.value) if isinstance(key, yaml.ScalarNode) else "here"
                yield f"{where}: the key {shown} is not a name; keys are words like title:"
                continue
            name = str(key.value)
            if name in seen:
                first = seen[name].start_mark.line + 1
                yield (
                    f"{_where(path, key.start_mark)}: duplicate key {name!r} "
                    f"(first defined on line {first}); keep one"
                )
            seen[name] = key
            yield from _key_problems(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _key_problems(path, item)


def load_brief(path: Path | str) -> Brief:
    """Load and validate one content file; raise ContentError listing every problem."""
    path = Path(path)
    data, node = read_document(path)
    if not isinstance(data, dict):
        found = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ContentError(
            [
                f"{_where(path, node.start_mark if node else None)}: a content file "
                f"must be a mapping of keys (title:, sections:, ...), found {found}"
            ]
        )
    numbers = {_where(path, number.start_mark): problem for number, problem in _odd_numbers(node)}
    try:
        brief = validate_brief(data)
    except ValidationError as err:
        problems = [_describe(path, node, error) for error in _without_echoes(err.errors())]
        # A text field holding such a number is already reported, with the same advice.
        problems += [
            f"{at}: {text}"
            for at, text in numbers.items()
            if not any(problem.startswith(f"{at}: ") for problem in problems)
        ]
        raise ContentError(sorted(set(problems), key=_position_key)) from err
    if numbers:
        raise ContentError([f"{at}: {text}" for at, text in numbers.items()])
    problems = list(_reference_problems(path, node, brief))
    problems += _edition_problems(path, node, brief)
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


def node_at(root: yaml.Node, *keys: str) -> yaml.Node | None:
    """Return the value node at a path of mapping keys, or None if a key is absent."""
    node: yaml.Node | None = root
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            return None
        node = next((value for k, value in node.value if k.value == key), None)
    return node


# An integer as a person writes one. YAML 1.1 also reads 012 as octal (10), 0x1F as hexadecimal
# and 1:20 as base 60 (80): a brief holds no number meant that way.
PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def _odd_numbers(node: yaml.Node, field: str = "") -> Iterator[tuple[yaml.ScalarNode, str]]:
    """Yield each unquoted value YAML 1.1 reads as a number it is unlikely the author meant."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _odd_numbers(value, f"{field}.{key.value}" if field else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _odd_numbers(item, f"{field}[{index}]")
    elif node.tag == "tag:yaml.org,2002:int" and not PLAIN_INTEGER.fullmatch(node.value):
        number = yaml.constructor.SafeConstructor().construct_yaml_int(node)
        yield (
            node,
            (
                f"{field}: YAML 1.1 reads {node.value} as the number {number}; "
                f"write {number} if that is meant, or put the value in quotes for text"
            ),
        )


def _edition_problems(path: Path, root: yaml.Node, brief: Brief) -> list[str]:
    """Check what links this edition to others: the previous file, the logo."""
    problems = []
    previous = previous_path(path, brief)
    if brief.show_changes and previous is None:
        where = _where(path, node_at(root, "show_changes").start_mark)
        problems.append(f"{where}: show_changes needs previous: (the earlier edition's file)")
    if previous is not None and not previous.is_file():
        where = _where(path, node_at(root, "previous").start_mark)
        problems.append(f"{where}: previous edition {brief.previous!r}: no such file")
    if brief.theme and not (THEMES / brief.theme).is_dir():
        where = _where(path, node_at(root, "theme").start_mark)
        themes = sorted(folder.name for folder in THEMES.glob("*") if folder.is_dir())
        problems.append(
            f"{where}: no theme {brief.theme!r} in {THEMES} (themes: {', '.join(themes) or 'none'})"
        )
    if brief.style.logo:
        try:
            image_path(path, brief.style.logo)
        except AssetError as err:
            where = _where(path, node_at(root, "style", "logo").start_mark)
            problems.append(f"{where}: logo: {err}")
    return problems


def _reference_problems(path: Path, node: yaml.Node, brief: Brief) -> Iterator[str]:
    """Check the links, notes and images of every Markdown text."""
    section_ids = {section.id for section in brief.sections}
    for text_node, in_note in _markdown_nodes(node):
        where = _where(path, text_node.start_mark)
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


def _without_echoes(errors: list[Any]) -> list[Any]:
    """Drop "missing 'topic'" when the same mapping has an unknown key that is a typo of it."""
    misspelled = {
        (error["loc"][:-1], close)
        for error in errors
        if error["type"] in UNKNOWN_KEY
        for close in difflib.get_close_matches(str(error["loc"][-1]), _all_field_names(), n=3)
    }
    return [
        error
        for error in errors
        if not (error["type"] == "missing" and (error["loc"][:-1], error["loc"][-1]) in misspelled)
    ]


def _all_field_names() -> list[str]:
    return sorted({name for model in _MODELS for name in field_types(model)})


@functools.cache
def field_types(model: type) -> dict[str, Any]:
    """The annotation of each field of a model class, constraints included."""
    hints = typing.get_type_hints(model, include_extras=True)
    return {field.name: hints[field.name] for field in dataclasses.fields(model)}


def _position_key(problem: str) -> tuple[int, int, str]:
    parts = problem.split(":")
    try:
        return int(parts[1]), int(parts[2]), problem
    except (IndexError, ValueError):
        return 0, 0, problem


# How pydantic-core says a mapping has a key its model does not know.
UNKNOWN_KEY = frozenset({"unexpected_keyword_argument", "extra_forbidden"})


def _describe(path: Path, root: yaml.Node, error: Any) -> str:
    """Turn one pydantic error into `path:line:col: message` pointing at the offending node."""
    loc = error["loc"]
    if error["type"] == "duplicate_id":  # point at the second id, not at the whole list
        loc = (*loc, error["ctx"]["index"], "id")
    node, key_node, model, shown = _locate(root, loc)
    field = ".".join(shown).replace(".[", "[") or "document"
    kind = error["type"]
    if kind in UNKNOWN_KEY:
        bad = str(error["loc"][-1])
        known = sorted(field_types(model)) if model else []
        close = difflib.get_close_matches(bad, known, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
        return (
            f"{_where(path, key_node.start_mark if key_node else None)}: unknown key {bad!r}{hint}"
        )
    mark = node.start_mark if node is not None else None
    if kind == "missing":
        missing = str(error["loc"][-1])
        return f"{_where(path, mark)}: missing required key {missing!r} in {_parent(field)}"
    return f"{_where(path, mark)}: {field}: {_message(error, node)}"


# How pydantic-core says a value should have been a mapping (a model, or the notes).
MAPPING_EXPECTED = frozenset({"dataclass_type", "model_type", "dict_type"})

# Pattern mismatches said as a person would; the regular expression helps nobody.
PATTERN_HINTS = {
    "id": "must be lowercase letters, digits and '-', starting with a letter (e.g. 'history')",
    "language": "must be a language tag such as 'en', 'ru' or 'pt-BR'",
}


def _message(error: Any, node: yaml.Node | None) -> str:
    """Say what was expected and what was found."""
    kind, found = error["type"], error.get("input")
    message = error["msg"].removeprefix("Value error, ")
    if kind == "string_pattern_mismatch":
        message = PATTERN_HINTS.get(str(error["loc"][-1]), message)
    if kind in MAPPING_EXPECTED:  # pydantic names the Python class, which authors never see
        message = "must be a mapping of keys, written as indented `key: value` lines"
    if kind == "too_short" and isinstance(found, list) and not found:
        return "must not be empty"
    if kind == "block_kind" and isinstance(found, dict) and len(found) == 1:
        (key,) = found
        close = difflib.get_close_matches(str(key), BLOCK_KINDS, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]!r}?" if close else f"use one of {', '.join(BLOCK_KINDS)}"
        return f"unknown block {str(key)!r}; {hint}"
    if isinstance(found, dict | list) or kind in {"value_error", "duplicate_id"}:
        return message
    message += f", found {found!r}"
    if kind == "string_type" and node is not None and not getattr(node, "style", None):
        message += " (YAML read it as a non-text value: put it in quotes)"
    return message


def _parent(field: str) -> str:
    return field.rpartition(".")[0] or "the document"


Located = tuple[yaml.Node, yaml.Node | None, type | None, list[str]]


def _locate(root: yaml.Node, loc: tuple[Any, ...]) -> Located:
    """Follow an error location through the node tree and the model types together.

    Returns the value node, its key node, the model that owns the last key, and the location
    as the author would write it (tagged-union tags left out).
    """
    node: yaml.Node = root
    key_node: yaml.Node | None = None
    annotation: Any = Brief
    shown: list[str] = []
    owner: type | None = None
    for part in loc:
        annotation = _unwrap(annotation)
        if _is_block_union(annotation) and isinstance(part, str):
            annotation = _block_type(part)  # the tag of a tagged union: no node to move to
            continue
        shown.append(f"[{part}]" if isinstance(part, int) else str(part))
        model = annotation if _is_model(annotation) else None
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            pair = next(((k, v) for k, v in node.value if str(k.value) == part), None)
            owner = model
            annotation = field_types(model).get(part) if model else None
            if pair is None:
                return node, key_node, model, shown
            key_node, node = pair
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node, key_node, None, shown
            node = node.value[part]
            args = typing.get_args(annotation)
            annotation = args[0] if args else None
        else:
            return node, key_node, model, shown
    return node, key_node, owner, shown


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional until a model, a list or a block union remains."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType) and not _is_block_union(annotation):
            options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(options) != 1:
                return annotation
            annotation = options[0]
        else:
            return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def _is_block_union(annotation: Any) -> bool:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    members = [_unwrap(arg) for arg in typing.get_args(annotation)]
    return bool(members) and all(member in BLOCK_TYPES for member in members)


def _block_type(kind: str) -> type | None:
    return next((block for block in BLOCK_TYPES if block.kind == kind), None)
