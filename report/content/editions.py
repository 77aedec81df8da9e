"""Scaffold a new edition from an existing one: content file and an override folder."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path

from report.content.figures import numbered_content
from report.content.loader import load_brief
from report.content.model import Brief, placed_blocks
from report.content.paths import in_content_folder
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
    carried = _carried_files(source, brief, name)
    text = _next_edition_text(source, brief.edition.number + 1, date, carried)
    files = [(target, text.encode("utf-8")), *_override_files(source, folder)]
    files += [(folder / written, path.read_bytes()) for _, written, path in carried.values()]
    write_all(files)
    load_brief(target)  # the scaffold must be valid as written
    return [path for path, _ in files]


Carried = dict[tuple[str | int, ...], tuple[str, str, Path]]  # key path -> (new value, copy, file)


def _carried_files(source: Path, brief: Brief, name: str) -> Carried:
    """The data files and figure images of the source edition, each copied into the new
    edition's folder, so editing them for the new edition leaves the previous one as it was."""
    carried: Carried = {}
    for placed in placed_blocks(brief):
        content = numbered_content(placed.block)
        for key in ("csv", "data", "image"):
            written = getattr(content, key, None)
            if content is None or not written:
                continue
            path = in_content_folder(source, written, "file")
            relative = path.relative_to(source.parent.resolve()).as_posix()
            # A file the source edition carried into its own folder moves on from there.
            relative = relative.removeprefix(f"{source.stem}/")
            keys = (*placed.keys, placed.block.kind, key)
            carried[keys] = (json.dumps(f"{name}/{relative}"), relative, path)
    return carried


def _next_edition_text(source: Path, number: int, date: dt.date, carried: Carried) -> str:
    """Edit the source text in place (comments and layout kept): identifier, number, date, and
    the paths of the files carried into the new edition's folder."""
    text = source.read_text(encoding="utf-8")
    _, root = read_document(source)
    values: dict[tuple[str | int, ...], str] = {
        ("edition", "identifier"): f"urn:uuid:{uuid.uuid4()}",
        ("edition", "number"): str(number),
        ("edition", "date"): date.isoformat(),
        ("previous",): source.name,
        ("show_changes",): "true",
    }
    values |= {keys: value for keys, (value, _, _) in carried.items()}
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
