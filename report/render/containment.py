"""The EPUB's documents and the web edition hold nothing that runs or loads from elsewhere.

Templates may come from an edition folder or a theme; whatever they write, a reading system or a
browser opening the result must load only the book's own files and run no script. Every
rendered document is checked here, at build time, before anything is written.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from report.errors import TemplateError
from report.render.stylesheets import css_problem

# Elements that run code, embed other documents or redirect.
FORBIDDEN_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "portal",
    "noscript", "form",
    # SVG animation can set a reference (href) to anything after the check
    "set", "animate", "animatemotion", "animatetransform", "animatecolor", "discard",
}  # fmt: skip
# Attributes whose value an engine loads (or follows by itself); <a href> is a link, not a load.
LOADING_ATTRIBUTES = {"src", "srcset", "href", "poster", "data", "background", "action",
                      "formaction", "manifest", "ping", "imagesrcset"}  # fmt: skip
LINK_SCHEMES = ("http", "https", "mailto")
# A path inside the book: no scheme, not absolute, and no backslash or control character (which
# browsers read as "/" or drop, turning "\\host" or "\x01//host" into another host).
RELATIVE = re.compile(r"(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?!//)(?!/)[^\s\\\x00-\x1f\x7f]*")


def check_document(markup: str, name: str, *, xml: bool) -> None:
    """Raise TemplateError naming the template if the document holds a script, an event
    handler, or a reference that would load from outside the book."""
    from lxml import etree, html

    if "<!ENTITY" in markup:  # an entity can stand for a file of this machine's
        raise TemplateError(f"{name}: entity declarations (<!ENTITY>) are not allowed")
    if "<?xml-stylesheet" in markup:  # a reading system may load the stylesheet it names
        raise TemplateError(f"{name}: <?xml-stylesheet?> is not allowed; use css/edition.css")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    data = markup.encode("utf-8")
    try:
        root = etree.fromstring(data, parser) if xml else html.fromstring(data)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as err:
        raise TemplateError(f"{name}: the rendered document is not well-formed: {err}") from err
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        problem = _problem(element)
        if problem:
            raise TemplateError(f"{name}: {problem}; the book may load only its own files")


def _problem(element: object) -> str | None:
    tag = element.tag.rpartition("}")[2].lower()  # type: ignore[attr-defined]
    if tag in FORBIDDEN_ELEMENTS:
        return f"<{tag}> is not allowed"
    equiv = element.get("http-equiv", "").lower() if tag == "meta" else ""  # type: ignore[attr-defined]
    if equiv and equiv != "content-type":  # refresh, Link, Content-Security-Policy, ...
        return f"<meta http-equiv={equiv}> is not allowed"
    if tag == "style":
        text = "".join(element.itertext())  # type: ignore[attr-defined]
        if "<" in text or len(element):  # type: ignore[arg-type]
            return "<style> holding markup (an HTML parser reads it otherwise) is not allowed"
        found = css_problem(text, RELATIVE)
        if found:
            return f"<style>: {found[1]}"
    for attribute, value in element.attrib.items():  # type: ignore[attr-defined]
        # "{ns}href" from an XML parser, "xlink:href" from an HTML one: both are href
        local = attribute.rpartition("}")[2].rpartition(":")[2].lower()
        problem = _attribute_problem(tag, local, value)
        if problem:
            return f"<{tag} {attribute}={value[:80]!r}>: {problem}"
    return None


def _attribute_problem(tag: str, attribute: str, value: str) -> str | None:
    if attribute.startswith("on"):
        return "event handlers are not allowed"
    if attribute == "style":
        found = css_problem(f"x{{{value}}}", RELATIVE)
        return found[1] if found else None
    if attribute not in LOADING_ATTRIBUTES:
        return None
    if tag == "a" and attribute == "href":
        scheme = urlsplit(value.strip()).scheme.lower()
        if scheme and scheme not in LINK_SCHEMES:
            return f"links may use {', '.join(LINK_SCHEMES)} or point inside the book"
        return None
    candidates = value.split(",") if "srcset" in attribute else [value]
    for candidate in candidates:
        address = candidate.split()[0] if candidate.split() else ""
        if not RELATIVE.fullmatch(address):
            return "loads from outside the book"
    return None
