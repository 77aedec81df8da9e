"""The numbered blocks of a brief: tables, figures (images) and charts, with no I/O.

Like model.py, plain frozen dataclasses whose rules pydantic reads when it builds the validator.
What needs the files they name (a CSV's rows, an image's bytes, a chart's fields) is checked
by the loader, at the line that names the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from report.content.fields import MAX_TEXT, Check, Identifier, Model, Text, xml_characters

MAX_ROWS = 1_000  # in one table or chart's data
MAX_COLUMNS = 30
MAX_SPAN = 30


# A cell's text may be empty (a table leaves cells blank).
CellText = Annotated[str, Check(max_length=MAX_TEXT, after=xml_characters)]


@dataclass(frozen=True, slots=True, kw_only=True)
class SpanCell(Model):
    """A cell that spans columns or rows: `{text: ..., colspan: 2}`."""

    text: CellText | int | float
    colspan: Annotated[int, Check(ge=1, le=MAX_COLUMNS)] = 1
    rowspan: Annotated[int, Check(ge=1, le=MAX_SPAN)] = 1


# A table cell: inline Markdown text, a number (printed as written in the file), or a spanning
# cell. The loader hands numbers over as the text the author typed, so `3.90` keeps its zero.
Cell = CellText | int | float | SpanCell


@dataclass(frozen=True, slots=True, kw_only=True)
class LeafColumn(Model):
    """One column: its title, and how its cells are set."""

    title: Text
    unit: Text | None = None
    """Shown under the title, e.g. '% of GDP'."""
    align: Literal["left", "right", "center", "decimal"] | None = None
    """Default: right when every cell is a number, else left."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Column(Model):
    """A column, or a group of columns under one title (a header of two rows)."""

    title: Text
    unit: Text | None = None
    """Shown under the title, e.g. '% of GDP'."""
    align: Literal["left", "right", "center", "decimal"] | None = None
    """Default: right when every cell is a number, else left."""
    columns: Annotated[list[LeafColumn], Check(min_length=1, max_length=MAX_COLUMNS)] | None = None
    """The columns grouped under this title."""


Rows = Annotated[
    list[Annotated[list[Cell], Check(min_length=1, max_length=MAX_COLUMNS)]],
    Check(min_length=1, max_length=MAX_ROWS),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TableContent(Model):
    """A numbered table: columns and rows written in the file, or a CSV file."""

    id: Identifier | None = None
    """Anchor for cross-references: [](#id) becomes 'Table 1'."""
    caption: Text
    columns: Annotated[list[Column], Check(min_length=1, max_length=MAX_COLUMNS)] | None = None
    rows: Rows | None = None
    csv: Text | None = None
    """A CSV file (UTF-8) relative to the content file; its first row holds the column titles."""
    notes: Text | None = None
    source: Text | None = None
    wide: bool = False
    """The full text width; in the PDF, a landscape page when it has many columns."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FigureContent(Model):
    """A numbered figure: an image (PNG, JPEG or SVG in the content folder) with a caption."""

    id: Identifier | None = None
    """Anchor for cross-references: [](#id) becomes 'Figure 1'."""
    image: Text
    alt: Text
    """What the image shows, for readers who cannot see it."""
    caption: Text
    credit: Text | None = None
    notes: Text | None = None
    source: Text | None = None
    wide: bool = False


# A value or field name of a chart's data: XML-safe text (the drawing is XML), or a number.
DataText = Annotated[str, Check(max_length=MAX_TEXT, after=xml_characters)]
DataValue = DataText | int | float | bool | None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChartContent(Model):
    """A numbered chart drawn from a Vega-Lite specification and its data."""

    id: Identifier | None = None
    """Anchor for cross-references: [](#id) becomes 'Figure 1'."""
    caption: Text
    alt: Text
    """What the chart shows, for readers who cannot see it."""
    data: Text | None = None
    """A CSV file (UTF-8) relative to the content file; its first row holds the field names."""
    values: (
        Annotated[list[dict[DataText, DataValue]], Check(min_length=1, max_length=MAX_ROWS)] | None
    ) = None
    """The data written in the file: a list of mappings, one per row."""
    spec: dict[str, Any]
    """A Vega-Lite specification (mark, encoding, ...), without data."""
    notes: Text | None = None
    source: Text | None = None
    wide: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Table(Model):
    """A numbered table with its caption, notes and source."""

    kind: ClassVar[str] = "table"
    table: TableContent


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure(Model):
    """A numbered image with its caption and credit."""

    kind: ClassVar[str] = "figure"
    figure: FigureContent


@dataclass(frozen=True, slots=True, kw_only=True)
class Chart(Model):
    """A numbered chart (a figure) drawn from data."""

    kind: ClassVar[str] = "chart"
    chart: ChartContent


NumberedBlock = Table | Figure | Chart


def numbered_content(block: object) -> TableContent | FigureContent | ChartContent | None:
    """The content of a numbered block (what carries its id and caption), or None."""
    if isinstance(block, Table):
        return block.table
    if isinstance(block, Figure):
        return block.figure
    if isinstance(block, Chart):
        return block.chart
    return None
