"""How content text points at things in each output: sections, images and footnotes.

The three outputs prepare links and notes with the same code; each says only where a section or
an image is found in it and how a note call is marked.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from markupsafe import Markup, escape

from report.content.citations import Cite
from report.content.markup import NOTE_CITE, Resolvers, render_inline
from report.content.model import Brief
from report.render.citing import CitationRenderer


@dataclass(frozen=True)
class Addresses:
    """Where one output puts sections and images."""

    section: Callable[[str], str]  # id of a section, table or figure -> href
    image: Callable[[str], str]  # image source as written in the text -> URL
    label: Callable[[str], str] = lambda anchor: ""  # what an empty link to an id says

    def link(self, target: str) -> str:
        """A link as written in the text (`#id` or an address) -> href."""
        return self.section(target[1:]) if target.startswith("#") else target


NoteMark = Callable[[int, Markup], str]  # note number and rendered text -> the call's HTML


class Footnotes:
    """Footnotes numbered in the order they are called, each text rendered once.

    `numbers` may be shared by several instances, so notes are numbered through a whole book
    whose pages each list their own (the EPUB). The notes called so far are in `called`.
    """

    def __init__(
        self,
        brief: Brief,
        addresses: Addresses,
        mark: NoteMark,
        numbers: Iterator[int] | None = None,
        citations: CitationRenderer | None = None,
    ) -> None:
        self.called: list[tuple[int, Markup]] = []
        self._brief = brief
        self._citations = citations
        # A note's own citations stay in its text, even with a note style.
        self._plain = Resolvers(
            link=addresses.link, image=addresses.image, label=addresses.label, cite=self._inline
        )
        self._mark = mark
        self._numbers = numbers if numbers is not None else itertools.count(1)

    def resolvers(self) -> Resolvers:
        """Resolvers for the document's text: links, images, note calls and citations."""
        return Resolvers(
            link=self._plain.link,
            image=self._plain.image,
            note=self._call,
            label=self._plain.label,
            cite=self._cite,
        )

    def _call(self, name: str) -> str:
        number = next(self._numbers)
        text = render_inline(self._brief.notes[name], self._plain)  # notes hold no notes
        self.called.append((number, text))
        return self._mark(number, text)

    def _inline(self, cites: tuple[Cite, ...], written: str) -> str:
        if self._citations is None:
            return str(escape(written))
        return str(self._citations.cite(cites))

    def _cite(self, cites: tuple[Cite, ...], written: str) -> str:
        """A citation in the text: in place, or with a note style a footnote of its own,
        numbered with the notes."""
        if self._citations is None or not self._citations.notes:
            return self._inline(cites, written)
        number = next(self._numbers)
        text = self._citations.cite(cites)
        self.called.append((number, text))
        return NOTE_CITE + self._mark(number, text)
