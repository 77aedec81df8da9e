"""The content validator: pydantic builds it from model.py once, the user cache keeps it.

Building it means importing pydantic and generating the schema, about 0.1 s, which would be a
third of an EPUB-only build. The cache keeps pydantic-core's schema instead, keyed by the model's
source and the versions that read it; loading it back takes pydantic-core and under a millisecond.
Like Python's own bytecode cache it is derived from code, never from content, and deleting it only
costs the next build that 0.1 s. It is a pickle, read back by an unpickler that accepts nothing but
the model's classes and functions and plain containers: a planted file can only fail to load, and
then the validator is built afresh.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import pickle
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pydantic_core

import report.content.fields as fields
import report.content.figures as figures
import report.content.model as model
from report.cache import keep, package_stamp, recall, user_cache
from report.content.model import Brief

if TYPE_CHECKING:
    from pydantic_core import CoreSchema

# The modules the model is written in: a cached schema refers to their classes and functions.
_MODEL_MODULES = {module.__name__: module for module in (model, figures, fields)}
# What a cached schema may refer to besides those: the containers of default values.
_SAFE_BUILTINS = frozenset({"list", "dict", "set", "frozenset", "tuple"})


def validate_brief(data: Any) -> Brief:
    """Validate plain YAML data into a Brief; raise pydantic_core.ValidationError listing every
    problem."""
    return validator().validate_python(data)


@functools.cache
def validator() -> pydantic_core.SchemaValidator:
    """The validator of content files: from the user cache, else built by pydantic and kept."""
    folder = user_cache() / "validator"
    key = _cache_key()
    stored = recall(folder, key)
    if stored is not None:
        try:
            return pydantic_core.SchemaValidator(_ModelUnpickler(io.BytesIO(stored)).load())
        except Exception:  # any unreadable or foreign entry is rebuilt, never trusted
            pass
    schema = core_schema()
    # A lambda or closure in a rule (pydantic before 2.10 makes some) cannot be kept.
    with contextlib.suppress(pickle.PicklingError, AttributeError, TypeError):
        keep(folder, key, pickle.dumps(schema, protocol=pickle.HIGHEST_PROTOCOL))
    return pydantic_core.SchemaValidator(schema)


def _cache_key() -> list[str | bytes]:
    return [
        *(Path(module.__file__ or "").read_bytes() for module in _MODEL_MODULES.values()),
        Path(__file__).read_bytes(),
        package_stamp("pydantic"),
        pydantic_core.__version__,
        sys.version,
    ]


class _ModelUnpickler(pickle.Unpickler):
    """Resolves only the classes and functions defined in the model's modules, and plain
    containers.

    A dotted name is refused outright: the unpickler would follow it through the modules
    the model imports (`re.enum...`) to anything at all.
    """

    def find_class(self, module: str, name: str) -> Any:
        if "." not in name:
            if module == "builtins" and name in _SAFE_BUILTINS:
                return super().find_class(module, name)
            source = _MODEL_MODULES.get(module)
            found = vars(source).get(name) if source else None
            if callable(found) and getattr(found, "__module__", None) == module:
                return found
        raise pickle.UnpicklingError(f"a cached validator may not refer to {module}.{name}")


def core_schema() -> CoreSchema:
    """Generate pydantic-core's schema of a content file from the model (imports pydantic)."""
    from pydantic import TypeAdapter

    schema = TypeAdapter(Brief).core_schema
    _accept_mappings(schema)
    return schema


def _accept_mappings(node: Any) -> None:
    """Let every model be read from a mapping. The strict mode that keeps `NO` from passing
    for text would otherwise ask for dataclass instances, where a content file has mappings."""
    if isinstance(node, dict):
        if node.get("type") == "dataclass":
            node["strict"] = False
        for value in node.values():
            _accept_mappings(value)
    elif isinstance(node, list):
        for value in node:
            _accept_mappings(value)


def schema_json(components: dict[str, dict[str, Any]] | None = None) -> str:
    """Return the JSON Schema of a content file, as text (imports pydantic); `components` are
    the `$defs` of a brief's own components (components.block_schemas), added as blocks."""
    from pydantic import TypeAdapter

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **TypeAdapter(Brief).json_schema(),
    }
    # The model's catch-all for components stands for "any other key": the schema offers the
    # built-in blocks and, given them, the brief's own components instead.
    schema["$defs"].pop("Component", None)
    _drop_choice(schema, {"$ref": "#/$defs/Component"})
    if components:
        blocks = [{"$ref": f"#/$defs/{name}"} for name in components if name.startswith("block-")]
        _add_blocks(schema, blocks)
        schema["$defs"].update(components)
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def _drop_choice(node: Any, choice: dict[str, str]) -> None:
    """Remove `choice` from every oneOf of the schema."""
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list) and choice in node["oneOf"]:
            node["oneOf"].remove(choice)
        for value in node.values():
            _drop_choice(value, choice)
    elif isinstance(node, list):
        for value in node:
            _drop_choice(value, choice)


def _add_blocks(node: Any, blocks: list[dict[str, str]]) -> None:
    """Add `blocks` to every choice of blocks in the schema (the lists that offer Paragraph)."""
    if isinstance(node, dict):
        choices = node.get("oneOf")
        if isinstance(choices, list) and {"$ref": "#/$defs/Paragraph"} in choices:
            choices.extend(blocks)
        for value in node.values():
            _add_blocks(value, blocks)
    elif isinstance(node, list):
        for value in node:
            _add_blocks(value, blocks)
