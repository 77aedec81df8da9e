"""Scaffold a new edition from an existing one: content file and an override folder."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from pathlib import Path

from report.content.loader import load_brief
from report.content.yaml_reader import node_at, read_document
from report.errors import UsageError
from report.files import write_all

OVERRIDE_TEMPLATE = """\
{#- Template overrides for this edition only. A file here with the name of a base template
    (templates/print.html, templates/partials/*.html, templates/epub/*.xhtml) replaces it.
    This one extends the base and overrides one block; the blocks you can override are listed
    at the top of templates/print.html. Delete this file to use the base unchanged. -#}
{% extends "base/print.html" %}
{% block cover_foot %}
{{ super() }}
{#- For example, add a line under the edition and the author:
<p class="cover-author">Updated for the {{ brief.edition.date.year }} review</p>
-#}
{% endblock %}
"""

EDITION_CSS = """\
/* This edition's own stylesheet, layered after the base in both the PDF and the EPUB.
   For example, a different accent color for this edition:

:root { --accent: #7a1f3d; }

   The style: settings of the content file do the same (style: {accent: "#7a1f3d"}) and also
   check that the color is readable on white. */
"""


def new_edition(source: Path, name: str, date: dt.date) -> list[Path]:
    """Write content/NAME.yaml from SOURCE (next number, new identifier) and content/NAME/."""
    brief = load_brief(source)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise UsageError(f"{name!r}: an edition name is lowercase letters, digits and '-'")
    target, folder = source.parent / f"{name}.yaml", source.parent / name
    for path in (target, folder):
        if path.exists():
            raise UsageError(f"{path} already exists; choose another name")
    text = _next_edition_text(source, brief.edition.number + 1, date)
    files = [(target, text.encode("utf-8")), *_override_files(source, folder)]
    write_all(files)
    load_brief(target)  # the scaffold must be valid as written
    return [path for path, _ in files]


def _next_edition_text(source: Path, number: int, date: dt.date) -> str:
    """Edit the source text in place (comments and layout kept): identifier, number, date."""
    text = source.read_text(encoding="utf-8")
    _, root = read_document(source)
    values = {
        ("edition", "identifier"): f"urn:uuid:{uuid.uuid4()}",
        ("edition", "number"): str(number),
        ("edition", "date"): date.isoformat(),
        ("previous",): source.name,
        ("show_changes",): "true",
    }
    replacements, missing = [], []
    for keys, value in values.items():
        node = node_at(root, *keys)
        if node is None:
            missing.append(f"{keys[0]}: {value}\n")
        else:
            replacements.append((node.start_mark.index, node.end_mark.index, value))
    # Keys the source lacks go just before `edition:`, at the top level.
    edition_key = next(key for key, _ in root.value if key.value == "edition")
    at = edition_key.start_mark.index
    replacements.append((at, at, "".join(missing)))
    for start, end, value in sorted(replacements, reverse=True):
        text = text[:start] + value + text[end:]
    return text


def _override_files(source: Path, folder: Path) -> list[tuple[Path, bytes]]:
    """Carry over the source edition's overrides, or give commented examples."""
    previous = source.parent / source.stem
    if previous.is_dir():
        return [
            (folder / path.relative_to(previous), path.read_bytes())
            for path in sorted(previous.rglob("*"))
            if path.is_file() and not path.is_symlink()
        ]
    return [
        (folder / "print.html", OVERRIDE_TEMPLATE.encode("utf-8")),
        (folder / "css" / "edition.css", EDITION_CSS.encode("utf-8")),
    ]
