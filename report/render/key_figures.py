"""Key-figure values sized to their cards: measured in the heading font, never broken in a word.

The PDF's cards are a third of the text column (halves when the count makes rows of two,
print.css), about 38 mm on A4. A value is set at the largest of three sizes at which every
value of its grid fits its card on one line, the same size for the whole grid so the values
of a row share a baseline; at the smallest size a value may wrap between its words, and a word
wider than a card there is refused at its line before anything is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import yaml

from report.content.model import Brief, KeyFigure, KeyFigures, placed_blocks
from report.content.yaml_reader import location, node_at

VALUE_SIZES = (21.0, 15.0, 11.0)  # pt, largest first: print.css .key-figures-size-N
MM_PER_PT = 25.4 / 72
TEXT_COLUMN_MM = {"A4": 128.0, "Letter": 133.9}  # print.css: the page less margins and 40 mm
BOX_INSET_MM = 8.0  # a box's padding and rule: the column inside a box is this much narrower
GAP_MM = 6.0  # print.css .key-figures column-gap

Width = Callable[[str], float]  # a text's width in em of the value's font


def card_width_mm(paper: str, count: int, in_box: bool = False) -> float:
    """The narrowest card of a grid of `count`: a third of the text column, or a half when the
    count makes rows of two only (2, 4: print.css), less the gaps and a box's inset."""
    column = TEXT_COLUMN_MM.get(paper, TEXT_COLUMN_MM["A4"]) - (BOX_INSET_MM if in_box else 0)
    across = 2 if count in (2, 4) else 3
    return (column - (across - 1) * GAP_MM) / across


def value_size(values: Sequence[str], width: Width, card_mm: float) -> int:
    """The index in VALUE_SIZES of the largest size at which every value fits a card on one
    line; the last (where values wrap between words) when none does."""
    widest = max((width(value) for value in values), default=0.0)
    for index, size in enumerate(VALUE_SIZES):
        if widest * size * MM_PER_PT <= card_mm:
            return index
    return len(VALUE_SIZES) - 1


def too_wide(value: str, width: Width, card_mm: float) -> str | None:
    """The first word of `value` wider than a card at the smallest size, if any."""
    smallest = VALUE_SIZES[-1] * MM_PER_PT
    return next((word for word in value.split() if width(word) * smallest > card_mm), None)


def all_key_figures(
    brief: Brief,
) -> Iterator[tuple[tuple[str | int, ...], list[KeyFigure], bool]]:
    """Every grid of key figures: the keys of its list in the content file, its figures, and
    whether it is inside a box."""
    if brief.key_figures:
        yield ("key_figures",), list(brief.key_figures), False
    for placed in placed_blocks(brief):
        if isinstance(placed.block, KeyFigures):
            in_box = "-" in placed.place  # "3-1": the first block in the box at 3
            yield (*placed.keys, "key_figures"), list(placed.block.key_figures), in_box


def value_problems(source: Path, brief: Brief, document: yaml.Node, width: Width) -> list[str]:
    """A located problem for each value with a word no card holds at the smallest size."""
    problems = []
    for keys, figures, in_box in all_key_figures(brief):
        card_mm = card_width_mm(brief.style.paper, len(figures), in_box)
        for number, figure in enumerate(figures):
            word = too_wide(figure.value, width, card_mm)
            if word is None:
                continue
            node = node_at(document, *keys, number, "value")
            wide = width(word) * VALUE_SIZES[-1] * MM_PER_PT
            problems.append(
                f"{location(source, node.start_mark if node is not None else None)}: "
                f"{word!r} is {wide:.0f} mm wide at the smallest size of a key figure's value "
                f"({VALUE_SIZES[-1]:g} pt), wider than a card ({card_mm:.0f} mm); shorten it "
                "(e.g. 300 bn for 300,000,000,000) or put words in label:"
            )
    return problems
