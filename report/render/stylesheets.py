"""The ordered stylesheet layers of each output, and the CSS a reflowable output may carry."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from report.errors import AssetError
from report.render.prepared import PreparedBrief
from report.render.style import style_css
from report.render.templates import Medium


def stylesheet_layers(prepared: PreparedBrief, medium: Medium) -> list[tuple[str, Path | str]]:
    """Name and source (a file, or generated CSS) of each stylesheet layer, in cascade order.

    Every output takes its layers from here: base (and theme), the style: settings, the edition.
    """
    layers: list[tuple[str, Path | str]] = [
        (f"css/{path.name}", path) for path in prepared.templates.stylesheets(medium)
    ]
    layers.append(("css/style.css", style_css(prepared.brief.style, medium)))
    edition = prepared.templates.edition_stylesheet()
    if edition:
        layers.append(("css/edition.css", edition))
    return layers


def stylesheet_files(prepared: PreparedBrief, medium: Medium = "epub") -> dict[str, bytes]:
    """The stylesheet files of a reflowable output (EPUB or web): nothing loads from outside."""
    return {
        name: self_contained_css(layer) if isinstance(layer, Path) else layer.encode("utf-8")
        for name, layer in stylesheet_layers(prepared, medium)
    }


def print_stylesheet_urls(prepared: PreparedBrief) -> list[str]:
    """The print layers as URLs for WeasyPrint: files by path, generated CSS as data: URLs."""
    return [
        layer.as_uri() if isinstance(layer, Path) else _data_url(layer)
        for _, layer in stylesheet_layers(prepared, "print")
    ]


def _data_url(css: str) -> str:
    return "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii")


_CSS_REFERENCE = re.compile(r"@import|url\(\s*['\"]?([^'\")\s]*)", re.IGNORECASE)


def self_contained_css(path: Path) -> bytes:
    """Return a stylesheet for the EPUB or the web edition, refusing anything that would load
    from outside the book.

    WeasyPrint's loads go through AssetRoots; an EPUB reader or a browser loads what the CSS
    names itself, so the CSS copied into the book may only point at the shipped fonts.
    """
    try:
        css = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise AssetError(f"{path}: not UTF-8 text ({err.reason}); save it as UTF-8") from err
    for match in _CSS_REFERENCE.finditer(css):
        line = css.count("\n", 0, match.start()) + 1
        target = match.group(1)
        if target is None:
            raise AssetError(f"{path}:{line}: @import is not allowed; put the rules in this file")
        if not re.fullmatch(r"\.\./fonts/[A-Za-z0-9._-]+", target):
            raise AssetError(
                f"{path}:{line}: url({target}) is not allowed in a stylesheet; "
                "only the shipped fonts (../fonts/...) may be referenced"
            )
    return css.encode("utf-8")
