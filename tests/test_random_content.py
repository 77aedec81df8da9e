"""Random content never crashes the tool: it builds, or it fails with a user error."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from report.errors import ReportError
from report.pipeline import build, check
from tests.conftest import FIXTURES, dump_yaml

KEYS = [
    "title",
    "topic",
    "author",
    "edition",
    "lead",
    "sections",
    "id",
    "blocks",
    "paragraph",
    "list",
    "items",
    "intro",
    "callout",
    "timeline",
    "year",
    "month",
    "event",
    "key_figures",
    "value",
    "label",
    "qualifier",
    "identifier",
    "language",
    "number",
    "date",
    "source",
]
TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30
) | st.sampled_from(["<script>x</script>", "[a](#only)", "![x](y.png)", "*em*", "NO", "1:20"])
SCALARS = (
    TEXT
    | st.integers(-5, 3000)
    | st.booleans()
    | st.none()
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | st.floats(allow_nan=False)
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(KEYS) | TEXT, children, max_size=3)
    ),
    max_leaves=12,
)
BASE: dict[str, Any] = yaml.safe_load((FIXTURES / "minimal.yaml").read_text(encoding="utf-8"))
PATHS = [
    ("title",),
    ("edition",),
    ("edition", "date"),
    ("edition", "language"),
    ("lead",),
    ("sections",),
    ("sections", 0),
    ("sections", 0, "blocks"),
    ("sections", 0, "blocks", 0),
    ("sections", 0, "id"),
    ("key_figures",),
    ("extra",),
]


def mutated(path: tuple[Any, ...], value: Any) -> Any:
    document = yaml.safe_load(yaml.safe_dump(BASE, allow_unicode=True))
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return document


def run_tool(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "random.yaml"
        source.write_text(text, encoding="utf-8")
        try:
            check([source])
            build([source], Path(folder) / "out", formats=["epub"])
            event("built")
        except ReportError:
            event("user error")  # reported cleanly: fine


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(PATHS), VALUES)
def test_a_mutated_brief_builds_or_fails_cleanly(path: tuple[Any, ...], value: Any) -> None:
    run_tool(dump_yaml(mutated(path, value)))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_builds_or_fails_cleanly(text: str) -> None:
    run_tool(text)


TEXT_PATHS = [
    ("title",),
    ("topic",),
    ("author",),
    ("lead",),
    ("source",),
    ("sections", 0, "title"),
    ("sections", 0, "blocks", 0, "paragraph"),
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(TEXT_PATHS), TEXT.filter(bool))
def test_any_text_in_a_text_field_builds_or_fails_cleanly(path: tuple[Any, ...], text: str) -> None:
    run_tool(dump_yaml(mutated(path, text)))
