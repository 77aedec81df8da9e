"""An edition's `style:` settings as CSS: custom properties both outputs use, and the page size."""

from __future__ import annotations

from report.model import Style
from report.templates import Medium

FONT_STACKS = {"serif": '"Brief Serif", serif', "sans": '"Brief Sans", sans-serif'}
PAPER = {"A4": "A4", "Letter": "letter"}


def style_css(style: Style, medium: Medium) -> str:
    """Return the stylesheet layer for an edition's style settings.

    Values are validated by the model (a #rrggbb color, names from fixed lists), so they can be
    written into CSS as they are.
    """
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
