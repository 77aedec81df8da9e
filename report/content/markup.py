"""Inline Markdown in content text: rendered with raw HTML off, and scanned for links and images."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape as html_escape
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup

from report.content.citations import Cite, parse_cluster

NOTE_NAME = re.compile(r"[a-z0-9][a-z0-9-]*")


def _note_reference(state: StateInline, silent: bool) -> bool:
    """Parse `[^name]`: a reference to a note defined under the content file's `notes:`."""
    if not state.src.startswith("[^", state.pos):
        return False
    end = state.src.find("]", state.pos + 2)
    name = state.src[state.pos + 2 : end] if end > 0 else ""
    if not NOTE_NAME.fullmatch(name):
        return False
    if not silent:
        token = state.push("note_ref", "", 0)
        token.meta = {"name": name}
    state.pos = end + 1
    return True


def _citation(state: StateInline, silent: bool) -> bool:
    """Parse `[@key]`, `[@key, p. 12]`, `[see @a; @b]`: a citation of the brief's references
    (Pandoc's syntax). A bracket that cites nothing is left to the link rule."""
    if not state.src.startswith("[", state.pos):
        return False
    end = state.src.find("]", state.pos + 1)
    if end < 0 or state.src.startswith("(", end + 1):  # [text](address) stays a link
        return False
    cites = parse_cluster(state.src[state.pos + 1 : end])
    if cites is None:
        return False
    if not silent:
        token = state.push("cite", "", 0)
        token.meta = {"cites": cites}
        token.content = state.src[state.pos : end + 1]
    state.pos = end + 1
    return True


def _render_cite(renderer: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    html = str(env["cite"](tokens[index].meta["cites"], tokens[index].content))
    return f"{CITE_START}{html}{CITE_END}"  # see _placed_citations


# Marks around a rendered citation, and before one that became a footnote call (NOTE_CITE), so
# the text around it can be set as style guides want; removed before the HTML leaves here.
CITE_START, CITE_END, NOTE_CITE = "\ue0fc", "\ue0fd", "\ue0ff"
_CITE_MARKS = str.maketrans("", "", "\ue0fc\ue0fd\ue0fe\ue0ff")
# A note call goes after the punctuation that follows it, with no space before: "defence.¹"
_NOTE_CALL = re.compile(f"\\s*{CITE_START}{NOTE_CITE}(.*?){CITE_END}([.,;:!?]?)")
# "(ed. 2024)." and a note-form citation ending a sentence: one full stop, not two.
_DOUBLE_STOP = re.compile(f"([.!?]){CITE_END}\\.")


def _placed_citations(html: str) -> str:
    html = _DOUBLE_STOP.sub(f"\\1{CITE_END}", _NOTE_CALL.sub(r"\2\1", html))
    return html.translate(_CITE_MARKS)


def _render_note(renderer: Any, tokens: list[Token], index: int, options: Any, env: Any) -> str:
    return str(env["note"](tokens[index].meta["name"]))


# CommonMark with raw HTML disabled: `<script>` in content stays text. No linkify or typographer:
# the text is printed as written. `[^name]` refers to a note.
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "xhtmlOut": True})
_MARKDOWN.inline.ruler.before("link", "note_ref", _note_reference)
_MARKDOWN.inline.ruler.before("link", "cite", _citation)
_MARKDOWN.add_render_rule("note_ref", _render_note)
_MARKDOWN.add_render_rule("cite", _render_cite)
_ALLOWED_SCHEMES = ("https://", "http://", "mailto:")


@dataclass(frozen=True)
class Reference:
    """A link or image found in a piece of text."""

    kind: str  # "link", "image", "note" or "cite" (target: the key)
    target: str
    alt: str = ""  # an image's alt text; a link's own text


@dataclass(frozen=True)
class Resolvers:
    """How one output turns a link target and an image source into URLs."""

    link: Callable[[str], str]
    image: Callable[[str], str]
    note: Callable[[str], str] = lambda name: ""  # HTML for a note reference, by note name
    label: Callable[[str], str] = lambda anchor: ""  # what an empty link to #anchor says
    # HTML for a citation, from its cites and the text as written (shown as written by default)
    cite: Callable[[tuple[Cite, ...], str], str] = lambda cites, text: html_escape(text)


def references(text: str) -> Iterator[Reference]:
    """Yield every link and image of a text, in order."""
    children = _children(text)
    for index, token in enumerate(children):
        if token.type == "link_open":
            yield Reference("link", str(token.attrGet("href") or ""), _link_text(children, index))
        elif token.type == "image":
            alt = "".join(child.content for child in token.children or [])
            yield Reference("image", str(token.attrGet("src") or ""), alt.strip())
        elif token.type == "note_ref":
            yield Reference("note", token.meta["name"])
        elif token.type == "cite":
            yield from (Reference("cite", cite.key) for cite in token.meta["cites"])


def cited_in(text: str) -> list[tuple[Cite, ...]]:
    """The citations of a text, in order, each the works it cites."""
    return [token.meta["cites"] for token in _children(text) if token.type == "cite"]


def _link_text(children: list[Token], start: int) -> str:
    """The text of the link opening at `start`: what is between it and its closing token."""
    text = []
    for token in children[start + 1 :]:
        if token.type == "link_close":
            break
        text.append(token.content)
    return "".join(text).strip()


def link_problem(link: Reference, ids: set[str]) -> str | None:
    """Say what is wrong with a link, or return None if it is fine. An internal link
    (`#id`) must name a section, table, figure or chart; an empty one becomes its label."""
    target = link.target
    if target.startswith("#"):
        if target[1:] not in ids:
            near = difflib.get_close_matches(target[1:], sorted(ids), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join('#' + i for i in near)}?" if near else ""
            known = ", ".join(sorted(ids)) if len(ids) <= 12 else f"{len(ids)} ids"
            return f"link to {target!r}, but nothing has that id{hint} (ids: {known})"
        return None
    if not target.startswith(_ALLOWED_SCHEMES):
        return f"link {target!r}: use #id for a section, table or figure, or an https:// address"
    if not link.alt:
        return f"link to {target!r} has no text; write [the text](address)"
    return None


# Block Markdown typed into a text that is one paragraph: markdown-it, reading inline only,
# would print it as written (`### Heading`, `> words`, `| a | b |`), merged into one paragraph.
_BLOCK_SYNTAX = (
    (re.compile(r"\s{0,3}#{1,6}\s"), "a Markdown heading ('#'): use a section for it"),
    (re.compile(r"\s{0,3}>"), "a Markdown quotation ('>'): use a quote: block"),
    (
        re.compile(r"\s{0,3}\|?[^|\n]*\|[^\n]*\n\s{0,3}\|?\s*:?-{3,}"),
        "a Markdown table: use a table: block",
    ),
    (re.compile(r"\s{0,3}```"), "a fenced code block: not supported in a brief"),
)
_LIST_LINE = re.compile(r"\s{0,3}([-*+]|\d{1,9}[.)])\s+\S")


def block_markdown(text: str, literal: bool) -> str | None:
    """Say what block Markdown a text holds, which inline text cannot show, or return None.

    `literal` is whether the YAML kept the text's line breaks (`|`); in other styles a single
    line break in the value is what a blank line in the file became.
    """
    lines = text.split("\n")
    for index, line in enumerate(lines):
        rest = "\n".join(lines[index:])
        for pattern, message in _BLOCK_SYNTAX:
            if pattern.match(rest):
                return message
        if index > 0 and _LIST_LINE.match(line):
            return "a Markdown list: use a list: block (items may be nested)"
    paragraphs = "\n\n" in text.strip() if literal else "\n" in text.strip()
    if paragraphs:
        return (
            "a blank line, which would start a new paragraph: write each paragraph as a "
            "paragraph: block of its own"
        )
    return None


def render_inline(text: str, resolvers: Resolvers) -> Markup:
    """Render inline Markdown as HTML, links and images pointed where the output needs them.

    An empty link to an id, `[](#table-id)`, says what it points at ("Table 1") and carries the
    class `xref`, which the PDF's stylesheet follows with the target's page.
    """
    tokens = _MARKDOWN.parseInline(text.translate(_CITE_MARKS))
    children: list[Token] = []
    for token in tokens[0].children or []:
        if children and children[-1].type == "link_open" and token.type == "link_close":
            _fill_empty_link(children[-1], children, resolvers)
        children.append(token)
    for token in children:
        if token.type == "link_open":
            token.attrSet("href", resolvers.link(str(token.attrGet("href") or "")))
        elif token.type == "image":
            token.attrSet("src", resolvers.image(str(token.attrGet("src") or "")))
    tokens[0].children = children
    env = {"note": resolvers.note, "cite": resolvers.cite}
    html = _MARKDOWN.renderer.render(tokens, _MARKDOWN.options, env)
    return Markup(_placed_citations(html) if CITE_START in html else html)


def _fill_empty_link(opening: Token, children: list[Token], resolvers: Resolvers) -> None:
    href = str(opening.attrGet("href") or "")
    label = resolvers.label(href[1:]) if href.startswith("#") else ""
    if label:
        text = Token("text", "", 0)
        text.content = label
        children.append(text)
        opening.attrSet("class", "xref")


def _children(text: str) -> list[Token]:
    tokens: list[Any] = _MARKDOWN.parseInline(text)
    return tokens[0].children or [] if tokens else []


# Double quotation marks as typed in any language's style; which of them opens and which closes
# is read from what surrounds it, since “ opens in English and closes a Russian inner quotation.
_QUOTE_MARKS = "“”«»„"
_OPENS_AFTER = " \t\n\u00a0([{\u2014\u2013/-"
_TAG = re.compile(r"(<[^>]*>)")


def nest_quotes(html: str, marks: str) -> str:
    """Set the double quotation marks of a text (HTML: tags are left alone) by the language's
    rules: `marks` holds the outer pair then the inner pair, "“”‘’" for English, "«»„“" for
    Russian. A quotation inside a quotation takes the inner pair: “the ‘Partnership’ programme”.
    Unbalanced marks are left as typed."""
    if len(marks) != 4 or not any(mark in html for mark in _QUOTE_MARKS):
        return html
    depth = 0
    previous = " "
    parts = _TAG.split(html)
    for index, part in enumerate(parts):
        if index % 2:  # a tag
            continue
        characters = list(part)
        for position, char in enumerate(characters):
            if char in _QUOTE_MARKS:
                following = characters[position + 1] if position + 1 < len(characters) else ""
                opening = previous in _OPENS_AFTER and following not in " \t\n"
                if opening:
                    depth += 1
                    characters[position] = marks[0] if depth % 2 else marks[2]
                elif depth:
                    characters[position] = marks[1] if depth % 2 else marks[3]
                    depth -= 1
            previous = characters[position]
        parts[index] = "".join(characters)
    return "".join(parts)


def mark_abbreviations(html: str, expansions: dict[str, str]) -> str:
    """Wrap each whole-word use of a glossary term in `<abbr title="expansion">` (HTML in,
    HTML out; tags, links and abbreviations already marked are left alone)."""
    if not expansions:
        return html
    escaped = {html_escape(term, quote=False): term for term in expansions}
    alternatives = "|".join(re.escape(term) for term in sorted(escaped, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w-])({alternatives})(?![\w-])")

    def wrap(match: re.Match[str]) -> str:
        title = html_escape(expansions[escaped[match.group(1)]])
        return f'<abbr title="{title}">{match.group(1)}</abbr>'

    parts = _TAG.split(html)
    inside = 0  # within <a> or <abbr>
    for index, part in enumerate(parts):
        if index % 2:
            name = part[1:].lstrip("/").split(" ", 1)[0].rstrip(">").lower()
            if name in ("a", "abbr"):
                inside += -1 if part.startswith("</") else 1
        elif not inside:
            parts[index] = pattern.sub(wrap, part)
    return "".join(parts)
