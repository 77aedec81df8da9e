"""The default design on content unlike the first brief (issue 16): the key figures' grid, checked
on the laid-out pages (WeasyPrint's boxes), and the limits that keep a card readable."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import FIXTURES, dump_yaml, problems_of
from tests.test_hyphenation import laid_out

MINIMAL = FIXTURES / "minimal.yaml"


def brief_with_figures(folder: Path, figures: list[dict]) -> Path:
    brief = yaml.safe_load(MINIMAL.read_text(encoding="utf-8"))
    brief["key_figures"] = figures
    path = folder / "x.yaml"
    path.write_text(dump_yaml(brief), encoding="utf-8")
    return path


def boxes_of(document: Any, css_class: str) -> list[Any]:
    """The boxes of the elements with a class, in document order (block boxes, not their
    line boxes)."""
    found = []
    for page in document.pages:
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            classes = (element.get("class") or "").split() if element is not None else []
            own = css_class in classes and not type(box).__name__.startswith(("Line", "Text"))
            if own and (not found or found[-1].element is not element):
                found.append(box)
    return found


def rows(boxes: list[Any]) -> list[list[Any]]:
    by_top: dict[float, list[Any]] = defaultdict(list)
    for box in boxes:
        by_top[round(box.position_y)].append(box)
    return [sorted(row, key=lambda box: box.position_x) for _, row in sorted(by_top.items())]


def figures(count: int) -> list[dict]:
    # Every other card has a qualifier: the values must still line up.
    return [
        {"value": str(10 * n), "label": f"things counted, card {n}"}
        | ({"qualifier": "around"} if n % 2 else {})
        for n in range(1, count + 1)
    ]


@pytest.mark.parametrize(
    ("count", "shape"),
    [(2, [2]), (3, [3]), (4, [2, 2]), (5, [3, 2]), (6, [3, 3]), (7, [3, 2, 2]), (8, [3, 3, 2])],
)
def test_key_figures_fill_every_row_and_share_a_baseline(
    tmp_path: Path, count: int, shape: list[int]
) -> None:
    document = laid_out(brief_with_figures(tmp_path, figures(count)))
    cards = rows(boxes_of(document, "key-figure"))
    assert [len(row) for row in cards] == shape
    grid = boxes_of(document, "key-figures")[0]
    right = grid.content_box_x() + grid.width
    for row in cards:  # no empty cell: the last card of every row reaches the grid's edge
        last = row[-1]
        assert abs(last.position_x + last.margin_width() - right) < 1, [len(r) for r in cards]
    values = rows(boxes_of(document, "figure-value"))
    assert [len(row) for row in values] == shape  # each row's values on one line


def test_a_long_value_is_set_smaller_and_never_broken_inside_a_word(tmp_path: Path) -> None:
    cards = [{"value": "1,250,000", "label": "people"}, {"value": "12", "label": "states"}]
    document = laid_out(brief_with_figures(tmp_path, cards))
    values = boxes_of(document, "figure-value")
    texts = [
        "".join(box.text for box in value.descendants() if hasattr(box, "text")) for value in values
    ]
    assert texts == ["1,250,000", "12"]  # one line each: no break inside
    card = boxes_of(document, "key-figure")[0]
    assert values[0].position_x + values[0].margin_width() <= card.position_x + card.margin_width()


@pytest.mark.parametrize(
    ("figure", "says"),
    [
        (
            {"value": "7", "label": " ".join(["word"] * 40)},
            "a key figure's label holds at most 140 (about 20 words); move the explanation to "
            "note:",
        ),
        (
            {"value": "more than 300,000 tonnes", "label": "x"},
            "a key figure's value holds at most 16",
        ),
    ],
)
def test_a_card_s_text_is_capped_at_its_line(tmp_path: Path, figure: dict, says: str) -> None:
    found = problems_of(brief_with_figures(tmp_path, [figure]))
    assert re.search(
        r"x.yaml:\d+:\d+: key_figures\[0\]\.\w+: is \d+ characters; " + re.escape(says), found
    ), found
