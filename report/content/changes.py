"""What changed between two editions of a brief, computed from their content files."""

from __future__ import annotations

from dataclasses import dataclass

from report.content.model import Brief, Section


@dataclass(frozen=True)
class Changes:
    """Sections added, removed and changed since the previous edition, in reading order."""

    previous: Brief
    added: list[Section]
    removed: list[Section]
    changed: list[Section]

    @property
    def any(self) -> bool:
        """Whether anything changed at all."""
        return bool(self.added or self.removed or self.changed)


def compare(previous: Brief, current: Brief) -> Changes:
    """Match sections by id; a section changed if its title or any block differs."""
    before = {section.id: section for section in previous.sections}
    now = {section.id for section in current.sections}
    return Changes(
        previous=previous,
        added=[section for section in current.sections if section.id not in before],
        removed=[section for section in previous.sections if section.id not in now],
        changed=[
            section
            for section in current.sections
            if section.id in before and before[section.id] != section
        ],
    )
