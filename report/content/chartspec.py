"""Checking a chart's Vega-Lite specification before anything draws it.

A chart in the content is a Vega-Lite spec plus data the loader reads itself (a CSV file in the
content folder, or inline values). The spec is untrusted text: it must not fetch anything, must not
ask for a huge image, and should fail here, at its key, with a plain message, rather than deep in
the renderer. Problems come back as (path of keys inside the spec, message); the caller turns a
path into a file, line and column.

The Vega-Lite JSON Schema is the one shipped in Altair's package folder; Altair itself is never
imported (it takes a second), and jsonschema is imported only when a chart is checked.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import json
import math
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from report.content.fields import NOT_XML

KeyPath = tuple[str | int, ...]
Problem = tuple[KeyPath, str]

MAX_SIZE = 2000  # px; a width or height above this is a hostile or mistaken file, not a chart
MAX_NODES = 2000  # keys and list items in the whole spec
MAX_DEPTH = 30
MAX_GENERATED = 10_000  # rows a transform may invent from nothing (impute keyvals, density steps)
SHOWN = 60  # characters of a value quoted in a message
SHOWN_CHOICES = 12

OUTSIDE_URL = re.compile(r"url\s*\(\s*['\"]?\s*(?!#)", re.IGNORECASE)  # url(#id) is the SVG's own

# Transforms that create columns under a default name when they have no `as`.
DEFAULT_OUTPUTS = {
    "fold": ("key", "value"),
    "density": ("value", "density"),
    "quantile": ("prob", "value"),
}


def spec_problems(spec: object, fields: Collection[str]) -> list[Problem]:
    """Every problem of a chart's Vega-Lite spec, each as (path of keys inside the spec, message).

    `fields` are the columns of the chart's data. Path () means the spec itself. The schema check
    is skipped when the spec is unsafe or malformed in a way found first, since its message would
    only repeat those problems less clearly.
    """
    if not isinstance(spec, Mapping):
        return [((), "must be a mapping of Vega-Lite keys (mark:, encoding:, ...)")]
    problems = _structure_problems(spec)
    if not problems:
        problems = _schema_problems(spec)
    return problems + _field_problems(spec, fields)


# The first checks: JSON values only, nothing fetched, nothing huge.


def _structure_problems(spec: Mapping[Any, Any]) -> list[Problem]:
    problems: list[Problem] = []
    counter = [0]
    try:
        _walk(spec, (), problems, counter)
    except _TooLarge as error:
        return [((), str(error))]
    return problems


class _TooLarge(Exception):
    """Stops the walk at the first sign of a spec too large or too deep to be a chart."""


def _walk(value: object, path: KeyPath, problems: list[Problem], counter: list[int]) -> None:
    # Recursive, in the file's order, so problems come out as a reader meets them; the depth cap
    # keeps the recursion short whatever the file holds.
    if len(path) > MAX_DEPTH:
        raise _TooLarge(f"the spec is nested too deeply (more than {MAX_DEPTH} levels)")
    if isinstance(value, Mapping | list):
        counter[0] += len(value)
        if counter[0] > MAX_NODES:
            raise _TooLarge(f"the spec is too large (more than {MAX_NODES} keys and items)")
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                problems.append((path, f"key {_show(key)} must be text; put it in quotes"))
                continue
            if NOT_XML.search(key):
                problems.append(((*path, key), "the key holds a control character XML forbids"))
                continue
            problems.extend(_key_problems(key, item, (*path, key)))
            _walk(item, (*path, key), problems, counter)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _walk(item, (*path, index), problems, counter)
    elif isinstance(value, str) and NOT_XML.search(value):
        # The drawing is XML: vl-convert stops the whole process on such a character.
        problems.append((path, "holds a control character XML forbids"))
    elif isinstance(value, str) and OUTSIDE_URL.search(value):
        # Vega writes a colour such as `fill: url(https://...)` into the SVG as it is, and the
        # PDF engine or the reader's browser would fetch it.
        problems.append((path, f"fetches {_show(value)}; a chart may not load anything"))
    elif isinstance(value, float) and not math.isfinite(value):
        problems.append((path, f"{value} is not a number a chart can use"))
    elif value is not None and not isinstance(value, str | int | float | bool):
        # YAML turns 2020-01-01 into a date, which JSON (and so Vega-Lite) does not have.
        problems.append((path, f"{_show(value)} must be written in quotes, as text"))


def _key_problems(key: str, value: object, path: KeyPath) -> Iterator[Problem]:
    if key == "url":
        yield (
            path,
            f"fetches {_target(value)}; a chart may not load anything: put the data in the "
            "chart's `data:` (a CSV file in the content folder) or `values:`",
        )
    elif key == "href":
        # Not a fetch, but a link to anywhere (javascript: included) drawn into the document.
        yield (path, f"links to {_target(value)}; a chart may not link anywhere")
    elif key in ("data", "datasets"):
        yield (
            path,
            f"`{key}:` inside the spec is not used: the chart's data comes from the chart's own "
            "`data:` (a CSV file in the content folder) or `values:` key",
        )
    elif key in ("width", "height"):
        yield from _size_problems(value, path)
    elif key == "keyvals" and isinstance(value, Mapping):
        yield from _sequence_problems(value, path)
    elif key == "steps" and _is_number(value) and value > MAX_GENERATED:
        yield (path, f"{value} steps is too many (at most {MAX_GENERATED})")


def _target(value: object) -> str:
    """What a url: or href: names: an address, or where it would take addresses from."""
    if isinstance(value, Mapping):
        if isinstance(value.get("field"), str):
            return f"the addresses in field {_show(value['field'])}"
        for key in ("value", "expr"):
            if key in value:
                return _show(value[key])
    return _show(value)


def _size_problems(value: object, path: KeyPath) -> Iterator[Problem]:
    # `width: {step: 20}` sizes each band; a huge step makes a huge image just as well.
    if isinstance(value, Mapping) and _is_number(value.get("step")):
        value, path = value["step"], (*path, "step")
    if _is_number(value) and not 1 <= value <= MAX_SIZE:
        yield (path, f"{value} px is not a chart size: give a number from 1 to {MAX_SIZE}")


def _sequence_problems(value: Mapping[Any, Any], path: KeyPath) -> Iterator[Problem]:
    # impute's keyvals: {start, stop, step} invents one row per step: a denial of service in a line.
    start, stop, step = value.get("start", 0), value.get("stop"), value.get("step", 1)
    if _is_number(start) and _is_number(stop) and _is_number(step):
        count = (stop - start) / step if step else math.inf
        if not -MAX_GENERATED <= count <= MAX_GENERATED:
            yield (path, f"this sequence has too many values (at most {MAX_GENERATED})")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# The schema check.


@functools.cache
def schema_file() -> Path | None:
    """The Vega-Lite JSON Schema file in Altair's package folder (None if Altair is missing).

    Found without importing Altair: v6 if present, else the highest vN folder.
    """
    spec = importlib.util.find_spec("altair")
    if spec is None or not spec.submodule_search_locations:
        return None
    vegalite = Path(spec.submodule_search_locations[0]) / "vegalite"
    preferred = vegalite / "v6" / "schema" / "vega-lite-schema.json"
    if preferred.is_file():
        return preferred
    found = [
        (int(folder.name[1:]), folder / "schema" / "vega-lite-schema.json")
        for folder in vegalite.glob("v*")
        if folder.name[1:].isdigit()
    ]
    found = [(major, path) for major, path in found if path.is_file()]
    return max(found)[1] if found else None


@functools.cache
def schema_version() -> str | None:
    """The Vega-Lite version of that schema as "major.minor" (e.g. "6.4"), or None.

    Read from Altair's schema/__init__.py as text, since the JSON file does not name it.
    """
    path = schema_file()
    if path is None:
        return None
    try:
        text = (path.parent / "__init__.py").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"""SCHEMA_VERSION\s*=\s*["']v?(\d+)\.(\d+)""", text)
    return f"{match[1]}.{match[2]}" if match else None


@functools.cache
def _schema() -> dict[str, Any] | None:
    path = schema_file()
    if path is None:
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@functools.cache
def _validator() -> Any:
    import jsonschema  # here, not at the top: a build without charts never pays for it

    schema = _schema()
    if schema is None:
        return None
    return jsonschema.validators.validator_for(schema)(schema)


def _schema_problems(spec: Mapping[str, Any]) -> list[Problem]:
    validator = _validator()
    if validator is None:
        return [((), "cannot check the chart: Altair's Vega-Lite schema is not installed")]
    from jsonschema.exceptions import by_relevance

    # The renderer adds the data, and the schema requires it of a top-level view.
    drawn = {**spec, "data": {"values": []}}
    errors = list(validator.iter_errors(drawn))
    if not errors:
        return []
    # best_match would pick the most relevant error and then descend into one branch of each
    # anyOf by its own measure, which for a typo at the top lands in the wrong kind of spec;
    # take the most relevant error as it is and choose among the branches here.
    error = max(errors, key=by_relevance())
    return [_most_specific(error)]


def _most_specific(error: Any) -> Problem:
    """The problem an anyOf error stands for, named where it is.

    Vega-Lite's top level and most of its values are anyOf's of several kinds (a unit view, a
    layer, a facet...; a mark name or a mark definition). The branches for the wrong kind fail with
    "'layer' is a required property" or "is not of type 'object'": those are dropped, and among
    the rest an unknown key wins (a typo is the likeliest mistake), then the deepest place, where
    the choices or types every remaining branch allows are listed together.
    """
    leaves = list(_leaves(error)) or [error]

    def depth(leaf: Any) -> int:
        return len(leaf.absolute_path)

    unknown = [leaf for leaf in leaves if leaf.validator == "additionalProperties"]
    unknown = [leaf for leaf in unknown if _unexpected(leaf)]
    if unknown:
        deepest = max(depth(leaf) for leaf in unknown)
        at_deepest = [leaf for leaf in unknown if depth(leaf) == deepest]
        # The branch that finds the fewest unknown keys is the kind the author meant.
        leaf = min(at_deepest, key=lambda leaf: len(_unexpected(leaf)))
        key = _unexpected(leaf)[0]
        known = {name for leaf in at_deepest for name in leaf.schema.get("properties", {})}
        path: KeyPath = (*leaf.absolute_path, key)
        if key in known:
            # Known to another kind of spec: `hconcat:` beside `mark:`, `datum:` beside `field:`.
            return path, f"key {_show(key)} does not go with the other keys of this mapping"
        return path, f"unknown key {_show(key)}{_suggestion(key, sorted(known))}"
    deepest = max(depth(leaf) for leaf in leaves)
    at_deepest = [leaf for leaf in leaves if depth(leaf) == deepest]
    path, instance = tuple(at_deepest[0].absolute_path), at_deepest[0].instance
    allowed: list[object] = []
    # The plain list (mark: bar, line...) before the constants of other branches (boxplot...).
    for kind in ("enum", "const"):
        for leaf in at_deepest:
            if leaf.validator == kind:
                values = leaf.validator_value if kind == "enum" else [leaf.validator_value]
                allowed.extend(value for value in values if value not in allowed)
    if allowed:
        names = ", ".join(_plain(value) for value in allowed[:SHOWN_CHOICES])
        more = ", ..." if len(allowed) > SHOWN_CHOICES else ""
        words = [value for value in allowed if isinstance(value, str)]
        hint = _suggestion(instance, words) if isinstance(instance, str) else ""
        return path, f"{_show(instance)} is not one of {names}{more}{hint}"
    types: list[str] = []
    for leaf in at_deepest:
        if leaf.validator == "type":
            wanted = leaf.validator_value
            for name in wanted if isinstance(wanted, list) else [wanted]:
                word = TYPE_WORDS.get(name, name)
                if word not in types:
                    types.append(word)
    if types:
        return path, f"{_show(instance)} should be {' or '.join(types)}"
    return path, _plain_message(at_deepest[0])


TYPE_WORDS = {
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _leaves(error: Any) -> Iterator[Any]:
    if not error.context:
        yield error
        return
    branches = _branches(error)
    fitting = [errors for errors in branches if not _wrong_kind(errors)] or branches
    # Of the branches of the right kind, the ones that know the most of the keys written here:
    # {field: a, type: nominl} is a field definition with a bad type, not a datum with stray keys.
    fewest = min(_unknown_here(errors) for errors in fitting)
    for errors in fitting:
        if _unknown_here(errors) == fewest:
            for sub in errors:
                yield from _leaves(sub)


def _unknown_here(errors: list[Any]) -> int:
    return sum(
        len(_unexpected(sub))
        for sub in errors
        if sub.validator == "additionalProperties" and len(sub.path) == 0
    )


def _branches(error: Any) -> list[list[Any]]:
    """An anyOf error's sub-errors, grouped by the branch of the anyOf they come from."""
    grouped: dict[object, list[Any]] = {}
    for sub in error.context:
        grouped.setdefault(sub.relative_schema_path[0], []).append(sub)
    return list(grouped.values())


def _wrong_kind(errors: list[Any]) -> bool:
    """Whether a branch's errors say the value is another kind of thing altogether."""
    for sub in errors:
        if len(sub.path) != 0:
            continue
        if sub.validator in ("required", "type"):
            return True
        if (
            sub.validator in ("anyOf", "oneOf")
            and sub.context
            and all(_wrong_kind(branch) for branch in _branches(sub))
        ):
            return True
    return False


def _plain_message(error: Any) -> str:
    if error.validator == "required" and isinstance(error.validator_value, list):
        missing = [key for key in error.validator_value if key not in error.instance]
        return f"needs `{missing[0] if missing else '?'}:`"
    if error.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return (
            f"{_show(error.instance)} is out of range ({error.validator} {error.validator_value})"
        )
    if error.validator in ("anyOf", "oneOf"):
        return f"{_show(error.instance)} is not a valid value here"
    message = str(error.message)
    return message if len(message) <= 2 * SHOWN else message[: 2 * SHOWN] + "..."


def _unexpected(error: Any) -> list[str]:
    schema, instance = error.schema, error.instance
    if not isinstance(instance, Mapping):
        return []
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    return [
        key
        for key in instance
        if key not in properties and not any(re.search(pattern, key) for pattern in patterns)
    ]


def _suggestion(word: str, known: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean {_show(close[0])}?" if close else ""


# The fields check.


def _field_problems(spec: Mapping[Any, Any], fields: Collection[str]) -> list[Problem]:
    transforms = list(_transforms(spec))
    if any(isinstance(step, Mapping) and "pivot" in step for step in transforms):
        # A pivot makes columns out of data values: which names exist is not known here.
        return []
    known = set(fields) | {name for step in transforms for name in _made_names(step)}
    problems = []
    columns = ", ".join(list(fields)[:SHOWN_CHOICES])
    columns += ", ..." if len(fields) > SHOWN_CHOICES else ""
    for path, field in _field_references(spec, ()):
        head = _nested_head(field)
        if head in known or field == "*":
            continue
        if field in fields:
            # Vega-Lite reads "GDP.2014" as the key 2014 inside a column GDP.
            escaped = re.sub(r"(?<!\\)([.\[\]])", r"\\\1", field)
            message = (
                f"a dot or bracket in a field means a nested field: for the column "
                f"{_show(field)} write {_show(escaped)}"
            )
        else:
            message = (
                f"field {_show(field)} is not a column of the chart's data (columns: {columns})"
                + _suggestion(head, list(fields))
            )
        problems.append((path, message))
    return problems


def _nested_head(field: str) -> str:
    """The column a Vega-Lite field reads: "a.b" and "a[0]" read column a; "a\\.b" reads "a.b"."""
    head = re.split(r"(?<!\\)[.\[]", field, maxsplit=1)[0]
    return head.replace("\\.", ".").replace("\\[", "[")


def _transforms(value: object) -> Iterator[object]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "transform" and isinstance(item, list):
                yield from item
            else:
                yield from _transforms(item)
    elif isinstance(value, list):
        for item in value:
            yield from _transforms(item)


def _made_names(step: object) -> Iterator[str]:
    if not isinstance(step, Mapping):
        return
    for kind, names in DEFAULT_OUTPUTS.items():
        if kind in step and "as" not in step:
            yield from names
    for value in _values_under(step, "as"):
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (item for item in value if isinstance(item, str))
    if "flatten" in step and "as" not in step and isinstance(step["flatten"], list):
        yield from (item for item in step["flatten"] if isinstance(item, str))


def _values_under(value: object, wanted: str) -> Iterator[object]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == wanted:
                yield item
            yield from _values_under(item, wanted)
    elif isinstance(value, list):
        for item in value:
            yield from _values_under(item, wanted)


VIEW_LISTS = ("layer", "concat", "hconcat", "vconcat")


def _field_references(view: object, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    """Every field a view's encodings (and those of the views inside it) read, with its path."""
    if not isinstance(view, Mapping):
        return
    encoding = view.get("encoding")
    if isinstance(encoding, Mapping):
        for channel, definition in encoding.items():
            yield from _channel_fields(definition, (*path, "encoding", channel))
    for key in VIEW_LISTS:
        children = view.get(key)
        if isinstance(children, list):
            for index, child in enumerate(children):
                yield from _field_references(child, (*path, key, index))
    if "spec" in view:
        yield from _field_references(view["spec"], (*path, "spec"))
    facet = view.get("facet")
    if isinstance(facet, Mapping):
        if "field" in facet:
            yield from _channel_fields(facet, (*path, "facet"))
        else:
            for channel in ("row", "column"):
                if channel in facet:
                    yield from _channel_fields(facet[channel], (*path, "facet", channel))


def _channel_fields(definition: object, path: KeyPath) -> Iterator[tuple[KeyPath, str]]:
    # tooltip: and detail: may hold a list of definitions; a condition may name its own field.
    if isinstance(definition, list):
        for index, item in enumerate(definition):
            yield from _channel_fields(item, (*path, index))
        return
    if not isinstance(definition, Mapping):
        return
    field = definition.get("field")
    if isinstance(field, str):  # a mapping is {repeat: row}, filled in by the repeat
        yield (*path, "field"), field
    sort = definition.get("sort")
    if isinstance(sort, Mapping) and isinstance(sort.get("field"), str):
        yield (*path, "sort", "field"), sort["field"]
    if "condition" in definition:
        yield from _channel_fields(definition["condition"], (*path, "condition"))


# Messages.


def _show(value: object) -> str:
    """A value as a message quotes it: short, and never a Python dump of a whole mapping."""
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    # Quoted as the author would write it: repr() would double every backslash.
    text = f"'{value}'" if isinstance(value, str) and "'" not in value else repr(value)
    if not isinstance(value, str):
        text = str(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 3] + "..."


def _plain(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value)
