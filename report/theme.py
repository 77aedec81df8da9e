"""An edition's `style:` settings as CSS: custom properties both outputs use, and the page size."""

from __future__ import annotations

import re

from report.model import COLOR_PATTERN, Style
from report.templates import Medium

FONT_STACKS = {"serif": '"Brief Serif", serif', "sans": '"Brief Sans", sans-serif'}
PAPER = {"A4": "A4", "Letter": "letter"}


def style_css(style: Style, medium: Medium) -> str:
    """Return the stylesheet layer for an edition's style settings.

    Validated content holds a #rrggbb color and names from fixed lists. A Style built by hand
    through the Python API is not validated, so the color is checked again before it is written
    into CSS, and the names are looked up.
    """
    if not re.fullmatch(COLOR_PATTERN, style.accent):
        raise ValueError(f"style accent {style.accent!r} is not a #rrggbb color")
    lines = [
        "/* Generated from the content file's style: settings. */",
        ":root {",
        f"  --accent: {style.accent};",
        f"  --body-font: {FONT_STACKS[style.body_font]};",
        f"  --heading-font: {FONT_STACKS[style.heading_font]};",
        "}",
    ]
    if medium == "print":
        lines.append(f"@page {{ size: {PAPER[style.paper]}; }}")
    return "\n".join(lines) + "\n"
