"""What the print edition hands the PDF writer: the HTML and what the file must carry.

A module of its own, importing next to nothing: the PDF worker process unpickles it, and must not
load the templates, the content model and their libraries to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from report.assets import AssetRoots


@dataclass(frozen=True)
class PrintDocument:
    """Everything the PDF writer needs: the HTML and what the file must carry."""

    html: str
    base: Path
    roots: AssetRoots
    epoch: int  # the edition date: every date inside the file comes from it
    standard: str  # a key of report.options.PDF_STANDARDS
    source_name: str  # the content file, attached to the PDF (relationship Source)
    source: bytes
    generator: str
    font_families: tuple[str, ...] = ()  # the book's own; any other font in the PDF is refused
    publisher: str = ""  # for the XMP: dc:publisher
    rights: str = ""  # the licence's name, for dc:rights
    rights_url: str = ""  # the licence's address, for xmpRights:WebStatement
    identifier: str = ""  # the DOI's address, the ISBN or the edition's identifier: dc:identifier
