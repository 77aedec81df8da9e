"""Inline Markdown in content text: rendered with raw HTML off, and scanned for links and images."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

# CommonMark with raw HTML disabled: `<script>` in content stays text. No linkify or typographer:
# the text is printed as written.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True})
_ALLOWED_SCHEMES = ("https://", "http://", "mailto:")


@dataclass(frozen=True)
class Reference:
    """A link or image found in a piece of text."""

    kind: str  # "link" or "image"
    target: str
    alt: str = ""


@dataclass(frozen=True)
class Resolvers:
    """How one output turns a link target and an image source into URLs."""

    link: Callable[[str], str]
    image: Callable[[str], str]


def references(text: str) -> Iterator[Reference]:
    """Yield every link and image of a text, in order."""
    for token in _children(text):
        if token.type == "link_open":
            yield Reference("link", str(token.attrGet("href") or ""))
        elif token.type == "image":
            alt = "".join(child.content for child in token.children or [])
            yield Reference("image", str(token.attrGet("src") or ""), alt.strip())


def link_problem(target: str, section_ids: set[str]) -> str | None:
    """Say what is wrong with a link target, or return None if it is fine."""
    if target.startswith("#"):
        if target[1:] not in section_ids:
            known = ", ".join(sorted(section_ids))
            return f"link to section {target!r}, but no section has that id (ids: {known})"
        return None
    if not target.startswith(_ALLOWED_SCHEMES):
        return f"link {target!r}: use #section-id for a section, or an https:// address"
    return None


def render_inline(text: str, resolvers: Resolvers) -> Markup:
    """Render inline Markdown as HTML, links and images pointed where the output needs them."""
    tokens = _MARKDOWN.parseInline(text)
    for token in tokens[0].children or []:
        if token.type == "link_open":
            token.attrSet("href", resolvers.link(str(token.attrGet("href") or "")))
        elif token.type == "image":
            token.attrSet("src", resolvers.image(str(token.attrGet("src") or "")))
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, {})
    return Markup(html)


def _children(text: str) -> list[Token]:
    tokens: list[Any] = _MARKDOWN.parseInline(text)
    return tokens[0].children or [] if tokens else []
