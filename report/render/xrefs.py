"""Cross-references: what `[](#id)` says ("Table 1", a section's title), where each target
is, and the lists of tables and figures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from report.content.figures import numbered_content
from report.content.model import Brief
from report.content.numbered import numbered_blocks, sub_headings


@dataclass(frozen=True)
class Target:
    """Something a link may point at: a section, a table or a figure."""

    anchor: str
    kind: str  # "section", "heading", "table" or "figure"
    label: str  # what an empty link says: "Table 1", or the section's title
    caption: str  # inline Markdown (a section's title for sections)
    section_id: str  # the section it is in (its own id for a section)


class CrossReferences:
    """Every target of the brief, by anchor, with the words of the brief's language."""

    def __init__(self, brief: Brief, labels: dict[str, Any]) -> None:
        self.targets: dict[str, Target] = {
            section.id: Target(section.id, "section", section.title, section.title, section.id)
            for section in brief.sections
        }
        for item in numbered_blocks(brief):
            content = numbered_content(item.block)
            label = labels[f"{item.kind}_label"].format(number=item.number)
            caption = content.caption if content else ""
            target = Target(item.anchor, item.kind, label, caption, item.section.id)
            self.targets[item.anchor] = target
        self._headings = sub_headings(brief)
        for heading in self._headings:
            self.targets[heading.anchor] = Target(
                heading.anchor, "heading", heading.text, heading.text, heading.section.id
            )
        self.tables = [target for target in self.targets.values() if target.kind == "table"]
        self.figures = [target for target in self.targets.values() if target.kind == "figure"]

    def contents_headings(self, section_id: str, depth: int) -> list[Target]:
        """The sub-headings of a section the contents list at `depth` (1: none; 2: level 3;
        3: levels 3 and 4), each with its level in `kind` ("heading-3", ...)."""
        return [
            Target(item.anchor, f"heading-{item.level}", item.text, item.text, section_id)
            for item in self._headings
            if item.section.id == section_id and item.level <= depth + 1
        ]

    def label(self, anchor: str) -> str:
        """The text of an empty link to `anchor` ("" for an unknown one)."""
        target = self.targets.get(anchor)
        return target.label if target else ""

    def section_of(self, anchor: str) -> str:
        """The id of the section that holds `anchor` (itself, for a section)."""
        target = self.targets.get(anchor)
        return target.section_id if target else anchor
