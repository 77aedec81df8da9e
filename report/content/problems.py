"""pydantic-core's validation errors as `path:line:column: message`, said as an author would.

Each error's location is followed through the YAML node tree and the model's types together, so
the message points at the value (or the key) in the file and names it as the author wrote it.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import types
import typing
from pathlib import Path
from typing import Any

import yaml

from report.content.figures import (
    ChartContent,
    Column,
    FigureContent,
    LeafColumn,
    SpanCell,
    TableContent,
)
from report.content.model import (
    BLOCK_TYPES,
    Brief,
    Component,
    Contents,
    Correction,
    Edition,
    KeyFigure,
    ListContent,
    ListItem,
    Person,
    Section,
    Style,
    TimelineContent,
    TimelineEntry,
)
from report.content.yaml_reader import location

_MODELS = (
    Brief,
    Edition,
    Section,
    ListContent,
    TimelineEntry,
    KeyFigure,
    Correction,
    Contents,
    Style,
    Person,
    ListItem,
    TimelineContent,
    *BLOCK_TYPES,
    TableContent,
    Column,
    LeafColumn,
    SpanCell,
    FigureContent,
    ChartContent,
)


def describe(path: Path, root: yaml.Node, errors: list[Any]) -> list[str]:
    """Every error of a validation, located and in the file's order, without repeats."""
    errors = _one_per_union(errors)
    problems = {_describe(path, root, error) for error in _without_echoes(errors)}
    return sorted(problems, key=position_key)


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


# How pydantic-core names the members of a union in an error's location (a table cell is text,
# a number or a spanning cell): the scalar types, a constrained or checked string, or a model.
_SCALAR_TAGS = frozenset({"str", "int", "float", "bool", "none"})


def _union_tag(part: object) -> bool:
    return isinstance(part, str) and (
        part in _SCALAR_TAGS or "[" in part or part in {model.__name__ for model in _MODELS}
    )


def _member_fits(tag: str, found: object) -> bool:
    """Whether the union member a tag names is the kind of value the author wrote."""
    if isinstance(found, str):
        return "str" in tag
    if isinstance(found, dict):
        return tag in {model.__name__ for model in _MODELS}
    if isinstance(found, list):
        return tag.startswith("list[")
    return False


def _one_per_union(errors: list[Any]) -> list[Any]:
    """Keep, for a value that fits no member of a union, only the errors of the member it was
    meant to be: a mapping's for a mapping (a spanning cell), a text's for a text; otherwise
    one error saying what the value may be."""
    groups: dict[tuple[Any, ...], list[Any]] = {}
    kept: list[Any] = []
    for error in errors:
        tag = next((i for i, part in enumerate(error["loc"]) if _union_tag(part)), None)
        if tag is None:
            kept.append(error)
        else:
            groups.setdefault(tuple(error["loc"][:tag]), []).append((tag, error))
    for place, members in groups.items():
        found = next(
            (error.get("input") for _, error in members if len(error["loc"]) == len(place) + 1),
            None,
        )
        meant = [error for tag, error in members if _member_fits(str(error["loc"][tag]), found)]
        if meant:
            kept += meant
        else:
            nested = isinstance(found, list) and "items" in place
            message = (
                "a list cannot go here; to nest one, write the item as "
                "{text: the item's words, items: [the nested items]}"
                if nested
                else "must be text or a number (quote text YAML would read otherwise)"
            )
            kept.append({"type": "value_error", "loc": place, "msg": message, "input": found})
    return kept


def _all_field_names() -> list[str]:
    return sorted({name for model in _MODELS for name in field_types(model)})


@functools.cache
def field_types(model: type) -> dict[str, Any]:
    """The annotation of each field of a model class, constraints included."""
    hints = typing.get_type_hints(model, include_extras=True)
    return {field.name: hints[field.name] for field in dataclasses.fields(model)}


def position_key(problem: str) -> tuple[int, int, str]:
    """Sort `path:line:column: message` lines by line, then column."""
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
        at = location(path, key_node.start_mark if key_node else None)
        return f"{at}: unknown key {bad!r}{hint}"
    mark = node.start_mark if node is not None else None
    if kind == "missing":
        missing = str(error["loc"][-1])
        return f"{location(path, mark)}: missing required key {missing!r} in {_parent(field)}"
    return f"{location(path, mark)}: {field}: {_message(error, node)}"


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
    if kind in ("too_long", "string_too_long"):
        count = f" (found {len(found):,})" if isinstance(found, str) else ""
        return f"{message}{count}: more than a brief holds; see the limits in docs/content.md"
    if str(error["loc"][-1]) == "author" and isinstance(found, list):
        return "is one name; for several, write authors: with a `- name: ...` for each"
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
    models = {model.__name__: model for model in _MODELS}
    for part in loc:
        annotation = _unwrap(annotation)
        if _is_block_union(annotation) and isinstance(part, str):
            annotation = _block_type(part)  # the tag of a tagged union: no node to move to
            continue
        if _union_tag(part):  # a member of a plain union: the same
            lists = [arg for arg in typing.get_args(annotation) if _is_list(arg)]
            annotation = lists[0] if str(part).startswith("list[") and lists else None
            annotation = annotation or models.get(str(part))
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


def _is_list(annotation: Any) -> bool:
    return typing.get_origin(_unwrap(annotation)) is list


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and dataclasses.is_dataclass(annotation)


def _is_block_union(annotation: Any) -> bool:
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return False
    members = [_unwrap(arg) for arg in typing.get_args(annotation)]
    return bool(members) and all(member in (*BLOCK_TYPES, Component) for member in members)


def _block_type(kind: str) -> type | None:
    return next((block for block in (*BLOCK_TYPES, Component) if block.kind == kind), None)
