"""Cross-references: what `[](#id)` says ("Table 1", a section's title), where each target
is, and the lists of tables and figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from report.content.figures import numbered_content
from report.content.model import Brief, Paragraph, all_sections
from report.content.numbered import block_anchor, numbered_blocks, sub_headings, titled_boxes


@dataclass(frozen=True)
class Target:
    """Something a link may point at: a section, a table or a figure."""

    anchor: str
    kind: str  # "section", "heading", "box", "table" or "figure"
    label: str  # what an empty link says: "Table 1", "Box 2", or the section's title
    caption: str  # inline Markdown (a section's title for sections)
    section_id: str  # the section it is in (its own id for a section)


class CrossReferences:
    """Every target of the brief, by anchor, with the words of the brief's language."""

    def __init__(self, brief: Brief, labels: dict[str, Any]) -> None:
        self.numbers = heading_numbers(brief) | appendix_labels(brief, labels)
        self.paragraphs = paragraph_numbers(brief)
        appendices = {appendix.id for appendix in brief.appendices}
        self.targets: dict[str, Target] = {
            section.id: Target(
                section.id,
                "section",
                # An empty link to an appendix says "Appendix A", as reports refer to one.
                self.number(section.id).rstrip(".")
                if section.id in appendices
                else self.titled(section.id, section.title),
                section.title,
                section.id,
            )
            for section in all_sections(brief)
        }
        for item in numbered_blocks(brief):
            content = numbered_content(item.block)
            label = labels[f"{item.kind}_label"].format(number=item.number)
            caption = content.caption if content else item.block.box.title
            target = Target(item.anchor, item.kind, label, caption, item.section.id)
            self.targets[item.anchor] = target
        self.boxes = {
            target.anchor: target.label for target in self.targets.values() if target.kind == "box"
        }
        for placed in titled_boxes(brief):
            title, anchor = placed.block.box.title, block_anchor(placed)
            self.targets[anchor] = Target(anchor, "box", title, title, placed.section.id)
        self._headings = sub_headings(brief)
        for heading in self._headings:
            label = self.titled(heading.anchor, heading.text)
            self.targets[heading.anchor] = Target(
                heading.anchor, "heading", label, heading.text, heading.section.id
            )
        self.tables = [target for target in self.targets.values() if target.kind == "table"]
        self.figures = [target for target in self.targets.values() if target.kind == "figure"]

    def contents_headings(self, section_id: str, depth: int) -> list[Target]:
        """The sub-headings of a section the contents list at `depth` (1: none; 2: level 3;
        3: levels 3 and 4), each with its level in `kind` ("heading-3", ...)."""
        return [
            Target(
                item.anchor,
                f"heading-{item.level}",
                self.titled(item.anchor, item.text),
                item.text,
                section_id,
            )
            for item in self._headings
            if item.section.id == section_id and item.level <= depth + 1
        ]

    def number(self, anchor: str) -> str:
        """The number of a section or sub-heading ("" when the brief numbers none)."""
        return self.numbers.get(anchor, "")

    def paragraph_number(self, anchor: str) -> str:
        """The running number of a paragraph ("" when the brief numbers none)."""
        return self.paragraphs.get(anchor, "")

    def titled(self, anchor: str, title: str) -> str:
        """A section's or heading's title with its number before it, when it has one."""
        number = self.number(anchor)
        return f"{number} {title}" if number else title

    def box_label(self, anchor: str) -> str:
        """A numbered box's label, "Box 1" ("" for a box without a number)."""
        return self.boxes.get(anchor, "")

    def label(self, anchor: str) -> str:
        """The text of an empty link to `anchor` ("" for an unknown one)."""
        target = self.targets.get(anchor)
        return target.label if target else ""

    def section_of(self, anchor: str) -> str:
        """The id of the section that holds `anchor` (itself, for a section)."""
        target = self.targets.get(anchor)
        return target.section_id if target else anchor


def heading_numbers(brief: Brief) -> dict[str, str]:
    """The number of each section and sub-heading by anchor: decimal (1, 1.1, 1.1.1) or roman
    (I, A, 1, a), as the brief's `numbering: {headings:}` asks; empty when it asks none."""
    style = brief.numbering.headings
    if style is None:
        return {}
    numbers: dict[str, str] = {}
    headings = {(heading.section.id, heading.anchor): heading for heading in sub_headings(brief)}
    for section_number, section in enumerate(brief.sections, start=1):
        counts = {3: 0, 4: 0, 5: 0}
        numbers[section.id] = _numeral(section_number, 2, style)
        for key, heading in headings.items():
            if key[0] != section.id:
                continue
            counts[heading.level] += 1
            for deeper in range(heading.level + 1, 6):
                counts[deeper] = 0
            path = [counts[level] for level in range(3, heading.level + 1)]
            if style == "decimal":
                numbers[heading.anchor] = ".".join(str(n) for n in (section_number, *path))
            else:
                numbers[heading.anchor] = _numeral(path[-1], heading.level, style)
    # Roman numbering is written with a full stop, as reports write it: "I.", "A.", "1.".
    return {anchor: f"{n}." for anchor, n in numbers.items()} if style == "roman" else numbers


def _numeral(number: int, level: int, style: str) -> str:
    """A number as the style writes it at a level: roman style counts I, A, 1, a by level."""
    if style == "decimal":
        return str(number)
    if level == 2:
        return _roman(number)
    if level == 3:
        return _letters(number).upper()
    return str(number) if level == 4 else _letters(number)


def _roman(number: int) -> str:
    values = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC")]
    values += [(50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    text = ""
    for value, numeral in values:
        while number >= value:
            text, number = text + numeral, number - value
    return text


def _letters(number: int) -> str:
    """1 -> a, 26 -> z, 27 -> aa, as lists count."""
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(ord("a") + rest) + text
    return text


def paragraph_numbers(brief: Brief) -> dict[str, str]:
    """The running number of each paragraph by anchor, when the brief numbers paragraphs."""
    if not brief.numbering.paragraphs:
        return {}
    anchors = [
        f"{section.id}-{index}"
        for section in brief.sections
        for index, block in enumerate(section.blocks, start=1)
        if isinstance(block, Paragraph)
    ]
    return {anchor: str(number) for number, anchor in enumerate(anchors, start=1)}


def appendix_labels(brief: Brief, labels: dict[str, Any]) -> dict[str, str]:
    """Each appendix's label, "Appendix A", lettered in the language's alphabet."""
    letters = labels["appendix_letters"]
    return {
        appendix.id: labels["appendix_label"].format(letter=_lettered(index, letters)) + "."
        for index, appendix in enumerate(brief.appendices)
    }


def _lettered(index: int, letters: str) -> str:
    """0 -> A, then AA, AB, ... past the alphabet's end."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, len(letters))
        text = letters[rest] + text
    return text
