"""Citations and the bibliography formatted by a CSL style, through citeproc-py.

The style is a CSL file: one of those shipped in templates/csl/, or a `.csl` file in the content
folder, which is untrusted: it is parsed here without a DTD, entities or the network, checked
against the CSL schema, and only then handed to citeproc-py. citeproc-py's output is never
trusted as HTML either: its formatter writes private-use marks instead of tags, the whole text is
escaped, and only then are the marks turned into the few tags this module writes itself.
"""

from __future__ import annotations

import functools
import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml
from lxml import etree
from markupsafe import Markup, escape

from report.content.citations import MARKERS, Cite, References, read_references
from report.content.markup import cited_in
from report.content.model import Brief, markdown_texts
from report.content.paths import in_content_folder
from report.content.yaml_reader import location, node_at
from report.errors import AssetError, ContentError
from report.filekinds import untrusted_xml_parser

CSL_FOLDER_NAME = "csl"
MAX_STYLE_BYTES = 1024 * 1024  # the largest shipped style is about 240 kB
_CSL_NS = "http://purl.org/net/xbiblio/csl"

# What citeproc-py's formatter writes instead of tags (see _FORMATTER), and the HTML for each.
_TAGS = {
    "Italic": ("\ue001", "\ue002", "<i>", "</i>"),
    "Oblique": ("\ue001", "\ue002", "<i>", "</i>"),
    "Bold": ("\ue003", "\ue004", "<b>", "</b>"),
    "Light": ("\ue005", "\ue006", '<span class="csl-light">', "</span>"),
    "Underline": ("\ue007", "\ue008", '<span class="csl-underline">', "</span>"),
    "Superscript": ("\ue009", "\ue00a", "<sup>", "</sup>"),
    "Subscript": ("\ue00b", "\ue00c", "<sub>", "</sub>"),
    "SmallCaps": ("\ue00d", "\ue00e", '<span class="csl-small-caps">', "</span>"),
}
_ITEM_OPEN = re.compile("\ue020(\\d+)\ue021")
_ITEM_CLOSE = "\ue022"
# An address in formatted text, without the punctuation that ends its sentence.
_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:)\]]")


def _marking(opening: str, closing: str) -> type[str]:
    class Marked(str):
        def __new__(cls, text: str) -> Marked:
            return super().__new__(cls, f"{opening}{text}{closing}")

    return Marked


# citeproc-py takes a formatter module; this one escapes nothing (done once, at the end).
_FORMATTER = SimpleNamespace(
    preformat=str, **{name: _marking(mark[0], mark[1]) for name, mark in _TAGS.items()}
)


def shipped_styles(templates_folder: Path) -> dict[str, Path]:
    """The CSL styles the tool ships, by name."""
    folder = templates_folder / CSL_FOLDER_NAME
    return {path.stem: path for path in sorted(folder.glob("*.csl"))}


def find_style(source: Path, name: str, shipped: dict[str, Path]) -> tuple[Path | None, str]:
    """The style file a brief's `citation_style:` names, or a problem (without its place)."""
    if name in shipped:
        return shipped[name], ""
    if not name.endswith(".csl"):
        return None, (
            f"no citation style {name!r}; use one of {', '.join(shipped)}, or a .csl file "
            "beside the content file"
        )
    try:
        return in_content_folder(source, name, "citation style"), ""
    except AssetError as err:
        return None, str(err)


def read_style(path: Path, trusted: bool) -> bytes:
    """A CSL file's XML, parsed without DTD, entities or network; an untrusted one is also
    checked against the CSL schema. Raise ValueError saying what is wrong."""
    data = path.read_bytes()
    if len(data) > MAX_STYLE_BYTES:
        raise ValueError(f"larger than {MAX_STYLE_BYTES:,} bytes")
    try:
        root = etree.fromstring(data, untrusted_xml_parser())
    except etree.XMLSyntaxError as err:
        raise ValueError(f"not XML: {err}") from err
    if root.getroottree().docinfo.doctype:
        raise ValueError("a CSL style has no DOCTYPE")
    if MARKERS.search(etree.tostring(root, encoding="unicode")):
        # the characters this module's formatter marks tags with: refused, not interpreted
        raise ValueError("it holds private-use characters (U+E000 to U+E0FF)")
    if root.tag != f"{{{_CSL_NS}}}style":
        raise ValueError(f"not a CSL style (its root is <{etree.QName(root).localname}>)")
    if not trusted:
        _check_schema(root)
    return etree.tostring(root, encoding="utf-8")


def _check_schema(root: etree._Element) -> None:
    from citeproc import SCHEMA_PATH

    schema = etree.RelaxNG(etree.parse(SCHEMA_PATH, etree.XMLParser(no_network=True)))
    if not schema.validate(root):
        error = schema.error_log[0]
        raise ValueError(f"not valid CSL (line {error.line}: {error.message})")
    if root.get("class") not in ("in-text", "note"):
        raise ValueError("not valid CSL: class is neither in-text nor note")


# Where a language's locale is not named after it, or several are: the main one.
_MAIN_LOCALE = {"en": "en-US", "uk": "uk-UA", "pt": "pt-PT", "zh": "zh-CN", "sv": "sv-SE"}


def csl_locale(language: str) -> str:
    """The CSL locale citeproc-py has for a BCP 47 language tag: `en` is en-US, `uk` uk-UA."""
    from citeproc import LOCALES_PATH

    have = sorted(path.stem.removeprefix("locales-") for path in Path(LOCALES_PATH).glob("*.xml"))
    primary = language.split("-")[0]
    for wanted in (
        language,
        _MAIN_LOCALE.get(primary, ""),
        f"{primary}-{primary.upper()}",
        primary,
    ):
        if wanted in have:
            return wanted
    return next((name for name in have if name.startswith(f"{primary}-")), "en-US")


@dataclass(frozen=True)
class Bibliography:
    """The brief's cited references formatted by its style: the bibliography's entries, and a
    fresh CitationRenderer for each output (citeproc-py numbers positions as it goes).

    Plain data only: a prepared brief is pickled to the worker processes that render it, and
    citeproc-py's objects (lxml elements) cannot be; they are made again where needed."""

    xml: bytes  # the style, checked
    locale: str  # the CSL locale
    items: tuple[dict[str, Any], ...]  # the works cited, as CSL-JSON
    clusters: tuple[tuple[Cite, ...], ...]  # every citation, in the text's order
    anchors: dict[str, str]  # key -> id of its entry
    entries: tuple[tuple[str, Markup], ...]  # (anchor, HTML), in the style's order
    notes: bool  # a note style: each citation is a footnote

    def renderer(self, href: Callable[[str], str]) -> CitationRenderer:
        """A renderer for one output; `href` turns an entry's anchor into a link there."""
        return CitationRenderer(self, href)


class CitationRenderer:
    """Formats one output's citations in the order they come."""

    def __init__(self, bibliography: Bibliography, href: Callable[[str], str]) -> None:
        self._works = bibliography
        self._href = href
        self._citeproc = _registered(
            _style(bibliography.xml, bibliography.locale), bibliography.items, bibliography.clusters
        )

    @property
    def notes(self) -> bool:
        return self._works.notes

    def cite(self, cites: tuple[Cite, ...]) -> Markup:
        """The HTML of one citation, each cited work linked to its entry."""
        citation = _citation(cites)
        self._citeproc.register(citation)
        text = _run(lambda: str(self._citeproc.cite(citation, lambda item: "?")))
        html = _tags(str(escape(text)))
        if self.notes:  # a note is a full reference: its addresses are the links
            return Markup(_linked(_ITEM_OPEN.sub("", html).replace(_ITEM_CLOSE, "")))
        anchors = [self._works.anchors[cite.key] for cite in cites]

        def link(match: re.Match[str]) -> str:
            return f'<a class="citation" href="{escape(self._href(anchors[int(match.group(1))]))}">'

        return Markup(_ITEM_OPEN.sub(link, html).replace(_ITEM_CLOSE, "</a>"))


@functools.lru_cache(maxsize=4)
def _style(xml: bytes, locale: str) -> Any:
    """citeproc-py's style, made once a process (it holds no state of a rendering)."""
    from citeproc import CitationStylesStyle

    return _run(lambda: CitationStylesStyle(io.BytesIO(xml), locale=locale, validate=False))


def _registered(style: Any, items: tuple[dict[str, Any], ...], clusters: Any) -> Any:
    """A citeproc-py bibliography of `items` with every citation registered and sorted: all of
    them first, so that disambiguation ("2020a") sees them all."""
    from citeproc import CitationStylesBibliography
    from citeproc.source.json import CiteProcJSON

    source = _run(lambda: CiteProcJSON([dict(item) for item in items]))
    citeproc = CitationStylesBibliography(style, source, _FORMATTER)
    for cluster in clusters:
        citeproc.register(_citation(cluster))
    _run(citeproc.sort)
    return citeproc


def _citation(cites: tuple[Cite, ...]) -> Any:
    from citeproc import Citation, CitationItem, Locator

    items = []
    for index, cite in enumerate(cites):
        extra: dict[str, Any] = {
            "prefix": (f"{cite.prefix} " if cite.prefix else "") + f"\ue020{index}\ue021",
            "suffix": _ITEM_CLOSE + cite.suffix,
        }
        if cite.locator:
            extra["locator"] = Locator(cite.label, cite.locator)
        items.append(CitationItem(cite.key, **extra))
    return Citation(items)


def _run(work: Callable[[], Any]) -> Any:
    """Run citeproc-py: its warnings are not the reader's business; its failures on a style
    or reference are a ValueError saying so."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return work()
        except RecursionError as err:
            raise ValueError("the style nests its macros without end") from err
        except Exception as err:  # citeproc-py fails on what it does not support
            raise ValueError(
                f"citeproc-py could not format it ({type(err).__name__}: {err})"
            ) from err


def _tags(text: str) -> str:
    for opening, closing, tag, end in _TAGS.values():
        text = text.replace(opening, tag).replace(closing, end)
    return text


def _linked(html: str) -> str:
    """Addresses (a DOI is one, https://doi.org/...) made links."""
    return _URL.sub(lambda match: f'<a href="{match.group()}">{match.group()}</a>', html)


def entry_anchors(keys: list[str]) -> dict[str, str]:
    """`ref-<key>` for each key, made an id (letters, digits, -, _), each one unique."""
    anchors: dict[str, str] = {}
    used: set[str] = set()
    for key in keys:
        base = "ref-" + re.sub(r"[^A-Za-z0-9_-]", "-", key)
        anchor, number = base, 1
        while anchor.lower() in used:  # ids differ by more than case, for readers that fold it
            number += 1
            anchor = f"{base}-{number}"
        used.add(anchor.lower())
        anchors[key] = anchor
    return anchors


def clusters_of(brief: Brief) -> list[tuple[Cite, ...]]:
    """Every citation of the brief, in the order of its texts."""
    return [cluster for text in markdown_texts(brief) if "@" in text for cluster in cited_in(text)]


def bibliography(
    source: Path, brief: Brief, root: yaml.Node | None, templates_folder: Path, language: str
) -> tuple[Bibliography | None, Path | None]:
    """Format the brief's citations and bibliography (None when it cites nothing), and the
    style file it read if it is the edition's own; raise a located ContentError. The style is
    checked even when nothing is cited yet: a misspelt one would otherwise go unnoticed."""
    style_path, problem = find_style(source, brief.citation_style, shipped_styles(templates_folder))
    where = location(source, _mark(root, "citation_style"))
    if style_path is None:
        raise ContentError([f"{where}: {problem}"])
    own = None if style_path.parent == templates_folder / CSL_FOLDER_NAME else style_path
    clusters = clusters_of(brief)
    if not clusters and own is None:
        return None, None  # a shipped style is valid: no need to read it
    try:
        xml = read_style(style_path, trusted=own is None)
        if not clusters:
            return None, own
        found = read_references(source, root, brief.bibliography, brief.references)
        works = _format(clusters, found, xml, language)
    except ValueError as err:
        raise ContentError([f"{where}: citation style {brief.citation_style!r}: {err}"]) from err
    return works, own


def _mark(root: yaml.Node | None, *keys: str) -> yaml.Mark | None:
    node = node_at(root, *keys)
    return node.start_mark if node is not None else None


def _format(
    clusters: list[tuple[Cite, ...]], found: References, xml: bytes, language: str
) -> Bibliography:
    locale = csl_locale(language)
    style = _style(xml, locale)
    if not style.has_bibliography():
        raise ValueError("it has no <bibliography>")
    keys = list(dict.fromkeys(cite.key for cluster in clusters for cite in cluster))
    items = tuple(found.entries[key].data for key in keys)
    citeproc = _registered(style, items, clusters)
    by_lower = {key.lower(): key for key in keys}
    ordered = [by_lower[key] for key in citeproc.keys]
    anchors = entry_anchors(keys)
    texts = _run(lambda: [str(text) for text in citeproc.bibliography()])
    if len(texts) != len(ordered):
        raise ValueError("its bibliography leaves out some of the works cited")
    entries = tuple(
        (anchors[key], Markup(_linked(_tags(str(escape(text))))))
        for key, text in zip(ordered, texts, strict=False)
    )
    works = Bibliography(
        xml=xml,
        locale=locale,
        items=items,
        clusters=tuple(clusters),
        anchors=anchors,
        entries=entries,
        notes=style.root.get("class") == "note",
    )
    # Every citation formatted once now, so a style citeproc-py fails on is reported here, at
    # `citation_style:`, not in the middle of rendering a template.
    dry_run = works.renderer(lambda anchor: "")
    for cluster in clusters:
        dry_run.cite(cluster)
    return works
