"""The fixed words of the templates in each language (strings/<language>.yaml), checked."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from report.content.yaml_reader import read_document
from report.errors import TemplateError

MONTH_LISTS = ("months", "months_genitive")


def read_strings(path: Path, reference_path: Path) -> dict[str, Any]:
    """Read a strings file (as content files are read: UTF-8, no aliases, located errors) and
    refuse it if it lacks a word of the reference file (the shipped English one), holds
    something other than text, or asks its {placeholders} for more than a plain name."""
    labels, _ = read_document(path)
    if not isinstance(labels, dict):
        raise TemplateError(f"{path}: a strings file is a mapping of names to words")
    reference, _ = read_document(reference_path)
    problems = [f"missing {key!r}" for key in reference if key not in labels]
    problems += [
        problem
        for key, value in labels.items()
        if (problem := _string_problem(str(key), value)) is not None
    ]
    if problems:
        raise TemplateError(f"{path}: " + "; ".join(problems))
    return labels


def _string_problem(key: str, value: Any) -> str | None:
    if key in MONTH_LISTS:
        months = isinstance(value, list) and len(value) == 12
        if not (months and all(isinstance(month, str) for month in value)):
            return f"{key!r} must be a list of the 12 month names"
        return None
    if not isinstance(value, str):
        return f"{key!r} must be text, found {type(value).__name__}"
    if key == "quotes" and len(value) != 4:
        return "'quotes' must be four marks: the outer pair, then the inner pair (“”‘’)"
    try:
        fields = [
            (field, spec, conversion)
            for _, field, spec, conversion in string.Formatter().parse(value)
            if field is not None
        ]
    except ValueError as err:
        return f"{key!r}: {err}"
    wrong = [
        field
        for field, spec, conversion in fields
        if spec or conversion or not field.isidentifier()
    ]
    if wrong:
        return f"{key!r}: placeholders are plain names like {{date}}, not {wrong[0]!r}"
    return None
