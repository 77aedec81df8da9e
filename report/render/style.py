"""An edition's `style:` settings as CSS: custom properties both outputs use, and the page size."""

from __future__ import annotations

import re

from report.content.model import COLOR_PATTERN, Style
from report.errors import ContentError
from report.render.templates import Medium

FONT_STACKS = {"serif": '"Brief Serif", serif', "sans": '"Brief Sans", sans-serif'}
PAPER = {"A4": "A4", "Letter": "letter"}


def style_css(style: Style, medium: Medium) -> str:
    """Return the stylesheet layer for an edition's style settings.

    Validated content holds a #rrggbb color and names from fixed lists. A Style built by hand
    through the Python API is not validated, so the color is checked again before it is written
    into CSS (a ContentError if it is not one), and the names are looked up.
    """
    if not re.fullmatch(COLOR_PATTERN, style.accent):
        raise ContentError([f"style: accent {style.accent!r} is not a #rrggbb color"])
    lines = [
        "/* Generated from the content file's style: settings. */",
        ":root {",
        f"  --accent: {style.accent};",
        f"  --body-font: {_choice(FONT_STACKS, style.body_font, 'body_font')};",
        f"  --heading-font: {_choice(FONT_STACKS, style.heading_font, 'heading_font')};",
        "}",
    ]
    if medium == "print":
        lines.append(f"@page {{ size: {_choice(PAPER, style.paper, 'paper')}; }}")
    return "\n".join(lines) + "\n"


def _choice(table: dict[str, str], value: str, key: str) -> str:
    if value not in table:
        raise ContentError([f"style: {key} {value!r}: choose from {', '.join(table)}"])
    return table[value]
