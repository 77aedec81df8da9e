"""The ordered stylesheet layers of each output, and the CSS a reflowable output may carry."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from report.errors import AssetError
from report.render.edition_fonts import family_stack
from report.render.fonts import edition_fonts_css, extra_fonts
from report.render.prepared import PreparedBrief
from report.render.style import style_css
from report.render.templates import BASE_TEMPLATES, Medium


def stylesheet_layers(prepared: PreparedBrief, medium: Medium) -> list[tuple[str, Path | str]]:
    """Name and source (a file, or generated CSS) of each stylesheet layer, in cascade order.

    Every output takes its layers from here: base (and theme), the edition's fonts, the style:
    settings, the edition.
    """
    templates = prepared.templates
    layers: list[tuple[str, Path | str]] = [
        (f"css/{path.name}", path) for path in templates.stylesheets(medium)
    ]
    fonts_css = edition_fonts_css(templates, medium, prepared.cache_dir)
    if fonts_css:
        layers.append(("css/edition-fonts.css", fonts_css))
    fallbacks = family_stack(extra_fonts(templates))
    layers.append(("css/style.css", style_css(prepared.brief.style, medium, fallbacks)))
    edition = templates.edition_stylesheet()
    if edition:
        layers.append(("css/edition.css", edition))
    return layers


def stylesheet_files(prepared: PreparedBrief, medium: Medium = "epub") -> dict[str, bytes]:
    """The stylesheet files of a reflowable output (EPUB or web): nothing loads from outside."""
    return {
        name: self_contained_css(layer) if isinstance(layer, Path) else layer.encode("utf-8")
        for name, layer in stylesheet_layers(prepared, medium)
    }


# The print edition loads files through the allow-list as WeasyPrint lays it out; a theme or an
# edition may not even name an address elsewhere.
PRINT_ADDRESS = re.compile(r"(?!(?!file:|data:)[a-zA-Z][a-zA-Z0-9+.-]*:)(?!//).*", re.DOTALL)


def print_stylesheet_urls(prepared: PreparedBrief) -> list[str]:
    """The print layers as URLs for WeasyPrint: files by path, generated CSS as data: URLs.
    A theme's or an edition's layer may not @import or use local() fonts."""
    urls = []
    for _, layer in stylesheet_layers(prepared, "print"):
        if isinstance(layer, Path):
            if not layer.is_relative_to(BASE_TEMPLATES):
                checked_css(layer, PRINT_ADDRESS)
            urls.append(layer.as_uri())
        else:
            urls.append(_data_url(layer))
    return urls


def _data_url(css: str) -> str:
    return "data:text/css;base64," + base64.b64encode(css.encode("utf-8")).decode("ascii")


FONT_URL = re.compile(r"\.\./fonts/[A-Za-z0-9._-]+")
# Functions whose arguments are addresses a browser or reading system would load.
LOADING_FUNCTIONS = {"url", "src", "image-set", "-webkit-image-set", "image", "cross-fade"}


def self_contained_css(path: Path) -> bytes:
    """Return a stylesheet for the EPUB or the web edition, refusing anything that would load
    from outside the book.

    WeasyPrint's loads go through AssetRoots; an EPUB reader or a browser loads what the CSS
    names itself, so the CSS copied into the book may only point at the shipped fonts. The CSS
    is read by a real tokenizer, so escapes (`@\\69mport`, `\\75rl(`) are seen through.
    """
    return checked_css(path, FONT_URL).encode("utf-8")


def checked_css(path: Path, allowed: re.Pattern[str]) -> str:
    """Read a stylesheet; refuse it (AssetError at its line) if it is not UTF-8, or if it would
    load anything from an address `allowed` does not match."""
    try:
        css = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise AssetError(f"{path}: not UTF-8 text ({err.reason}); save it as UTF-8") from err
    problem = css_problem(css, allowed)
    if problem:
        raise AssetError(f"{path}:{problem[0]}: {problem[1]}")
    return css


def css_problem(css: str, allowed: re.Pattern[str]) -> tuple[int, str] | None:
    """The first thing in a stylesheet that would load from outside (an @import, or an address
    `allowed` does not match), as (line, message); None when there is none."""
    import tinycss2

    rules = tinycss2.parse_stylesheet(css, skip_comments=True)
    return _first_problem(rules, allowed)


def _first_problem(tokens: list, allowed: re.Pattern[str]) -> tuple[int, str] | None:
    for token in tokens:
        problem = _token_problem(token, allowed)
        if problem:
            return problem
        for children in _children(token):
            problem = _first_problem(children, allowed)
            if problem:
                return problem
    return None


def _token_problem(token: object, allowed: re.Pattern[str]) -> tuple[int, str] | None:
    line = getattr(token, "source_line", 0)
    kind = getattr(token, "type", "")
    if kind == "error":
        return line, f"CSS that cannot be read ({token.message}); fix or remove it"  # type: ignore[attr-defined]
    if kind == "at-rule" and token.lower_at_keyword == "import":  # type: ignore[attr-defined]
        return line, "@import is not allowed; put the rules in this file"
    if kind == "function" and token.lower_name == "local":  # type: ignore[attr-defined]
        return (
            line,
            "local() fonts are the building machine's, not the book's; use url(../fonts/...)",
        )
    addresses = []
    if kind == "url":
        addresses = [token.value]  # type: ignore[attr-defined]
    elif kind == "function" and token.lower_name in LOADING_FUNCTIONS:  # type: ignore[attr-defined]
        if _computed(token.arguments):  # type: ignore[attr-defined]
            return line, (
                f"{token.lower_name}() with var(), attr() or env() is not allowed: "  # type: ignore[attr-defined]
                "its address could not be checked"
            )
        addresses = [arg.value for arg in token.arguments if arg.type in ("string", "url")]  # type: ignore[attr-defined]
    for address in addresses:
        if not allowed.fullmatch(address):
            return line, (
                f"url({address}) is not allowed in a stylesheet: it loads from outside the book"
            )
    return None


def _computed(tokens: list) -> bool:
    """Whether tokens hold a value computed later (var(), attr(), env()), at any depth."""
    return any(
        getattr(token, "type", "") == "function"
        and (token.lower_name in ("var", "attr", "env") or _computed(token.arguments))
        for token in tokens
    )


def _children(token: object) -> list[list]:
    """The token lists inside a rule, a block or a function."""
    found = []
    for name in ("prelude", "content", "arguments"):
        value = getattr(token, name, None)
        if isinstance(value, list):
            found.append(value)
    return found
