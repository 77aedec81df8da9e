"""What changed between two editions of a brief, computed from their content files."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from report.cache import file_digest
from report.content.figures import Chart, Figure, Table
from report.content.model import Box, Brief, Section, all_sections
from report.content.numbered import chart_data, numbered_blocks, table_rows
from report.content.paths import in_content_folder
from report.errors import AssetError


@dataclass(frozen=True)
class Counts:
    """How many tables (or figures) were added, removed and changed."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    @property
    def any(self) -> bool:
        """Whether any was added, removed or changed."""
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Changes:
    """Sections added, removed and changed since the previous edition, in reading order, and
    how many tables and figures (charts included) changed."""

    previous: Brief
    added: list[Section]
    removed: list[Section]
    changed: list[Section]
    tables: Counts = field(default_factory=Counts)
    figures: Counts = field(default_factory=Counts)

    @property
    def any(self) -> bool:
        """Whether anything changed at all."""
        sections = bool(self.added or self.removed or self.changed)
        return sections or self.tables.any or self.figures.any


def compare(
    previous: Brief,
    current: Brief,
    previous_source: Path | None = None,
    current_source: Path | None = None,
) -> Changes:
    """Match sections by id; a section changed if its title or any block differs. Tables and
    figures are matched by anchor; with the content files' paths, a table or chart whose data
    file changed counts as changed too."""
    before = {section.id: section for section in all_sections(previous)}
    now = {section.id for section in all_sections(current)}
    old = _numbered(previous, previous_source)
    new = _numbered(current, current_source)
    return Changes(
        previous=previous,
        added=[section for section in all_sections(current) if section.id not in before],
        removed=[section for section in all_sections(previous) if section.id not in now],
        changed=[
            section
            for section in all_sections(current)
            if section.id in before
            and _section_shown(before[section.id], previous_source)
            != _section_shown(section, current_source)
        ],
        tables=_counts(old, new, "table"),
        figures=_counts(old, new, "figure"),
    )


def _numbered(brief: Brief, source: Path | None) -> dict[str, tuple[str, Any]]:
    """Each table and figure by anchor: its kind, and what it shows (block and data)."""
    return {item.anchor: (item.kind, _shown(item.block, source)) for item in numbered_blocks(brief)}


def _section_shown(section: Section, source: Path | None) -> Any:
    return section.id, section.title, [_shown(block, source) for block in section.blocks]


def _shown(block: Any, source: Path | None) -> Any:
    """What a block shows: itself, with each file a table or figure names (which a new edition
    carries into its own folder) stood for by the file's content."""
    if source is None:
        return block
    if isinstance(block, Box):  # what its blocks show, files and all
        return replace(block.box, blocks=[]), [_shown(inner, source) for inner in block.box.blocks]
    try:
        if isinstance(block, Table) and block.table.csv:
            return replace(block.table, csv=None), table_rows(source, block.table)
        if isinstance(block, Chart) and block.chart.data:
            return replace(block.chart, data=None), chart_data(source, block.chart)
        if isinstance(block, Figure):
            image = in_content_folder(source, block.figure.image, "image")
            return replace(block.figure, image=""), file_digest(image)
    except (AssetError, OSError):
        return block  # a previous edition's file that is gone: compared by what it says
    return block


def _counts(old: dict[str, tuple[str, Any]], new: dict[str, tuple[str, Any]], kind: str) -> Counts:
    before = {anchor: shown for anchor, (k, shown) in old.items() if k == kind}
    now = {anchor: shown for anchor, (k, shown) in new.items() if k == kind}
    return Counts(
        added=len(now.keys() - before.keys()),
        removed=len(before.keys() - now.keys()),
        changed=sum(1 for anchor in now.keys() & before.keys() if now[anchor] != before[anchor]),
    )
