"""An edition's `style:` settings as CSS: custom properties both outputs use, and the page size."""

from __future__ import annotations

import re
from collections.abc import Sequence

from report.content.model import COLOR_PATTERN, Style
from report.errors import ContentError
from report.render.templates import Medium, css_string

FONT_STACKS = {"serif": '"Brief Serif", serif', "sans": '"Brief Sans", sans-serif'}
PAPER = {"A4": "A4", "Letter": "letter"}


def style_css(style: Style, medium: Medium, fallbacks: Sequence[str] = ()) -> str:
    """Return the stylesheet layer for an edition's style settings.

    `fallbacks` are the edition's own font families (report.render.edition_fonts): every
    stack tries them after the shipped font, before the generic family, so a script the
    shipped fonts lack is drawn by the edition's font, not the machine's.

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
        f"  --body-font: {_stack(style.body_font, 'body_font', fallbacks)};",
        f"  --heading-font: {_stack(style.heading_font, 'heading_font', fallbacks)};",
        "}",
    ]
    if medium == "print":
        lines.append(f"@page {{ size: {_choice(PAPER, style.paper, 'paper')}; }}")
    return "\n".join(lines) + "\n"


def _stack(choice: str, key: str, fallbacks: Sequence[str]) -> str:
    """A font stack: the shipped font, the edition's families, the generic family."""
    shipped, generic = _choice(FONT_STACKS, choice, key).split(", ")
    return ", ".join([shipped, *(css_string(family) for family in fallbacks), generic])


def _choice(table: dict[str, str], value: str, key: str) -> str:
    if value not in table:
        raise ContentError([f"style: {key} {value!r}: choose from {', '.join(table)}"])
    return table[value]
