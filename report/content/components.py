"""Components of your own: block types an edition or a theme defines without touching the tool.

A component is two files in a `components/` folder of the edition (`content/<name>/`) or of its
theme: `<name>.html`, the partial that renders it in every output, and `<name>.schema.yaml`, a
JSON Schema of its value. A block `- <name>: value` uses it. The schema comes from a folder that
may come from anyone, so it is read like a content file (safe YAML, capped) and may not refer to
anything outside itself (`$ref` only to `#...`), nor use regular expressions (`pattern`), which
a hostile schema could make take exponential time.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from report.content.fields import MAX_TEXT, NOT_XML
from report.content.model import (
    BLOCK_KINDS,
    Brief,
    Component,
    located_strings,
    placed_blocks,
)
from report.content.problems import position_key
from report.content.yaml_reader import location, node_at, read_document
from report.errors import ContentError

NAME = re.compile(r"[a-z][a-z0-9_-]{0,63}")
# Keywords a component schema may not use: a reference out of the file, a base URI that changes
# what `#` means, and regular expressions (a pattern can take exponential time on some text).
REFUSED_KEYWORDS = {
    "$id": "a schema's own base URI is not needed here",
    "$dynamicRef": "dynamic references are not supported",
    "$recursiveRef": "recursive references are not supported",
    "pattern": "patterns are refused (a regular expression can take exponential time); "
    "use enum, minLength or maxLength",
    "patternProperties": "patterns are refused (a regular expression can take exponential "
    "time); list the properties",
}


@dataclass(frozen=True)
class ComponentType:
    """A component an edition or theme defines: its name, partial and schema."""

    name: str
    partial: Path
    schema_path: Path
    schema: dict[str, Any]
    node: yaml.Node | None  # the schema's node tree, to locate problems in it


def component_folders(source: Path, theme: Path | None) -> list[Path]:
    """Where a brief's components are looked up, first match winning: the edition folder's
    `components/`, then the theme's."""
    folders = [source.parent / source.stem / "components"]
    return folders + ([theme / "components"] if theme else [])


def find_components(folders: list[Path]) -> dict[str, ComponentType]:
    """The components in `folders` by name (the first folder that has one wins); raise a
    ContentError naming each file that is not a usable component."""
    found: dict[str, ComponentType] = {}
    problems: list[str] = []
    for folder in folders:
        for name, files in sorted(_component_files(folder).items()):
            if name in found:
                continue
            try:
                found[name] = _component(folder, name, files)
            except ContentError as err:
                problems += err.problems
    if problems:
        raise ContentError(problems)
    return found


def _component_files(folder: Path) -> dict[str, set[str]]:
    """The component names in a folder, each with the suffixes found (.html, .schema.yaml)."""
    names: dict[str, set[str]] = {}
    if not folder.is_dir():
        return names
    for path in folder.iterdir():
        for suffix in (".schema.yaml", ".html"):
            if path.name.endswith(suffix):
                names.setdefault(path.name.removesuffix(suffix), set()).add(suffix)
                break
    return names


def _component(folder: Path, name: str, files: set[str]) -> ComponentType:
    if not NAME.fullmatch(name):
        raise ContentError(
            [f"{folder / name}: a component's name is lowercase letters, digits, '_' and '-'"]
        )
    if name in BLOCK_KINDS:
        raise ContentError(
            [
                f"{folder / name}.html: {name!r} is a built-in block; give the component "
                f"another name (to change the built-in one, override partials/{name}.html)"
            ]
        )
    needed = ((".html", "its partial"), (".schema.yaml", "the JSON Schema of its value"))
    for suffix, what in needed:
        if suffix not in files:
            raise ContentError([f"{folder / name}{suffix}: missing; a component needs {what}"])
    partial, schema_path = folder / f"{name}.html", folder / f"{name}.schema.yaml"
    for path in (partial, schema_path):
        if not path.resolve().is_relative_to(folder.resolve()):
            raise ContentError([f"{path}: leads outside {folder}; not loaded"])
    schema, node = read_document(schema_path)
    _check_schema(schema_path, schema, node)
    return ComponentType(name, partial, schema_path, schema, node)


def _check_schema(path: Path, schema: Any, node: yaml.Node | None) -> None:
    """Refuse a schema that is not a valid JSON Schema, or that reaches outside itself."""
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        raise ContentError([f"{location(path, None)}: a component schema is a mapping"])
    problems = [
        f"{location(path, _mark(node, keys))}: {message}"
        for keys, message in _refused_keywords(schema)
    ]
    if not problems:
        try:
            Draft202012Validator.check_schema(_json_ready(schema))
        except SchemaError as err:
            where = location(path, _mark(node, tuple(err.absolute_path)))
            problems.append(f"{where}: not a JSON Schema: {err.message}")
    if problems:
        raise ContentError(problems)


def _refused_keywords(schema: Any, keys: tuple[Any, ...] = ()) -> Iterator[tuple[tuple, str]]:
    if isinstance(schema, dict):
        for key, value in schema.items():
            here = (*keys, key)
            if key in REFUSED_KEYWORDS and not (keys and keys[-1] == "properties"):
                yield here, f"{key}: {REFUSED_KEYWORDS[key]}"
            elif key == "$ref" and not (isinstance(value, str) and value.startswith("#")):
                yield here, "$ref may only point inside this file (#/$defs/...)"
            else:
                yield from _refused_keywords(value, here)
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _refused_keywords(value, (*keys, index))


def _mark(node: yaml.Node | None, keys: tuple[Any, ...]) -> Any:
    found = node_at(node, *keys) if node is not None else None
    return (found or node).start_mark if (found or node) is not None else None


def _json_ready(value: Any) -> Any:
    """A YAML value as JSON would hold it: dates become ISO text (a schema says "string")."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): _json_ready(inner) for key, inner in value.items()}
    if isinstance(value, list):
        return [_json_ready(inner) for inner in value]
    return value


def component_problems(
    path: Path, root: yaml.Node, brief: Brief, components: Mapping[str, ComponentType]
) -> Iterator[str]:
    """Check each component block: that its component exists, and its value against the
    component's schema, every problem at its line."""
    for placed in placed_blocks(brief):
        block = placed.block
        if not isinstance(block, Component):
            continue
        component = components.get(block.name)
        if component is None:
            node = node_at(root, *placed.keys)
            field = ".".join(f"[{key}]" if isinstance(key, int) else key for key in placed.keys)
            problem = unknown_block(block.name, components)
            yield f"{location(path, _mark(node, ()))}: {field.replace('.[', '[')}: {problem}"
            continue
        yield from _value_problems(path, root, (*placed.keys, block.name), block.value, component)


def unknown_block(name: str, components: Mapping[str, ComponentType]) -> str:
    """Say that no block or component has this name, and which one was likely meant."""
    known = [*BLOCK_KINDS, *components]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"unknown block {name!r}; did you mean {close[0]!r}?"
    return (
        f"unknown block {name!r}; use one of {', '.join(known)}, or make it a component of your "
        f"own: components/{name}.html and components/{name}.schema.yaml in the edition's folder"
    )


def _value_problems(
    path: Path, root: yaml.Node, keys: tuple[Any, ...], value: Any, component: ComponentType
) -> Iterator[str]:
    for inner_keys, text in located_strings(value):
        problem = _text_problem(text)
        if problem:
            yield f"{location(path, _mark(node_at(root, *keys), inner_keys))}: {problem}"
    node = node_at(root, *keys)
    found = [
        f"{location(path, _mark(node, tuple(error.absolute_path)))}: {_error_message(error)}"
        for error in _validator(component).iter_errors(_json_ready(value))
    ]
    yield from sorted(found, key=position_key)


def _text_problem(text: str) -> str | None:
    if len(text) > MAX_TEXT:
        return f"{len(text):,} characters; a text holds at most {MAX_TEXT:,}"
    if match := NOT_XML.search(text):
        return f"contains the control character {match.group()!r}, which XML forbids"
    return None


def _error_message(error: Any) -> str:
    """jsonschema's message, with a did-you-mean for a key the schema does not have."""
    message = str(error.message)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = list(error.schema.get("properties", {}))
        extra = [key for key in error.instance if key not in allowed]
        hints = [
            f"{key!r}: did you mean {close[0]!r}?"
            for key in extra
            if (close := difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6))
        ]
        message = f"unknown key(s) {', '.join(map(repr, extra))}" + (
            f" ({'; '.join(hints)})" if hints else f"; keys: {', '.join(allowed) or 'none'}"
        )
    return message


@functools.lru_cache(maxsize=64)
def _cached_validator(schema_json: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(schema_json))


def _validator(component: ComponentType) -> Any:
    return _cached_validator(json.dumps(_json_ready(component.schema), sort_keys=True))


def block_schemas(components: Mapping[str, ComponentType]) -> dict[str, dict[str, Any]]:
    """The JSON Schema definitions (`$defs`) that make each component a block of a content file
    (`report schema CONTENT`): `block-<name>`, the block `{<name>: value}`, and `component-<name>`,
    the value's own schema with its references moved to where it now sits."""
    definitions: dict[str, dict[str, Any]] = {}
    for name, component in sorted(components.items()):
        home = f"#/$defs/component-{name}"
        definitions[f"component-{name}"] = _moved_refs(_json_ready(component.schema), home)
        definitions[f"block-{name}"] = {
            "title": name,
            "description": str(component.schema.get("description", f"The {name} component.")),
            "type": "object",
            "properties": {name: {"$ref": home}},
            "required": [name],
            "additionalProperties": False,
        }
    return definitions


def _moved_refs(schema: Any, home: str) -> Any:
    """Point a schema's `#...` references at where it now sits inside another schema."""
    if isinstance(schema, dict):
        return {
            key: home + value[1:]
            if key == "$ref" and isinstance(value, str)
            else _moved_refs(value, home)
            for key, value in schema.items()
        }
    if isinstance(schema, list):
        return [_moved_refs(value, home) for value in schema]
    return schema
