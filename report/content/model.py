"""The typed model of a brief: what a content file may hold, with no I/O.

The classes are plain frozen dataclasses, so loading them costs next to nothing. Their rules
(`Check`, `BlockKind`) are read by pydantic when validation.py builds the validator, which it
then keeps in the user cache: pydantic itself is imported only when this file changes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any, ClassVar, Literal, Union

from report.content.fields import (
    MAX_BLOCKS,
    MAX_ITEMS,
    MAX_NOTES,
    MAX_REFERENCES,
    MAX_SECTIONS,
    MAX_TEXT,
    Check,
    Identifier,
    Model,
    Text,
    text_up_to,
    xml_characters,
)
from report.content.figures import Chart, Figure, Table, TableContent, numbered_content


@dataclass(frozen=True, slots=True, kw_only=True)
class Edition(Model):
    """Which edition of the brief this is; its date stands for every date in the outputs."""

    identifier: Text
    """Stable unique identifier, e.g. a urn:uuid."""
    language: Annotated[str, Check(pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")]
    """BCP 47 language tag of the text, e.g. en or ru."""
    number: Annotated[int, Check(ge=1)]
    """Edition number, from 1."""
    date: dt.date
    """Publication date of this edition (YYYY-MM-DD)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Correction(Model):
    """An editorial correction of the source text, recorded for transparency."""

    original: Text
    corrected: Text
    context: Text | None = None


# A key figure's card is a third of the text column: what fits in it, as a reader takes it in.
MAX_FIGURE_VALUE = 16
MAX_FIGURE_LABEL = 140


def _card_value(value: str) -> str:
    if len(value) > MAX_FIGURE_VALUE:
        raise ValueError(
            f"is {len(value)} characters; a key figure's value holds at most {MAX_FIGURE_VALUE} "
            "(a number and its unit, e.g. 300,000 or 6×); put words in label: or qualifier:"
        )
    return value


def _card_label(value: str) -> str:
    if len(value) > MAX_FIGURE_LABEL:
        raise ValueError(
            f"is {len(value)} characters; a key figure's label holds at most {MAX_FIGURE_LABEL} "
            "(about 20 words); move the explanation to note:"
        )
    return value


CardValue = text_up_to(MAX_TEXT, _card_value)
CardLabel = text_up_to(MAX_TEXT, _card_label)
Qualifier = text_up_to(30)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyFigure(Model):
    """A figure pulled out into a card: value, what it counts, and an optional qualifier."""

    value: CardValue
    """At most 16 characters: a number and its unit."""
    label: CardLabel
    """What the value counts, at most 140 characters."""
    qualifier: Qualifier | None = None
    """E.g. 'around' or 'more than'."""
    note: Text | None = None
    """A sentence that explains the figure, set beside its label."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineEntry(Model):
    """One dated event."""

    year: Annotated[int, Check(ge=1, le=9999)]
    month: Annotated[int, Check(ge=1, le=12)] | None = None
    day: Annotated[int, Check(ge=1, le=31)] | None = None
    """The day of the month, with `month:`."""
    event: Text

    @property
    def iso(self) -> str:
        """Return the date as ISO 8601 (year, year-month or a full date), for `<time datetime>`."""
        if self.month and self.day:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"
        return f"{self.year:04d}-{self.month:02d}" if self.month else f"{self.year:04d}"


ListStyle = Literal["decimal", "lower-alpha", "upper-alpha", "lower-roman", "upper-roman"]
MAX_LIST_DEPTH = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class ListItem(Model):
    """An item that holds a list of its own: its text, then the nested items."""

    text: Text
    items: Annotated[list[Text | ListItem], Check(min_length=1, max_length=MAX_ITEMS)]
    ordered: bool = False
    """Numbered (1., 2., ... or the style's letters and numerals) rather than bulleted."""
    style: ListStyle | None = None
    """How an ordered list counts: decimal, lower-alpha, upper-alpha, lower-roman, upper-roman."""
    start: Annotated[int, Check(ge=0, le=1_000_000)] | None = None
    """The number (or letter) an ordered list starts at, e.g. 9."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListContent(Model):
    """A list, optionally introduced by the sentence that leads into it; an item may hold a
    list of its own (`{text: ..., items: [...]}`)."""

    intro: Text | None = None
    items: Annotated[list[Text | ListItem], Check(min_length=1, max_length=MAX_ITEMS)]
    ordered: bool = False
    """Numbered (1., 2., ... or the style's letters and numerals) rather than bulleted."""
    style: ListStyle | None = None
    """How an ordered list counts: decimal, lower-alpha, upper-alpha, lower-roman, upper-roman."""
    start: Annotated[int, Check(ge=0, le=1_000_000)] | None = None
    """The number (or letter) an ordered list starts at, e.g. 9."""


def list_depth(items: list[str | ListItem]) -> int:
    """How deep a list's items nest (1 for a flat list)."""
    return 1 + max(
        (list_depth(item.items) for item in items if isinstance(item, ListItem)), default=0
    )


def item_texts(items: list[str | ListItem]) -> Iterator[str]:
    """Every text of a list's items, nested ones included, in reading order."""
    for item in items:
        if isinstance(item, ListItem):
            yield item.text
            yield from item_texts(item.items)
        else:
            yield item


@dataclass(frozen=True, slots=True, kw_only=True)
class Paragraph(Model):
    """A paragraph of running text."""

    kind: ClassVar[str] = "paragraph"
    paragraph: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class ListBlock(Model):
    """A bulleted or numbered list."""

    kind: ClassVar[str] = "list"
    list: ListContent


@dataclass(frozen=True, slots=True, kw_only=True)
class Heading(Model):
    """A sub-heading inside a section: `- heading: Text`, with `level:` and `id:` beside it."""

    kind: ClassVar[str] = "heading"
    heading: Text
    level: Literal[3, 4, 5] = 3
    """3 under the section's title, 4 under a 3, 5 under a 4."""
    id: Identifier | None = None
    """Anchor for links and cross-references: [](#id) says the heading."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Callout(Model):
    """A sentence set apart for emphasis."""

    kind: ClassVar[str] = "callout"
    callout: Text


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteContent(Model):
    """Quoted words, who said or wrote them, and where."""

    text: Text
    """The words quoted, without quotation marks (the layout sets them apart)."""
    attribution: Text | None = None
    """Who said or wrote them, e.g. "Jens Stoltenberg, NATO Secretary General"."""
    source: Text | None = None
    """Where: a title, a link ([title](https://...)) or a citation."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Quote(Model):
    """A quotation set apart from the text (a block quote), with its attribution."""

    kind: ClassVar[str] = "quote"
    quote: QuoteContent


@dataclass(frozen=True, slots=True, kw_only=True)
class Component(Model):
    """A block of a type the edition or its theme defines: `- <name>: value`, rendered by
    `components/<name>.html` and validated by `components/<name>.schema.yaml`."""

    kind: ClassVar[str] = "component"
    name: str
    value: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineContent(Model):
    """A timeline with a title of its own (in place of "Key dates")."""

    title: Text
    entries: Annotated[list[TimelineEntry], Check(min_length=1, max_length=MAX_ITEMS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Timeline(Model):
    """A vertical list of dates and events: a list of entries, or `{title:, entries:}`."""

    kind: ClassVar[str] = "timeline"
    timeline: (
        Annotated[list[TimelineEntry], Check(min_length=1, max_length=MAX_ITEMS)] | TimelineContent
    )

    @property
    def entries(self) -> list[TimelineEntry]:
        """The dated events, in order."""
        content = self.timeline
        return content.entries if isinstance(content, TimelineContent) else content

    @property
    def title(self) -> str | None:
        """The timeline's own title, if it has one."""
        content = self.timeline
        return content.title if isinstance(content, TimelineContent) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyFigures(Model):
    """A row of key-figure cards inside a section."""

    kind: ClassVar[str] = "key_figures"
    key_figures: Annotated[list[KeyFigure], Check(min_length=1, max_length=MAX_ITEMS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class BoxContent(Model):
    """A titled box that holds blocks of its own: key points, recommendations, "Box 1: ..."."""

    title: Text
    numbered: bool = False
    """Label the box "Box 1", "Box 2", ... through the brief (the language's word)."""
    id: Identifier | None = None
    """Anchor for cross-references: [](#id) says "Box 1" (or the title, when not numbered)."""
    blocks: Annotated[list[InnerBlock], Check(min_length=1, max_length=MAX_BLOCKS)]
    """Any block but a heading or another box."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Box(Model):
    """A box set apart from the text, holding blocks; kept on one page when it fits."""

    kind: ClassVar[str] = "box"
    box: BoxContent


# Keys whose text is inline Markdown (emphasis, links to #ids or https://, images); `rows` and
# `text` are table cells, `notes` a table's or figure's notes (the brief's own notes: are too).
MARKDOWN_FIELDS = frozenset(
    {"lead", "source", "paragraph", "callout", "intro", "items", "event", "attribution"}
    | {"caption", "notes", "credit", "rows", "text", "note"}
)

BLOCK_TYPES: tuple[type[Model], ...] = (
    Paragraph,
    Heading,
    ListBlock,
    Callout,
    Quote,
    Box,
    Timeline,
    KeyFigures,
    Table,
    Figure,
    Chart,
)
BLOCK_KINDS: tuple[str, ...] = tuple(block.kind for block in BLOCK_TYPES)
# What a box may hold: a heading would break the outline, a box in a box the page.
INNER_TYPES: tuple[type[Model], ...] = tuple(
    block for block in BLOCK_TYPES if block not in (Heading, Box)
)


def _block_kind(value: Any) -> str | None:
    """Name the block type by its single key, as authors write `- paragraph: ...`; a single
    key that names no built-in block is a component's (components.py checks it exists)."""
    if isinstance(value, dict):
        keys = [key for key in value if key in BLOCK_KINDS]
        if not keys and len(value) == 1:
            return Component.kind
        return keys[0] if len(keys) == 1 else None
    return getattr(value, "kind", None)


def _as_component(value: Any) -> Any:
    """Read `- <name>: value` as a Component of that name."""
    if isinstance(value, dict) and len(value) == 1:
        ((name, inner),) = value.items()
        return {"name": str(name), "value": inner}
    return value


class BlockKind:
    """Tells pydantic that a block's type is named by its key (a tagged union over `types`,
    and Component for any other single key)."""

    def __init__(self, types: tuple[type[Model], ...] = BLOCK_TYPES, where: str = "") -> None:
        self.types = types
        self.where = where  # " in a box": said in the error, with the kinds allowed there

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import BeforeValidator, Discriminator, Tag

        members = tuple(Annotated[block, Tag(block.kind)] for block in self.types)
        component = Annotated[Component, BeforeValidator(_as_component), Tag(Component.kind)]
        discriminator = Discriminator(
            _block_kind,
            custom_error_type="block_kind",
            custom_error_message=f"a block{self.where} must be a mapping with exactly one of "
            f"the keys {', '.join(block.kind for block in self.types)}",
        )
        return handler.generate_schema(Annotated[Union[(*members, component)], discriminator])


# The tagged union of every block type. A new built-in block is a class in BLOCK_TYPES and its
# partial, templates/partials/<kind>.html; an edition or theme adds its own as components/.
Block = Annotated[Union[(*BLOCK_TYPES, Component)], BlockKind()]
InnerBlock = Annotated[Union[(*INNER_TYPES, Component)], BlockKind(INNER_TYPES, " in a box")]


def _readable_accent(value: str) -> str:
    """Refuse an accent too light to read as text on white (WCAG AA asks for 4.5:1)."""
    ratio = contrast_with_white(value)
    if ratio < 4.5:
        raise ValueError(
            f"{value} has a contrast of {ratio:.1f}:1 on white; text needs 4.5:1; pick a darker one"
        )
    return value


def contrast_with_white(hex_color: str) -> float:
    """Return the WCAG contrast ratio of a #rrggbb color against white."""
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (luminance + 0.05)


COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"
Color = Annotated[str, Check(pattern=COLOR_PATTERN, after=_readable_accent)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Section(Model):
    """A titled part of the brief: one chapter of the EPUB, one bookmark of the PDF."""

    id: Identifier
    """Anchor and file name: lowercase letters, digits, '-'."""
    title: Text
    epigraph: QuoteContent | None = None
    """A quotation set under the title, before the text."""
    blocks: Annotated[list[Block], Check(min_length=1, max_length=MAX_BLOCKS)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Style(Model):
    """The look of an edition: turned into CSS custom properties for both outputs."""

    accent: Color = "#1d3f6e"
    """Accent color, #rrggbb, readable on white."""
    body_font: Literal["serif", "sans"] = "serif"
    """Shipped font for text."""
    heading_font: Literal["serif", "sans"] = "sans"
    """Shipped font for headings."""
    paper: Literal["A4", "Letter"] = "A4"
    """PDF paper size."""
    logo: Text | None = None
    """Logo image in the content folder, on the cover."""
    cover: Literal["band", "full", "plain"] = "band"
    """Cover layout: an accent band, a full accent page, or plain."""


def _unique_section_ids(sections: list[Section]) -> list[Section]:
    from pydantic_core import PydanticCustomError  # loaded already: it is running this check

    seen: set[str] = set()
    for index, section in enumerate(sections):
        if section.id in seen:
            raise PydanticCustomError(
                "duplicate_id",
                "two sections have the id '{id}'; ids must be unique",
                {"id": section.id, "index": index},
            )
        seen.add(section.id)
    return sections


def _orcid(value: str) -> str:
    """Check an ORCID iD's form and its check digit (ISO 7064 MOD 11-2)."""
    digits = value.replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if digits[-1] != expected:
        raise ValueError(f"{value} is not an ORCID iD: its check digit should be {expected}")
    return value


Orcid = Annotated[str, Check(pattern=r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$", after=_orcid)]


def _isbn(value: str) -> str:
    """Check an ISBN-13 or ISBN-10 (hyphens and spaces allowed) by its check digit."""
    digits = value.replace("-", "").replace(" ", "").upper()
    if len(digits) == 13 and digits.isdigit():
        total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits[:12]))
        expected = str((10 - total % 10) % 10)
    elif len(digits) == 10 and digits[:9].isdigit() and (digits[9].isdigit() or digits[9] == "X"):
        expected = _weighted_mod11(digits[:9])
    else:
        raise ValueError(f"{value} is not an ISBN: 13 digits (or 10), hyphens allowed")
    if digits[-1] != expected:
        raise ValueError(f"{value} is not an ISBN: its check digit should be {expected}")
    return value


Isbn = Annotated[str, Check(max_length=20, after=_isbn)]


def _weighted_mod11(digits: str) -> str:
    """The check digit ISBN-10 and ISSN share: weights counting down to 2, modulo 11, X for 10."""
    total = sum(int(d) * (len(digits) + 1 - i) for i, d in enumerate(digits))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def _issn(value: str) -> str:
    """Check an ISSN (NNNN-NNNC) by its check digit."""
    digits = value.replace("-", "")
    expected = _weighted_mod11(digits[:7])
    if digits[-1] != expected:
        raise ValueError(f"{value} is not an ISSN: its check digit should be {expected}")
    return value


Issn = Annotated[str, Check(pattern=r"^\d{4}-\d{3}[\dX]$", after=_issn)]
Doi = Annotated[str, Check(pattern=r"^10\.\d{4,9}/\S+$", max_length=300)]


# Caps that keep four authors in the cover's foot, under any title (docs/design.md).
PersonName = text_up_to(120)
PersonRole = text_up_to(60)
Affiliation = text_up_to(200)


@dataclass(frozen=True, slots=True, kw_only=True)
class Person(Model):
    """An author: name, and what the readers and catalogues should know of them."""

    name: PersonName
    role: PersonRole | None = None
    """E.g. Rapporteur, Editor; shown beside the name."""
    affiliation: Affiliation | None = None
    orcid: Orcid | None = None
    """ORCID iD, e.g. 0000-0002-1825-0097."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Series(Model):
    """The series the brief belongs to, e.g. NDC Policy Brief no. 12."""

    name: Text
    number: Annotated[int, Check(ge=0, le=1_000_000)] | Text | None = None
    """Its number in the series: 12, or as the series writes it ("2026/3")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Numbering(Model):
    """Numbers for sections, sub-headings and paragraphs, as reports and resolutions use them."""

    headings: Literal["decimal", "roman"] | None = None
    """Sections and sub-headings: decimal (1, 1.1, 1.1.1) or roman (I, A, 1)."""
    paragraphs: bool = False
    """Number the paragraphs through the brief (1., 2., ...), in the margin in print."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Contents(Model):
    """What the contents list: lists of tables and figures after the sections."""

    tables: bool = False
    """Add a list of tables, with their pages in the PDF."""
    figures: bool = False
    """Add a list of figures (charts included), with their pages in the PDF."""
    depth: Literal[1, 2, 3] = 1
    """How deep the contents go: 1 sections, 2 also their level-3 headings, 3 level 4 too."""


# An acronym or term as the text writes it: NATO, PfP, IPCP.
GlossaryTerm = Annotated[str, Check(pattern=r"^\S(.*\S)?$", max_length=100)]

NoteName = Annotated[str, Check(pattern=r"^[a-z0-9][a-z0-9-]*$")]


def _bibliography_name(name: str) -> str:
    xml_characters(name)  # a NUL in a file name would reach the file system
    if not name.endswith((".bib", ".json")):
        raise ValueError(f"{name!r}: name a BibTeX (.bib) or CSL-JSON (.json) file")
    return name


MAX_TITLE = 300  # a cover holds about this much at its smallest title size
Title = text_up_to(MAX_TITLE)
ShortTitle = text_up_to(80)
DocumentType = text_up_to(60)


@dataclass(frozen=True, slots=True, kw_only=True)
class Brief(Model):
    """A whole brief: metadata, lead, key figures and sections."""

    title: Title
    """At most 300 characters; the cover sets a long title smaller."""
    short_title: ShortTitle | None = None
    """For the running heads (else the title up to a colon, else the title)."""
    type: DocumentType | None = None
    """What kind of document it is, e.g. Policy brief: the cover's label."""
    topic: Text
    """What the brief is about: shown under the title on the cover."""
    author: Text | None = None
    """The author (or the body that issues the brief), as one name; for several, `authors:`."""
    authors: Annotated[list[Person], Check(max_length=MAX_ITEMS)] = field(default_factory=list)
    """The people who wrote the brief, each with an optional role, affiliation and ORCID."""
    publisher: Text | None = None
    """Who publishes the brief: on the cover, in the colophon, the EPUB's and PDF's metadata."""
    series: Series | None = None
    """The series the brief belongs to, with its number."""
    doi: Doi | None = None
    """The brief's DOI, e.g. 10.1234/brief.2026.1: how to cite it, and an identifier."""
    isbn: Isbn | None = None
    """ISBN-13 or ISBN-10, its check digit verified."""
    issn: Issn | None = None
    """The series' ISSN, e.g. 2049-5897, its check digit verified."""
    url: Annotated[str, Check(pattern=r"^https?://\S+$", max_length=2000)] | None = None
    """Where the brief is published on the web."""
    license: Annotated[str, Check(pattern=r"^[A-Za-z0-9.+-]{2,64}$")] | None = None
    """An SPDX licence id, e.g. CC-BY-4.0; Creative Commons licences are named and linked."""
    disclaimer: Text | None = None
    """Shown in "About this brief"."""
    status: Text | None = None
    """E.g. Draft, or Original: English; shown on the cover and in "About this brief"."""
    keywords: Annotated[list[Text], Check(max_length=MAX_ITEMS)] = field(default_factory=list)
    edition: Edition
    source: Text | None = None
    """Where the text comes from."""
    corrections: Annotated[list[Correction], Check(max_length=MAX_ITEMS)] = field(
        default_factory=list
    )
    lead: Text
    """One or two sentences that open the brief."""
    key_figures: Annotated[list[KeyFigure], Check(max_length=MAX_ITEMS)] = field(
        default_factory=list
    )
    sections: Annotated[
        list[Section], Check(min_length=1, max_length=MAX_SECTIONS, after=_unique_section_ids)
    ]
    appendices: Annotated[list[Section], Check(max_length=MAX_SECTIONS)] = field(
        default_factory=list
    )
    """Back matter lettered A, B, ...: sections like the others, after them."""
    notes: Annotated[dict[NoteName, Text], Check(max_length=MAX_NOTES)] = field(
        default_factory=dict
    )
    """Footnotes by name; text refers to one with [^name]."""
    glossary: Annotated[dict[GlossaryTerm, Text], Check(max_length=MAX_ITEMS)] = field(
        default_factory=dict
    )
    """Acronyms and terms with their expansions, e.g. PfP: Partnership for Peace."""
    bibliography: Annotated[str, Check(max_length=500, after=_bibliography_name)] | None = None
    """A BibTeX (.bib) or CSL-JSON (.json) file of references, beside the content file; text
    cites them with [@key], [@key, p. 12] or [@a; @b]."""
    references: Annotated[list[dict[str, Any]], Check(max_length=MAX_REFERENCES)] = field(
        default_factory=list
    )
    """References as CSL-JSON items written in YAML (id:, type:, title:, author:, issued:, ...)."""
    citation_style: Annotated[str, Check(min_length=1, max_length=500, after=xml_characters)] = (
        "chicago-author-date"
    )
    """How citations and the bibliography are formatted: chicago-author-date, apa,
    harvard-cite-them-right, chicago-note-bibliography (citations as footnotes), or a .csl file
    beside the content file."""
    contents: Contents = field(default_factory=Contents)
    numbering: Numbering = field(default_factory=Numbering)
    style: Style = field(default_factory=Style)
    theme: Identifier | None = None
    """A folder in themes/ to take templates from."""
    previous: Text | None = None
    """The previous edition's content file, relative to this one."""
    show_changes: bool = False
    """Add a section listing what changed since the previous edition."""


def people(brief: Brief) -> list[Person]:
    """The brief's authors: `authors:`, or `author:` as one person."""
    return list(brief.authors) or ([Person(name=brief.author)] if brief.author else [])


def byline(brief: Brief) -> str:
    """The authors' names as one line, for metadata and citations."""
    return ", ".join(person.name for person in people(brief))


def all_sections(brief: Brief) -> list[Section]:
    """The sections, then the appendices: everything that holds blocks, in reading order."""
    return [*brief.sections, *brief.appendices]


def located_sections(brief: Brief) -> list[tuple[tuple[str, int], Section]]:
    """Each section and appendix with where it is in the file (`("sections", 2)`)."""
    return [(("sections", index), section) for index, section in enumerate(brief.sections)] + [
        (("appendices", index), section) for index, section in enumerate(brief.appendices)
    ]


@dataclass(frozen=True, slots=True)
class Placed:
    """A block with its place: the keys that lead to it in the file, its section, and its
    place as the templates number it ("3", or "3-1" for the first block in the box at 3)."""

    keys: tuple[str | int, ...]
    section: Section
    place: str
    block: Any

    @property
    def anchor(self) -> str:
        """The id the templates give a block without one of its own: `<section id>-<place>`."""
        return f"{self.section.id}-{self.place}"


def placed_blocks(brief: Brief) -> Iterator[Placed]:
    """Every block of the brief in reading order, those inside boxes after their box."""
    for where, section in located_sections(brief):
        yield from _section_blocks(where, section)


def _section_blocks(where: tuple[str, int], section: Section) -> Iterator[Placed]:
    for index, block in enumerate(section.blocks):
        keys = (*where, "blocks", index)
        yield Placed(keys, section, str(index + 1), block)
        if isinstance(block, Box):
            for inner_index, inner in enumerate(block.box.blocks):
                inner_keys = (*keys, "box", "blocks", inner_index)
                yield Placed(inner_keys, section, f"{index + 1}-{inner_index + 1}", inner)


def markdown_texts(brief: Brief) -> Iterator[str]:
    """Yield every text of the brief that is inline Markdown (see MARKDOWN_FIELDS), notes too."""
    yield brief.lead
    yield from brief.notes.values()
    if brief.source:
        yield brief.source
    for where, section in located_sections(brief):
        if section.epigraph:  # in reading order: citations are numbered by it
            yield from _quote_texts(section.epigraph)
        for placed in _section_blocks(where, section):
            yield from _block_texts(placed.block)


def _block_texts(block: Any) -> Iterator[str]:
    if isinstance(block, Paragraph):
        yield block.paragraph
    elif isinstance(block, Quote):
        yield from _quote_texts(block.quote)
    elif isinstance(block, Component):
        yield from component_strings(block.value)
    elif isinstance(block, Callout):
        yield block.callout
    elif isinstance(block, ListBlock):
        yield from [block.list.intro] if block.list.intro else []
        yield from item_texts(block.list.items)
    elif isinstance(block, Timeline):
        yield from (entry.event for entry in block.entries)
    elif isinstance(block, Table):
        yield from _table_texts(block.table)
    content = numbered_content(block)
    if content is not None:
        yield content.caption
        yield from [text for text in (content.notes, content.source) if text]
        yield from (
            [block.figure.credit] if isinstance(block, Figure) and block.figure.credit else []
        )


def component_strings(value: Any) -> Iterator[str]:
    """Every string in a component's value, in order: each is inline Markdown to the checks."""
    return (text for _, text in located_strings(value))


def located_strings(
    value: Any, keys: tuple[Any, ...] = ()
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in a YAML value, with the keys and indexes that lead to it."""
    if isinstance(value, str):
        yield keys, value
    elif isinstance(value, dict):
        for key, inner in value.items():
            yield from located_strings(inner, (*keys, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from located_strings(inner, (*keys, index))


def _quote_texts(quote: QuoteContent) -> Iterator[str]:
    yield quote.text
    yield from [text for text in (quote.attribution, quote.source) if text]


def _table_texts(table: TableContent) -> Iterator[str]:
    for row in table.rows or []:
        for cell in row:
            text = getattr(cell, "text", cell)
            if isinstance(text, str):
                yield text
