"""YAML files read with positions: plain data and the node tree that knows every position.

Content files and the language strings files are read here and nowhere else.

Refused here, each at its line and column: bytes that are not UTF-8, files over the size cap,
aliases, nesting too deep, merge keys, keys that are not names, duplicate keys and impossible
dates; `odd_numbers` finds the values YAML 1.1 reads as numbers nobody meant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from report.errors import ContentError

# libyaml's loader when PyYAML has it (20x faster on large files), else the pure-Python one.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def location(path: Path, mark: yaml.Mark | None) -> str:
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
        raise ContentError([f"{location(path, mark)}: {message}"]) from err
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
        raise ContentError([f"{location(path, mark)}: {message}"]) from err
    except yaml.YAMLError as err:
        raise ContentError([f"{path}: YAML: {err}"]) from err
    finally:
        loader.dispose()
    return data, node


def _key_problems(path: Path, node: yaml.Node) -> Iterator[str]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, yaml.Node] = {}
        for key, value in node.value:
            where = location(path, key.start_mark)
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
                    f"{location(path, key.start_mark)}: duplicate key {name!r} "
                    f"(first defined on line {first}); keep one"
                )
            seen[name] = key
            yield from _key_problems(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _key_problems(path, item)
    elif node.tag in NUMBER_TAGS and len(node.value) > MAX_NUMBER_CHARACTERS:
        yield (
            f"{location(path, node.start_mark)}: a number of {len(node.value):,} characters; "
            "a brief has none so long (put it in quotes if it is text)"
        )
    elif (
        node.tag in TYPED_TAGS
        and _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False)) != node.tag
    ):
        # `!!int abc`, `!!timestamp x`: a tag the value does not fit would fail in PyYAML itself
        kind = node.tag.rpartition(":")[2]
        yield (
            f"{location(path, node.start_mark)}: {node.value!r} is not a {kind}; "
            f"leave out the !!{kind} tag"
        )


NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
TYPED_TAGS = frozenset(
    f"tag:yaml.org,2002:{kind}" for kind in ("int", "float", "bool", "null", "timestamp")
)
_RESOLVER = yaml.resolver.Resolver()


def _mistagged(node: yaml.Node) -> bool:
    """Whether a scalar carries a type tag (!!int, !!timestamp, ...) its text does not fit."""
    if node.tag not in TYPED_TAGS:
        return False
    return _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False)) != node.tag


MAX_NUMBER_CHARACTERS = 40


def node_at(root: yaml.Node | None, *keys: str | int) -> yaml.Node | None:
    """Return the value node at a path of mapping keys and sequence indexes, or None if a key
    or an item is absent."""
    node: yaml.Node | None = root
    for key in keys:
        if isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if 0 <= key < len(node.value) else None
        elif isinstance(node, yaml.MappingNode):
            node = next((value for k, value in node.value if k.value == key), None)
        else:
            return None
    return node


def key_node_at(root: yaml.Node | None, *keys: str | int) -> yaml.Node | None:
    """Return the key node of the last key of a path (see node_at), or None."""
    parent = node_at(root, *keys[:-1])
    if isinstance(parent, yaml.MappingNode):
        return next((k for k, _ in parent.value if k.value == keys[-1]), None)
    return None


def cells_as_written(rows: yaml.Node | None, data: Any) -> Any:
    """A table's rows with every number, true/false, date and null cell replaced by the text the
    author typed: `3.90` stays "3.90", `yes` stays "yes", an empty cell is "". A spanning
    cell's `text` is kept as written too; its spans stay numbers."""
    if not (isinstance(rows, yaml.SequenceNode) and isinstance(data, list)):
        return data
    return [
        [_cell_as_written(node, value) for node, value in zip(row.value, values, strict=False)]
        if isinstance(row, yaml.SequenceNode) and isinstance(values, list)
        else values
        for row, values in zip(rows.value, data, strict=False)
    ]


def _cell_as_written(node: yaml.Node, value: Any) -> Any:
    if isinstance(node, yaml.MappingNode) and isinstance(value, dict) and "text" in value:
        return {**value, "text": _cell_as_written(node_at(node, "text"), value["text"])}
    if isinstance(node, yaml.ScalarNode) and not isinstance(value, str):
        # A number, true/false, a date (2020-01-01) or null: the text as typed.
        return node.value if value is not None else ""
    return value


# An integer as a person writes one. YAML 1.1 also reads 012 as octal (10), 0x1F as hexadecimal
# and 1:20 as base 60 (80): a brief holds no number meant that way.
PLAIN_INTEGER = re.compile(r"[-+]?(0|[1-9][0-9_]*)")


def odd_numbers(node: yaml.Node, field: str = "") -> Iterator[tuple[yaml.ScalarNode, str]]:
    """Yield each unquoted value YAML 1.1 reads as a number it is unlikely the author meant."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "rows":
                continue  # table cells: numbers are kept as written (see as_written)
            yield from odd_numbers(value, f"{field}.{key.value}" if field else str(key.value))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from odd_numbers(item, f"{field}[{index}]")
    elif node.tag == "tag:yaml.org,2002:int" and not PLAIN_INTEGER.fullmatch(node.value):
        number = yaml.constructor.SafeConstructor().construct_yaml_int(node)
        yield (
            node,
            (
                f"{field}: YAML 1.1 reads {node.value} as the number {number}; "
                f"write {number} if that is meant, or put the value in quotes for text"
            ),
        )
